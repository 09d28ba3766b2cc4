/**
 * Value validation for the domain: small validators that record field errors in a collector and
 * return the normalised value (trimmed strings, '' → null for optional text, upper-cased codes,
 * ISO datetimes). Validators never throw; `FieldErrors.throwIfAny()` throws one ValidationFailed
 * with every error found, so a client sees all its mistakes at once.
 *
 * Rule names (FieldError.rule): required, type, integer, range, maxLength, minLength, enum, email,
 * phone, date, dateTime, format, currency, country, timezone, unknownField, notApplicable, option,
 * future, duplicate.
 */
import { ValidationFailed, type FieldError } from './errors.js';
import { EMAIL_MAX_LENGTH, PHONE_MAX_LENGTH } from './limits.js';

export class FieldErrors {
  readonly errors: FieldError[] = [];

  add(field: string, rule: string, message: string): void {
    this.errors.push({ field, rule, message });
  }

  get empty(): boolean {
    return this.errors.length === 0;
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw new ValidationFailed([...this.errors]);
  }
}

/** Records errors for `field` and returns the normalised value (a placeholder when invalid). */
export type Validator<T> = (errors: FieldErrors, field: string, value: unknown) => T;

export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[^\s@"(),:;<>[\\\]]+\.[^\s@"(),:;<>[\\\]]{2,}$/;
/** Digits with an optional leading +, spaces and dashes between (ASTPP `^[0-9 +-]+$`, + only first). */
const PHONE = /^\+?[0-9](?:[0-9 -]*[0-9])?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

export function isEmail(value: string): boolean {
  if (value.length > 254 || !EMAIL.test(value)) return false;
  const [local, domain] = [value.slice(0, value.lastIndexOf('@')), value.slice(value.lastIndexOf('@') + 1)];
  return local.length <= 64 && !domain.includes('..') && !domain.startsWith('.') && !domain.startsWith('-');
}

export function isPhone(value: string): boolean {
  if (!PHONE.test(value)) return false;
  const digits = value.replace(/\D/g, '').length;
  return digits >= 3 && digits <= 15;
}

/** A real calendar date written YYYY-MM-DD. */
export function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** ISO 8601 datetime with an explicit offset, or a bare date (midnight UTC) → normalised ISO string, or null. */
export function parseDateTime(value: string): string | null {
  if (!DATE_TIME.test(value)) return null;
  if (!isDate(value.slice(0, 10))) return null;
  const time = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function describe(field: string): string {
  return field;
}

// ----- text ---------------------------------------------------------------------------------

export function requiredText(max = 255): Validator<string> {
  return (errors, field, value) => {
    if (isBlank(value)) {
      errors.add(field, 'required', `${describe(field)} is required`);
      return '';
    }
    if (typeof value !== 'string') {
      errors.add(field, 'type', `${describe(field)} must be a string`);
      return '';
    }
    const text = value.trim();
    if (text.length > max) errors.add(field, 'maxLength', `${describe(field)} must be at most ${max} characters`);
    return text;
  };
}

/** Optional text: null, undefined and '' all mean "none" (null). */
export function optionalText(max = 255, pattern?: { regex: RegExp; rule: string; message: string }): Validator<string | null> {
  return (errors, field, value) => {
    if (isBlank(value)) return null;
    if (typeof value !== 'string') {
      errors.add(field, 'type', `${describe(field)} must be a string`);
      return null;
    }
    const text = value.trim();
    if (text.length > max) errors.add(field, 'maxLength', `${describe(field)} must be at most ${max} characters`);
    else if (pattern && !pattern.regex.test(text)) errors.add(field, pattern.rule, `${describe(field)} ${pattern.message}`);
    return text;
  };
}

export function textList(maxItem = 64, maxItems = 100): Validator<string[]> {
  return (errors, field, value) => {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value)) {
      errors.add(field, 'type', `${describe(field)} must be a list`);
      return [];
    }
    if (value.length > maxItems) errors.add(field, 'maxItems', `${describe(field)} may hold at most ${maxItems} items`);
    const out: string[] = [];
    value.forEach((item, index) => {
      const text = requiredText(maxItem)(errors, `${field}[${index}]`, item);
      if (text && !out.includes(text)) out.push(text);
    });
    return out;
  };
}

