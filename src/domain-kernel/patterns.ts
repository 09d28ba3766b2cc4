/**
 * Pure generators for logins, passwords, account numbers and PINs, and the portal-password policy.
 * Randomness comes from the caller (`random(n)` → an integer in [0, n), e.g. node:crypto randomInt),
 * so these stay pure and testable; generation and encryption happen in the application layer.
 *
 * Pattern tokens (Splynx): {id} {rand_string} {rand_number} {year} {month} {day}. A random token may
 * carry its own length: {rand_number:4}. Other text is copied literally.
 */
import { ValidationFailed, type FieldError } from './errors.js';
import { PORTAL_PASSWORD_MIN_LENGTH } from './limits.js';

/** Returns an integer in [0, maxExclusive). */
export type RandomSource = (maxExclusive: number) => number;

export const PATTERN_TOKENS = ['id', 'rand_string', 'rand_number', 'year', 'month', 'day'] as const;
export type PatternToken = (typeof PATTERN_TOKENS)[number];

export const DEFAULT_RANDOM_LENGTH = 8;
/** Letters and digits without the look-alikes 0/O, 1/l/I. */
export const DEFAULT_CHARSET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const DIGITS = '0123456789';

export interface PatternOptions {
  /** Value of {id}; required when the pattern uses it. */
  id?: number | string;
  /** The current time (ISO string or Date), for {year} {month} {day} (UTC). */
  now: string | Date;
  random: RandomSource;
  /** Length of each random token without its own length; default 8. */
  length?: number;
  /** Characters {rand_string} draws from; default DEFAULT_CHARSET. */
  charset?: string;
}

const TOKEN = /\{([a-z_]+)(?::(\d{1,3}))?\}/g;

export interface ParsedPattern {
  tokens: { name: string; length: number | null }[];
  unknownTokens: string[];
  literals: string;
  hasRandom: boolean;
  hasId: boolean;
}

export function parsePattern(pattern: string): ParsedPattern {
  const tokens: ParsedPattern['tokens'] = [];
  for (const match of pattern.matchAll(TOKEN)) tokens.push({ name: match[1], length: match[2] === undefined ? null : Number(match[2]) });
  const unknownTokens = tokens.filter((token) => !(PATTERN_TOKENS as readonly string[]).includes(token.name)).map((token) => `{${token.name}}`);
  return {
    tokens,
    unknownTokens,
    literals: pattern.replace(TOKEN, ''),
    hasRandom: tokens.some((token) => token.name === 'rand_string' || token.name === 'rand_number'),
    hasId: tokens.some((token) => token.name === 'id'),
  };
}

/** Problems with a pattern as text (unknown tokens, empty, braces left over); [] when fine. */
export function patternProblems(pattern: string): string[] {
  const problems: string[] = [];
  if (pattern.trim() === '') problems.push('the pattern is empty');
  const parsed = parsePattern(pattern);
  if (parsed.unknownTokens.length > 0) problems.push(`unknown token(s) ${parsed.unknownTokens.join(', ')}; known: ${PATTERN_TOKENS.map((t) => `{${t}}`).join(' ')}`);
  else if (/[{}]/.test(parsed.literals)) problems.push('unbalanced or malformed braces');
  for (const token of parsed.tokens) {
    if (token.length !== null && (token.length < 1 || token.length > 64)) problems.push(`{${token.name}:${token.length}} length must be 1..64`);
  }
  return problems;
}

/** Digits of the largest customer id {id} can stand for (ids are safe integers: Number.MAX_SAFE_INTEGER). */
export const MAX_ID_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

/**
 * The longest text a pattern can render: literals as they are, {id} at most `idDigits` digits,
 * {year} 4, {month} and {day} 2, a random token its own length or `length`. Unknown tokens count
 * as their text (patternProblems reports them).
 */
