import { FieldErrors } from '../../src/domain-kernel/validation.js';
import { addMoney, checkMoney, formatMoney, hasAtMostDecimals, minorUnitDigits, subtractMoney, toScaled } from '../../src/domain-kernel/money.js';

describe('money', () => {
  it('adds and subtracts exactly', () => {
    expect(addMoney(0.1, 0.2)).toBe(0.3);
    expect(subtractMoney(-50, -0.011)).toBe(-49.989);
    let balance = 0;
    for (let index = 0; index < 10_000; index++) balance = addMoney(balance, 0.1);
    expect(balance).toBe(1000);
    expect(addMoney(999_999_999_999.99, 0.01)).toBe(1_000_000_000_000);
    expect(subtractMoney(0, 1_000_000_000)).toBe(-1_000_000_000);
  });

  it('reads what a number stands for, exponent forms included', () => {
    expect(toScaled(1e-7)).toBe(0n);
    expect(toScaled(1.5e-6)).toBe(2n);
    expect(toScaled(-0.0000005)).toBe(-1n);
    expect(toScaled(1e21)).toBe(10n ** 27n);
    expect(toScaled(12.5)).toBe(12_500_000n);
    expect(toScaled(1e12 + 0.29)).toBe(1_000_000_000_000_290_000n);
  });

  it('formats with at least two decimals and never drops one', () => {
    expect(formatMoney(25.5)).toBe('25.50');
    expect(formatMoney(-49.989)).toBe('-49.989');
    expect(formatMoney(0.001)).toBe('0.001');
    expect(formatMoney(-0)).toBe('0.00');
    expect(formatMoney(1e-7)).toBe('0.00');
  });

  it('knows the minor unit of a currency', () => {
    expect([minorUnitDigits(null), minorUnitDigits('EUR'), minorUnitDigits('jpy'), minorUnitDigits('KWD')]).toEqual([2, 2, 0, 3]);
  });

  it('tells how many decimals a number has', () => {
    expect(hasAtMostDecimals(0.29, 2)).toBe(true);
    expect(hasAtMostDecimals(1e12 + 0.29, 2)).toBe(true);
    expect(hasAtMostDecimals(0.001, 2)).toBe(false);
    expect(hasAtMostDecimals(1e-7, 2)).toBe(false);
    expect(hasAtMostDecimals(1e-7, 6)).toBe(false);
    expect(hasAtMostDecimals(10, 0)).toBe(true);
    expect(hasAtMostDecimals(10.5, 0)).toBe(false);
  });

  it.each([
    [0.001, {}, 'precision'],
    [1e-7, {}, 'precision'],
    [1e21, {}, 'range'],
    [9007199254740993, {}, 'range'],
    [0, { min: 0, exclusiveMin: true }, 'range'],
    ['12.50', {}, 'type'],
    [Number.NaN, {}, 'type'],
    [10.5, { digits: 0, currency: 'JPY' }, 'precision'],
  ])('refuses %p (%j) with %s', (value, rule, expected) => {
    const errors = new FieldErrors();
    expect(checkMoney(errors, 'amount', value, rule)).toBe(false);
    expect(errors.errors.map((error) => error.rule)).toEqual([expected]);
  });

  it('accepts amounts with the minor unit of the currency', () => {
    const errors = new FieldErrors();
    expect(checkMoney(errors, 'amount', 25.5, {})).toBe(true);
    expect(checkMoney(errors, 'amount', 1.125, { digits: 3, currency: 'KWD' })).toBe(true);
    expect(errors.errors).toEqual([]);
  });
});