// ----- contact values ------------------------------------------------------------------------

export function optionalEmail(): Validator<string | null> {
  return (errors, field, value) => {
    const text = optionalText(EMAIL_MAX_LENGTH)(errors, field, value);
    if (text !== null && !isEmail(text)) errors.add(field, 'email', `${describe(field)} is not a valid email address`);
    return text;
  };
}

export function emailList(maxItems = 20): Validator<string[]> {
  return (errors, field, value) => {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value)) {
      errors.add(field, 'type', `${describe(field)} must be a list of email addresses`);
      return [];
    }
    if (value.length > maxItems) errors.add(field, 'maxItems', `${describe(field)} may hold at most ${maxItems} addresses`);
    const out: string[] = [];
    value.forEach((item, index) => {
      const itemField = `${field}[${index}]`;
      const text = requiredText(EMAIL_MAX_LENGTH)(errors, itemField, item);
      if (!text) return;
      if (!isEmail(text)) errors.add(itemField, 'email', `${itemField} is not a valid email address: ${text}`);
      else if (!out.some((existing) => existing.toLowerCase() === text.toLowerCase())) out.push(text);
    });
    return out;
  };
}

export function optionalPhone(): Validator<string | null> {
  return (errors, field, value) => {
    const text = optionalText(PHONE_MAX_LENGTH)(errors, field, value);
    if (text !== null && !isPhone(text)) errors.add(field, 'phone', `${describe(field)} is not a valid phone number (digits, optional leading +, spaces and dashes)`);
    return text;
  };
}

export function phoneList(maxItems = 20): Validator<string[]> {
  return (errors, field, value) => {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value)) {
      errors.add(field, 'type', `${describe(field)} must be a list of phone numbers`);
      return [];
    }
    if (value.length > maxItems) errors.add(field, 'maxItems', `${describe(field)} may hold at most ${maxItems} numbers`);
    const out: string[] = [];
    value.forEach((item, index) => {
      const itemField = `${field}[${index}]`;
      const text = requiredText(PHONE_MAX_LENGTH)(errors, itemField, item);
      if (!text) return;
      if (!isPhone(text)) errors.add(itemField, 'phone', `${itemField} is not a valid phone number (digits, optional leading +, spaces and dashes): ${text}`);
      else if (!out.includes(text)) out.push(text);
    });
    return out;
  };
}

// ----- numbers and flags ---------------------------------------------------------------------

interface Range {
  min?: number;
  max?: number;
}

function checkRange(errors: FieldErrors, field: string, value: number, range: Range): void {
  const { min, max } = range;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    const bounds =
      min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
    errors.add(field, 'range', `${describe(field)} must be ${bounds}`);
  }
}

export function integer(range: Range = {}): Validator<number> {
  return (errors, field, value) => {
    if (value === undefined || value === null) {
      errors.add(field, 'required', `${describe(field)} is required`);
      return 0;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      errors.add(field, 'integer', `${describe(field)} must be an integer`);
      return 0;
    }
    checkRange(errors, field, value, range);
    return value;
  };
}

export function optionalInteger(range: Range = {}): Validator<number | null> {
  return (errors, field, value) => (value === undefined || value === null ? null : integer(range)(errors, field, value));
}

export function decimal(range: Range = {}): Validator<number> {
  return (errors, field, value) => {
    if (value === undefined || value === null) {
      errors.add(field, 'required', `${describe(field)} is required`);
      return 0;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      errors.add(field, 'type', `${describe(field)} must be a number`);
      return 0;
    }
    checkRange(errors, field, value, range);
    return value;
  };
}

export function optionalDecimal(range: Range = {}): Validator<number | null> {
  return (errors, field, value) => (value === undefined || value === null ? null : decimal(range)(errors, field, value));
}