export function maxGeneratedLength(pattern: string, options: { length?: number; idDigits?: number } = {}): number {
  const length = options.length ?? DEFAULT_RANDOM_LENGTH;
  const idDigits = options.idDigits ?? MAX_ID_DIGITS;
  let total = 0;
  const literals = pattern.replace(TOKEN, (whole, name: string, own: string | undefined) => {
    switch (name) {
      case 'id':
        total += idDigits;
        break;
      case 'rand_string':
      case 'rand_number':
        total += own === undefined ? length : Number(own);
        break;
      case 'year':
        total += 4;
        break;
      case 'month':
      case 'day':
        total += 2;
        break;
      default:
        total += whole.length;
    }
    return '';
  });
  return total + [...literals].length;
}

export function randomString(length: number, charset: string, random: RandomSource): string {
  if (charset.length === 0) throw new Error('randomString: empty charset');
  let out = '';
  for (let i = 0; i < length; i++) out += charset[random(charset.length)];
  return out;
}

function utcParts(now: string | Date): { year: string; month: string; day: string } {
  const date = typeof now === 'string' ? new Date(now) : now;
  if (Number.isNaN(date.getTime())) throw new Error(`generateFromPattern: invalid now ${String(now)}`);
  return {
    year: String(date.getUTCFullYear()),
    month: String(date.getUTCMonth() + 1).padStart(2, '0'),
    day: String(date.getUTCDate()).padStart(2, '0'),
  };
}

/** Renders a pattern. Throws on unknown tokens or a missing id (a configuration or wiring error). */
export function generateFromPattern(pattern: string, options: PatternOptions): string {
  const problems = patternProblems(pattern);
  if (problems.length > 0) throw new Error(`generateFromPattern: ${problems.join('; ')}`);
  const length = options.length ?? DEFAULT_RANDOM_LENGTH;
  const charset = options.charset ?? DEFAULT_CHARSET;
  const parts = utcParts(options.now);
  return pattern.replace(TOKEN, (_whole, name: string, own: string | undefined) => {
    const tokenLength = own === undefined ? length : Number(own);
    switch (name as PatternToken) {
      case 'id':
        if (options.id === undefined || options.id === null) throw new Error('generateFromPattern: the pattern uses {id} but no id was given');
        return String(options.id);
      case 'rand_string':
        return randomString(tokenLength, charset, options.random);
      case 'rand_number':
        return randomString(tokenLength, DIGITS, options.random);
      case 'year':
        return parts.year;
      case 'month':
        return parts.month;
      case 'day':
        return parts.day;
    }
  });
}

// ----- password policy -----------------------------------------------------------------------


/**
 * The portal-password policy (ASTPP chk_password_expression): at least 8 characters, at least one
 * letter and one digit, and never equal to the login (compared case-insensitively).
 * Returns the broken rules as field errors on `password`; [] when the password is acceptable.
 */
export function checkPasswordPolicy(password: string, options: { login?: string | null } = {}): FieldError[] {
  const errors: FieldError[] = [];
  const add = (rule: string, message: string) => errors.push({ field: 'password', rule, message });
  if (typeof password !== 'string') {
    add('type', 'password must be a string');
    return errors;
  }
  if ([...password].length < PORTAL_PASSWORD_MIN_LENGTH) add('minLength', `password must be at least ${PORTAL_PASSWORD_MIN_LENGTH} characters`);
  if (!/\p{L}/u.test(password)) add('letter', 'password must contain at least one letter');
  if (!/\p{Nd}/u.test(password)) add('digit', 'password must contain at least one digit');
  if (options.login && password.toLowerCase() === options.login.toLowerCase()) add('notLogin', 'password must not be the same as the login');
  return errors;
}

export function isAcceptablePassword(password: string, options: { login?: string | null } = {}): boolean {
  return checkPasswordPolicy(password, options).length === 0;
}

/** Throws ValidationFailed (field 'password') when the password breaks the policy. */
export function assertPasswordPolicy(password: string, options: { login?: string | null } = {}): void {
  const errors = checkPasswordPolicy(password, options);
  if (errors.length > 0) throw new ValidationFailed(errors);
}

