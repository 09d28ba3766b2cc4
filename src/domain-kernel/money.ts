/**
 * Money, exact. An amount is a decimal number of the currency's major unit (12.50 EUR) with at most
 * the currency's minor-unit decimals (2 for EUR, 0 for JPY, 3 for KWD). JSON carries it as a number;
 * a number with at most that many decimals and within the bounds below names exactly one decimal,
 * so nothing is lost on the way in. Arithmetic never adds binary doubles: values are turned into
 * integers of MONEY_SCALE decimals (BigInt), added, and turned back, so 0.1 + 0.2 is 0.3 and a
 * balance after ten thousand payments is the exact sum. Events keep money as JSON numbers, as
 * they always have (events written before these rules, with up to 6 decimals, replay unchanged).
 */
import type { FieldErrors, Validator } from './validation.js';

/** Decimals the arithmetic keeps: finer than any minor unit, and what older events were rounded to. */
export const MONEY_SCALE = 6;
/** The largest payment or charge. */
export const MONEY_AMOUNT_MAX = 1_000_000_000;
/** The largest magnitude of a balance, minimum balance or credit limit (well inside exact doubles). */
export const MONEY_BALANCE_MAX = 1_000_000_000_000;
/** Minor-unit decimals when the customer has no currency set. */
export const DEFAULT_MINOR_UNIT_DIGITS = 2;

/** ISO 4217 currencies whose minor unit is not 1/100 (the others have 2 decimals). */
const MINOR_UNIT_DIGITS: ReadonlyMap<string, number> = new Map([
  ...['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'].map((code) => [code, 0] as const),
  ...['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((code) => [code, 3] as const),
  ['CLF', 4],
  ['UYW', 4],
]);

/** How many decimals an amount in this currency may have. */
export function minorUnitDigits(currency: string | null | undefined): number {
  return (currency ? MINOR_UNIT_DIGITS.get(currency.toUpperCase()) : undefined) ?? DEFAULT_MINOR_UNIT_DIGITS;
}

const SCALE = 10n ** BigInt(MONEY_SCALE);
const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/**
 * The decimal a finite number stands for (its shortest round-trip text, as JSON prints it), as an
 * integer of MONEY_SCALE decimals, rounded half away from zero beyond that scale.
 */
export function toScaled(value: number): bigint {
  const match = NUMBER_TEXT.exec(String(value));
  if (!match) throw new RangeError(`Not a finite money value: ${value}`);
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  let digits = whole + fraction;
  // The decimal point sits after `point` digits of `digits`.
  let point = whole.length + exponent;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (digits.length < point + MONEY_SCALE + 1) digits = digits.padEnd(point + MONEY_SCALE + 1, '0');
  const kept = BigInt(digits.slice(0, point + MONEY_SCALE) || '0');
  const roundUp = digits.charCodeAt(point + MONEY_SCALE) >= '5'.charCodeAt(0);
  const magnitude = roundUp ? kept + 1n : kept;
  return sign === '-' ? -magnitude : magnitude;
}

/** The decimal text of a scaled integer, with at least `minDecimals` decimals (trailing zeros trimmed beyond). */
export function scaledToText(scaled: bigint, minDecimals = 2): string {
  const negative = scaled < 0n;
  const magnitude = negative ? -scaled : scaled;
  const whole = magnitude / SCALE;
  let fraction = (magnitude % SCALE).toString().padStart(MONEY_SCALE, '0').replace(/0+$/, '');
  if (fraction.length < minDecimals) fraction = fraction.padEnd(minDecimals, '0');
  const text = fraction ? `${whole}.${fraction}` : `${whole}`;
  return negative && magnitude !== 0n ? `-${text}` : text;
}

function fromScaled(scaled: bigint): number {
  // Number(decimal text) is the double nearest to that decimal: it prints back as the same text.
  return Number(scaledToText(scaled, 0));
}

/** a + b, exactly. */
export function addMoney(a: number, b: number): number {
  return fromScaled(toScaled(a) + toScaled(b));
}

/** a − b, exactly. */
export function subtractMoney(a: number, b: number): number {
  return fromScaled(toScaled(a) - toScaled(b));
}

/** Compares two money values exactly: negative when a < b, 0 when equal, positive when a > b. */
export function compareMoney(a: number, b: number): number {
  const difference = toScaled(a) - toScaled(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** A money value as decimal text with at least 2 decimals ("12.50", "-0.001"): what the timeline shows. */
export function formatMoney(value: number): string {
  return scaledToText(toScaled(value), 2);
}

/** True when `value` is a decimal with at most `digits` decimals (0.1 yes for 2; 0.001 and 1e-7 no). */
export function hasAtMostDecimals(value: number, digits: number): boolean {
  const scaled = toScaled(value);
  const unit = 10n ** BigInt(MONEY_SCALE - Math.min(digits, MONEY_SCALE));
  return scaled % unit === 0n && Number.isFinite(value) && toScaledIsExact(value);
}

/** Whether the number has no more than MONEY_SCALE decimals at all (so toScaled did not round). */
function toScaledIsExact(value: number): boolean {
  return fromScaled(toScaled(value)) === value;
}

export interface MoneyRule {
  /** Inclusive bounds; `exclusiveMin`: the value must be greater than `min`. */
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  /** Decimals allowed (the currency's minor unit); default 2. */
  digits?: number;
  /** Named in the message, e.g. "EUR". */
  currency?: string | null;
}

/**
 * Records `type`, `range` or `precision` for a money value on `field`; returns whether it passed.
 * `precision`: more decimals than the currency's minor unit — refused, never rounded.
 */
export function checkMoney(errors: FieldErrors, field: string, value: unknown, rule: MoneyRule = {}): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    errors.add(field, 'type', `${field} must be a number`);
    return false;
  }
  const min = rule.min ?? -MONEY_BALANCE_MAX;
  const max = rule.max ?? MONEY_BALANCE_MAX;
  if ((rule.exclusiveMin ? value <= min : value < min) || value > max) {
    errors.add(field, 'range', `${field} must be ${rule.exclusiveMin ? 'greater than' : 'at least'} ${min} and at most ${max}`);
    return false;
  }
  const digits = rule.digits ?? DEFAULT_MINOR_UNIT_DIGITS;
  if (!hasAtMostDecimals(value, digits)) {
    const unit = rule.currency ? ` (the minor unit of ${rule.currency})` : '';
    errors.add(field, 'precision', `${field} must have at most ${digits} decimal${digits === 1 ? '' : 's'}${unit}; ${String(value)} would have to be rounded`);
    return false;
  }
  return true;
}

/** A validator for a money field of fixed precision (2 decimals) within ±MONEY_BALANCE_MAX. */
export function money(rule: MoneyRule = {}): Validator<number> {
  return (errors, field, value) => {
    if (value === undefined || value === null) {
      errors.add(field, 'required', `${field} is required`);
      return 0;
    }
    return checkMoney(errors, field, value, rule) ? value : 0;
  };
}

export function optionalMoney(rule: MoneyRule = {}): Validator<number | null> {
  return (errors, field, value) => (value === undefined || value === null ? null : money(rule)(errors, field, value));
}