export function boolean(): Validator<boolean> {
  return (errors, field, value) => {
    if (typeof value !== 'boolean') {
      errors.add(field, 'type', `${describe(field)} must be true or false`);
      return false;
    }
    return value;
  };
}

export function oneOf<T extends string>(values: readonly T[]): Validator<T> {
  return (errors, field, value) => {
    if (isBlank(value)) {
      errors.add(field, 'required', `${describe(field)} is required`);
      return values[0];
    }
    if (typeof value !== 'string' || !values.includes(value as T)) {
      errors.add(field, 'enum', `${describe(field)} must be one of ${values.join(', ')}`);
      return values[0];
    }
    return value as T;
  };
}

export function optionalOneOf<T extends string>(values: readonly T[]): Validator<T | null> {
  return (errors, field, value) => (isBlank(value) ? null : oneOf(values)(errors, field, value));
}

/** A positive integer id of another entity (partner, location). */
export function entityId(): Validator<number> {
  return integer({ min: 1 });
}

// ----- dates ---------------------------------------------------------------------------------

export function optionalDate(): Validator<string | null> {
  return (errors, field, value) => {
    if (isBlank(value)) return null;
    if (typeof value !== 'string' || !isDate(value.trim())) {
      errors.add(field, 'date', `${describe(field)} must be a date written YYYY-MM-DD`);
      return null;
    }
    return value.trim();
  };
}

export function requiredDate(): Validator<string> {
  return (errors, field, value) => {
    if (isBlank(value)) {
      errors.add(field, 'required', `${describe(field)} is required`);
      return '';
    }
    return optionalDate()(errors, field, value) ?? '';
  };
}

export function optionalDateTime(): Validator<string | null> {
  return (errors, field, value) => {
    if (isBlank(value)) return null;
    const parsed = typeof value === 'string' ? parseDateTime(value.trim()) : null;
    if (parsed === null) errors.add(field, 'dateTime', `${describe(field)} must be an ISO 8601 date or datetime with a time zone offset`);
    return parsed;
  };
}

// ----- codes ---------------------------------------------------------------------------------

export function optionalCurrency(): Validator<string | null> {
  return (errors, field, value) => {
    if (isBlank(value)) return null;
    const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
    if (!/^[A-Z]{3}$/.test(code)) {
      errors.add(field, 'currency', `${describe(field)} must be an ISO 4217 currency code of 3 letters`);
      return null;
    }
    return code;
  };
}

export function optionalCountry(): Validator<string | null> {
  return (errors, field, value) => {
    if (isBlank(value)) return null;
    const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
    if (!/^[A-Z]{2}$/.test(code)) {
      errors.add(field, 'country', `${describe(field)} must be an ISO 3166-1 alpha-2 country code`);
      return null;
    }
    return code;
  };
}

export function optionalTimeZone(): Validator<string | null> {
  return (errors, field, value) => {
    if (isBlank(value)) return null;
    const zone = typeof value === 'string' ? value.trim() : '';
    if (!zone || !isTimeZone(zone)) {
      errors.add(field, 'timezone', `${describe(field)} must be an IANA time zone such as Europe/Berlin`);
      return null;
    }
    return zone;
  };
}

export interface GeoPoint {
  lat: number;
  lng: number;
}

export function optionalGeo(): Validator<GeoPoint | null> {
  return (errors, field, value) => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.add(field, 'type', `${describe(field)} must be an object {lat, lng}`);
      return null;
    }
    const point = value as Record<string, unknown>;
    const lat = decimal({ min: -90, max: 90 })(errors, `${field}.lat`, point.lat);
    const lng = decimal({ min: -180, max: 180 })(errors, `${field}.lng`, point.lng);
    return { lat, lng };
  };
}

/** Applies `validator` to `value` when present; returns undefined when absent (PATCH semantics). */
export function ifPresent<T>(errors: FieldErrors, field: string, value: unknown, validator: Validator<T>): T | undefined {
  return value === undefined ? undefined : validator(errors, field, value);
}