// ----- generators driven by the customer settings --------------------------------------------

export interface CredentialPatternSettings {
  loginPattern: string;
  loginLength: number;
  loginCharset: string;
  passwordPattern: string;
  passwordLength: number;
  passwordCharset: string;
  accountNumberLength: number;
  accountNumberPrefix: string;
  pinLength: number;
}

export function generateLogin(settings: Pick<CredentialPatternSettings, 'loginPattern' | 'loginLength' | 'loginCharset'>, options: { id: number | string; now: string | Date; random: RandomSource }): string {
  return generateFromPattern(settings.loginPattern, { ...options, length: settings.loginLength, charset: settings.loginCharset });
}

/**
 * A password from the settings' pattern that satisfies the policy: draws again (bounded) when a
 * draw happens to lack a letter or a digit or equals the login.
 */
export function generatePassword(
  settings: Pick<CredentialPatternSettings, 'passwordPattern' | 'passwordLength' | 'passwordCharset'>,
  options: { id?: number | string; now: string | Date; random: RandomSource; login?: string | null },
  maxAttempts = 100,
): string {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const password = generateFromPattern(settings.passwordPattern, {
      id: options.id,
      now: options.now,
      random: options.random,
      length: settings.passwordLength,
      charset: settings.passwordCharset,
    });
    if (isAcceptablePassword(password, { login: options.login })) return password;
  }
  throw new Error('generatePassword: the password pattern and charset cannot satisfy the password policy');
}

/** `length` random digits; the first is never 0 unless allowLeadingZero. */
export function randomDigits(length: number, random: RandomSource, allowLeadingZero = true): string {
  if (length <= 0) return '';
  const first = allowLeadingZero ? DIGITS[random(10)] : DIGITS[1 + random(9)];
  return first + randomString(length - 1, DIGITS, random);
}

/** ASTPP account number: `prefix` + random digits, `length` digits in all, no leading zero. */
export function generateAccountNumber(settings: Pick<CredentialPatternSettings, 'accountNumberLength' | 'accountNumberPrefix'>, random: RandomSource): string {
  const prefix = settings.accountNumberPrefix ?? '';
  if (!/^\d*$/.test(prefix)) throw new Error('generateAccountNumber: the prefix must be digits');
  if (prefix.length >= settings.accountNumberLength) throw new Error('generateAccountNumber: the prefix must be shorter than the length');
  return prefix + randomDigits(settings.accountNumberLength - prefix.length, random, prefix.length > 0);
}

/** Calling-card PIN: `pinLength` random digits. */
export function generatePin(settings: Pick<CredentialPatternSettings, 'pinLength'>, random: RandomSource): string {
  return randomDigits(settings.pinLength, random, true);
}

/**
 * The rule for a given PIN (ASTPP pin_length): digits only, exactly the settings' `pinLength` of
 * them. Checked by the application layer before it seals the PIN (the domain only ever sees the
 * ciphertext). Returns the broken rules as field errors on `field`; [] when the PIN is acceptable.
 */
export function checkPin(pin: unknown, settings: Pick<CredentialPatternSettings, 'pinLength'>, field = 'voip.pin'): FieldError[] {
  if (typeof pin !== 'string') return [{ field, rule: 'type', message: `${field} must be a string of digits` }];
  if (!/^\d+$/.test(pin)) return [{ field, rule: 'format', message: `${field} must be digits only` }];
  if (pin.length !== settings.pinLength) return [{ field, rule: 'length', message: `${field} must be exactly ${settings.pinLength} digits (customer settings)` }];
  return [];
}

/** Throws ValidationFailed (on `field`) when the PIN breaks the rule of checkPin. */
export function assertPin(pin: unknown, settings: Pick<CredentialPatternSettings, 'pinLength'>, field = 'voip.pin'): asserts pin is string {
  const errors = checkPin(pin, settings, field);
  if (errors.length > 0) throw new ValidationFailed(errors);
}
