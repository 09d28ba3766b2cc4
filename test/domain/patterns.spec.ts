import { describe, expect, it } from '@jest/globals';
import {
  DIGITS,
  ValidationFailed,
  assertPasswordPolicy,
  assertPin,
  checkPasswordPolicy,
  checkPin,
  generateAccountNumber,
  generateFromPattern,
  generateLogin,
  generatePassword,
  generatePin,
  isAcceptablePassword,
  patternProblems,
  type RandomSource,
} from '../../src/customers/domain/index.js';
import { DEFAULT_CUSTOMER_SETTINGS } from '../../src/reference-data/domain/index.js';

/** Deterministic random source: cycles through the given values (mod n). */
function sequence(...values: number[]): RandomSource {
  let index = 0;
  return (n) => values[index++ % values.length] % n;
}

const NOW = '2025-03-07T22:30:00.000Z';

describe('generateFromPattern', () => {
  it('replaces {id} {year} {month} {day} (UTC) and copies the rest', () => {
    expect(generateFromPattern('c-{id}-{year}{month}{day}', { id: 42, now: NOW, random: sequence(0) })).toBe('c-42-20250307');
    expect(generateFromPattern('{day}/{month}', { now: new Date('2025-12-31T23:59:59+02:00'), random: sequence(0) })).toBe('31/12');
  });

  it('draws {rand_string} from the charset and {rand_number} from digits, `length` long', () => {
    expect(generateFromPattern('{rand_string}', { now: NOW, random: sequence(0, 1, 2), length: 5, charset: 'abc' })).toBe('abcab');
    expect(generateFromPattern('{rand_number}', { now: NOW, random: sequence(9, 8, 7), length: 4 })).toBe('9879');
  });

  it('lets a token carry its own length', () => {
    expect(generateFromPattern('{year}{rand_number:3}-{rand_string:2}', { now: NOW, random: sequence(1), length: 10, charset: 'xy' })).toBe('2025111-yy');
  });

  it('uses a default length of 8 and a charset without look-alikes', () => {
    const value = generateFromPattern('{rand_string}', { now: NOW, random: (n) => Math.floor(Math.random() * n) });
    expect(value).toHaveLength(8);
    expect(value).not.toMatch(/[0O1lI]/);
  });

  it('throws on unknown tokens or a missing id (configuration or wiring error)', () => {
    expect(() => generateFromPattern('{email}', { now: NOW, random: sequence(0) })).toThrow(/unknown token/);
    expect(() => generateFromPattern('{id}', { now: NOW, random: sequence(0) })).toThrow(/no id/);
    expect(patternProblems('{id')).toEqual(['unbalanced or malformed braces']);
    expect(patternProblems('{id}{rand_string:0}')).toHaveLength(1);
    expect(patternProblems('')).toEqual(['the pattern is empty']);
    expect(patternProblems('{id}-{rand_number:4}')).toEqual([]);
  });
});

describe('password policy', () => {
  it.each([
    ['abc12345', []],
    ['Pässwörd9', []],
    ['short1', ['minLength']],
    ['12345678', ['letter']],
    ['abcdefgh', ['digit']],
    ['', ['minLength', 'letter', 'digit']],
  ])('%s → %j', (password, rules) => {
    expect(checkPasswordPolicy(password).map((error) => error.rule)).toEqual(rules);
    expect(checkPasswordPolicy(password).every((error) => error.field === 'password')).toBe(true);
  });

  it('never equals the login (case-insensitive)', () => {
    expect(checkPasswordPolicy('JDoe2025', { login: 'jdoe2025' }).map((error) => error.rule)).toEqual(['notLogin']);
    expect(isAcceptablePassword('jdoe2025x', { login: 'jdoe2025' })).toBe(true);
  });

  it('assertPasswordPolicy throws ValidationFailed naming field and rule', () => {
    expect(() => assertPasswordPolicy('abc')).toThrow(ValidationFailed);
    try {
      assertPasswordPolicy('abcdefgh');
    } catch (error) {
      expect((error as ValidationFailed).errors).toEqual([{ field: 'password', rule: 'digit', message: expect.any(String) }]);
    }
  });
});

