/**
 * Generated logins must pass the customer's own login rule (LOGIN_PATTERN: letters, digits and
 * . _ @ + -). Settings whose login charset or pattern text could produce anything else are
 * refused up front; otherwise every create without a login would fail later with a 422 on `login`
 * the admin creating the customer cannot fix.
 */
import { describe, expect, it } from '@jest/globals';
import { decideCustomer, generateLogin, LOGIN_MAX_LENGTH, LOGIN_PATTERN, MAX_ID_DIGITS, maxGeneratedLength, ValidationFailed } from '../../src/customers/domain/index.js';
import { customerSettingsDecider, DEFAULT_CUSTOMER_SETTINGS } from '../../src/reference-data/domain/index.js';
import { specFor } from './given-when-then.js';
import { baseContext, minimalInput } from './fixtures.js';

const NOW = '2025-03-01T10:00:00.000Z';
const settings = specFor(customerSettingsDecider, () => ({ now: NOW }));

describe('customer settings: logins the customer decider accepts', () => {
  it('without the check, a charset with other characters yields logins the customer decider refuses', () => {
    const login = generateLogin({ loginPattern: '{rand_string}', loginLength: 8, loginCharset: 'ab#' }, { id: 1, now: NOW, random: () => 2 });
    expect(login).toBe('########');
    expect(LOGIN_PATTERN.test(login)).toBe(false);
    expect(() =>
      decideCustomer({ type: 'CreateCustomer', data: minimalInput }, { exists: false, revision: -1 }, { ...baseContext(), creation: { ...baseContext().creation!, login } }),
    ).toThrow(ValidationFailed);
  });

  it('refuses a login charset with characters a login may not hold', () => {
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { loginPattern: '{rand_string}', loginCharset: 'abc#%' } }).thenInvalid({ field: 'loginCharset', rule: 'format' });
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { loginCharset: 'abcäöü' } }).thenInvalid({ field: 'loginCharset', rule: 'format' });
  });

  it('refuses login pattern text with characters a login may not hold', () => {
    settings.given([]).when({ type: 'ChangeCustomerSettings', data: { loginPattern: 'cust#{id}' } }).thenInvalid({ field: 'loginPattern', rule: 'format' });
  });

  it('accepts what a login may hold', () => {
    settings
      .given([])
      .when({ type: 'ChangeCustomerSettings', data: { loginPattern: 'c.{id}-{rand_string:3}@isp', loginCharset: 'abc_+.-XYZ09' } })
      .then((events) => expect(events).toHaveLength(1));
    expect(LOGIN_PATTERN.test(DEFAULT_CUSTOMER_SETTINGS.loginCharset)).toBe(true);
  });
});

/**
 * Generated logins must also fit the login limit (LOGIN_MAX_LENGTH, 64): a random token may carry
 * its own length up to 64, and several tokens add up, so settings whose longest possible login is
 * longer are refused up front (rule loginPattern:generatedLength).
 */
describe('customer settings: logins no longer than the login limit', () => {
  it('without the check, a pattern can generate a login the customer decider refuses as too long', () => {
    const login = generateLogin({ loginPattern: 'c{rand_string:64}', loginLength: 8, loginCharset: 'ab' }, { id: 1, now: NOW, random: () => 0 });
    expect(login).toHaveLength(65);
    expect(LOGIN_MAX_LENGTH).toBe(64);
    expect(() =>
      decideCustomer({ type: 'CreateCustomer', data: minimalInput }, { exists: false, revision: -1 }, { ...baseContext(), creation: { ...baseContext().creation!, login } }),
    ).toThrow(ValidationFailed);
  });

  it('computes the longest login a pattern can render', () => {
    expect(maxGeneratedLength('{id}', { length: 6, idDigits: MAX_ID_DIGITS })).toBe(MAX_ID_DIGITS);
    expect(maxGeneratedLength('c{year}-{month}{day}.{rand_number:4}{rand_string}', { length: 6, idDigits: 16 })).toBe(1 + 4 + 1 + 2 + 2 + 1 + 4 + 6);
    expect(maxGeneratedLength('{rand_string:64}{rand_number}', { length: 32, idDigits: 16 })).toBe(96);
  });

  it('refuses a login pattern whose random tokens with their own length exceed the limit', () => {
    settings
      .given([])
      .when({ type: 'ChangeCustomerSettings', data: { loginPattern: 'c{rand_string:64}' } })
      .thenInvalid({ field: 'loginPattern', rule: 'generatedLength' });
    settings
      .given([])
      .when({ type: 'ChangeCustomerSettings', data: { loginPattern: '{rand_string:40}{rand_number:30}' } })
      .thenInvalid({ field: 'loginPattern', rule: 'generatedLength' });
  });

  it('counts random tokens without a length as loginLength, and {id} as the longest id', () => {
    settings
      .given([])
      .when({ type: 'ChangeCustomerSettings', data: { loginPattern: '{rand_string}{rand_string}{rand_string}', loginLength: 32 } })
      .thenInvalid({ field: 'loginPattern', rule: 'generatedLength' });
    settings
      .given([])
      .when({ type: 'ChangeCustomerSettings', data: { loginPattern: '{id}-{rand_string:48}' } })
      .thenInvalid({ field: 'loginPattern', rule: 'generatedLength' });
    // Changing only loginLength is checked against the pattern already in force.
    const history = settings.given([]).when({ type: 'ChangeCustomerSettings', data: { loginPattern: '{rand_string}{rand_string}', loginLength: 16 } }).events();
    settings.given(history).when({ type: 'ChangeCustomerSettings', data: { loginLength: 32 } }).then((events) => expect(events).toHaveLength(1));
    const three = settings.given([]).when({ type: 'ChangeCustomerSettings', data: { loginPattern: '{rand_string}{rand_string}{rand_string}', loginLength: 16 } }).events();
    settings.given(three).when({ type: 'ChangeCustomerSettings', data: { loginLength: 32 } }).thenInvalid({ field: 'loginPattern', rule: 'generatedLength' });
  });

  it('accepts a pattern whose longest login is exactly the limit', () => {
    settings
      .given([])
      .when({ type: 'ChangeCustomerSettings', data: { loginPattern: '{rand_string:64}' } })
      .then((events) => expect(events).toHaveLength(1));
    settings
      .given([])
      .when({ type: 'ChangeCustomerSettings', data: { loginPattern: `{id}-{rand_string:${64 - MAX_ID_DIGITS - 1}}` } })
      .then((events) => expect(events).toHaveLength(1));
  });
});