describe('generators from the customer settings', () => {
  it('generates a login from the default pattern {id}', () => {
    expect(generateLogin(DEFAULT_CUSTOMER_SETTINGS, { id: 1001, now: NOW, random: sequence(0) })).toBe('1001');
    expect(generateLogin({ loginPattern: 'u{year}{rand_number}', loginLength: 4, loginCharset: 'ab' }, { id: 1, now: NOW, random: sequence(3) })).toBe('u20253333');
  });

  it('generates a password that satisfies the policy, drawing again when a draw does not', () => {
    // First draw: all letters (no digit) → refused; second draw has a digit.
    const charset = 'ab1';
    let calls = 0;
    const random: RandomSource = (n) => {
      calls++;
      return calls <= 8 ? 0 : calls % n;
    };
    const password = generatePassword({ passwordPattern: '{rand_string}', passwordLength: 8, passwordCharset: charset }, { now: NOW, random });
    expect(isAcceptablePassword(password)).toBe(true);
    expect(calls).toBe(16);
  });

  it('gives up with an error when the settings cannot satisfy the policy', () => {
    expect(() => generatePassword({ passwordPattern: '{rand_string}', passwordLength: 8, passwordCharset: 'ab' }, { now: NOW, random: sequence(0, 1) }, 5)).toThrow(/cannot satisfy/);
  });

  it('generates real passwords with the default settings', () => {
    const random: RandomSource = (n) => Math.floor(Math.random() * n);
    for (let i = 0; i < 50; i++) {
      const password = generatePassword(DEFAULT_CUSTOMER_SETTINGS, { now: NOW, random, login: 'jdoe' });
      expect(password).toHaveLength(12);
      expect(isAcceptablePassword(password, { login: 'jdoe' })).toBe(true);
    }
  });

  it('generates an account number of the configured length with the prefix and no leading zero', () => {
    expect(generateAccountNumber({ accountNumberLength: 10, accountNumberPrefix: '' }, sequence(0))).toBe('1000000000');
    expect(generateAccountNumber({ accountNumberLength: 8, accountNumberPrefix: '77' }, sequence(5))).toBe('77555555');
    expect(generateAccountNumber({ accountNumberLength: 6, accountNumberPrefix: '0' }, sequence(0))).toBe('000000');
    expect(() => generateAccountNumber({ accountNumberLength: 4, accountNumberPrefix: '1234' }, sequence(0))).toThrow(/shorter/);
  });

  it('generates a numeric PIN of the configured length', () => {
    expect(generatePin({ pinLength: 6 }, sequence(0, 4, 2))).toBe('042042');
    const pin = generatePin({ pinLength: 8 }, (n) => Math.floor(Math.random() * n));
    expect(pin).toMatch(new RegExp(`^[${DIGITS}]{8}$`));
  });

  it('checks a given PIN: digits only, exactly the configured length (before the application layer seals it)', () => {
    expect(checkPin('042042', { pinLength: 6 })).toEqual([]);
    expect(checkPin('0420', { pinLength: 6 }).map((error) => `${error.field}:${error.rule}`)).toEqual(['voip.pin:length']);
    expect(checkPin('04204211', { pinLength: 6 }).map((error) => error.rule)).toEqual(['length']);
    expect(checkPin('04a042', { pinLength: 6 }).map((error) => error.rule)).toEqual(['format']);
    expect(checkPin(42042, { pinLength: 5 }).map((error) => error.rule)).toEqual(['type']);
    expect(checkPin(null, { pinLength: 6 }, 'pin').map((error) => error.field)).toEqual(['pin']);
    expect(() => assertPin('1234', { pinLength: 6 })).toThrow(ValidationFailed);
    expect(() => assertPin(generatePin({ pinLength: 9 }, sequence(7)), { pinLength: 9 })).not.toThrow();
  });
});
