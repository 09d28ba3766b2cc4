/**
 * Inputs no field may hold, refused at the door of every route (the unauthenticated ones too)
 * before any validation or decision runs:
 *
 * - JSON nested deeper than MAX_JSON_DEPTH: class-transformer and class-validator recurse over the
 *   body, so a 256 kB body of `[[[[…` overflowed their stack (a 500 after 100–250 ms of blocked
 *   event loop). `verifyJsonNesting` counts brackets in the raw bytes while the body parser reads
 *   them, before JSON.parse: 400 `request.nesting_too_deep`.
 * - NUL (U+0000) and lone surrogates (U+D800–U+DFFF not in a pair) in any string of the body (keys
 *   included), the query or the path: PostgreSQL text cannot store NUL and a lone surrogate is no
 *   character at all (it would be stored as U+FFFD, silently changed). 422 `request.invalid_text`
 *   naming each field.
 */
import type { NextFunction, Request, Response } from 'express';
import { ProblemException, type FieldError } from './problem.js';

/** Deeper than any body of the API (a customer with geo inside is 2 levels) by a wide margin. */
export const MAX_JSON_DEPTH = 32;
/** At most this many fields are named in one answer. */
const MAX_REPORTED = 20;

export const HOSTILE_INPUT_RULES = {
  nestingTooDeep: 'request.nesting_too_deep',
  invalidText: 'request.invalid_text',
} as const;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

function nestingTooDeep(): ProblemException {
  return ProblemException.rule(HOSTILE_INPUT_RULES.nestingTooDeep, `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`, { maxDepth: MAX_JSON_DEPTH });
}

/**
 * The deepest nesting of arrays and objects in JSON text, stopping as soon as it passes `limit`
 * (brackets inside strings do not count). One pass over the bytes: UTF-8 continuation bytes are
 * never ASCII, so quotes and brackets are recognised byte by byte.
 */
export function jsonDepthExceeds(bytes: Uint8Array, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  return false;
}

/** The body parser's `verify` hook: refuses too deep a body before it is parsed. */
export function verifyJsonNesting(_request: unknown, _response: unknown, body: Buffer): void {
  if (jsonDepthExceeds(body)) throw nestingTooDeep();
}

const NUL_OR_LONE_SURROGATE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True for text PostgreSQL can store as sent: no NUL, no lone surrogate. */
export function isStorableText(text: string): boolean {
  return !NUL_OR_LONE_SURROGATE.test(text);
}

function describeKey(key: string): string {
  // JSON.stringify escapes NUL and lone surrogates, so the field name in the answer is readable.
  return JSON.stringify(key).slice(1, -1);
}

function invalidText(field: string): FieldError {
  return { field, rule: HOSTILE_INPUT_RULES.invalidText, message: `${field} holds a NUL character or a lone surrogate (not text)` };
}

/**
 * The fields of a parsed JSON value that hold NUL or a lone surrogate (in a key or a string), named
 * as the validation errors name them (`contacts[0].name`). Also refuses nesting beyond the limit, in
 * case a body arrived without passing through the verify hook.
 */
export function invalidTextFields(value: unknown, path = '', depth = 0, found: FieldError[] = []): FieldError[] {
  if (found.length >= MAX_REPORTED) return found;
  if (typeof value === 'string') {
    if (!isStorableText(value)) found.push(invalidText(path || 'body'));
    return found;
  }
  if (value === null || typeof value !== 'object') return found;
  if (depth >= MAX_JSON_DEPTH) throw nestingTooDeep();
  if (Array.isArray(value)) {
    value.forEach((item, index) => invalidTextFields(item, `${path}[${index}]`, depth + 1, found));
    return found;
  }
  for (const [key, item] of Object.entries(value)) {
    const field = path ? `${path}.${describeKey(key)}` : describeKey(key);
    if (!isStorableText(key)) found.push(invalidText(field));
    else invalidTextFields(item, field, depth + 1, found);
  }
  return found;
}

function invalidPathSegments(rawPath: string): FieldError[] {
  for (const segment of rawPath.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return [{ field: 'path', rule: HOSTILE_INPUT_RULES.invalidText, message: 'The path is not valid percent-encoded UTF-8' }];
    }
    if (!isStorableText(decoded)) return [invalidText('path')];
  }
  return [];
}

/**
 * The query as sent (not as parsed: the parser turns invalid UTF-8 such as %ED%A0%80 into U+FFFD
 * without a word), parameter by parameter.
 */
function invalidQueryParameters(url: string): FieldError[] {
  const at = url.indexOf('?');
  if (at < 0) return [];
  const found: FieldError[] = [];
  for (const pair of url.slice(at + 1).split('&')) {
    if (found.length >= MAX_REPORTED) break;
    const [rawName, rawValue = ''] = pair.split('=', 2);
    const name = decodeComponent(rawName);
    const value = decodeComponent(rawValue);
    const field = name !== null && isStorableText(name) ? name : describeKey(name ?? rawName);
    if (name === null || value === null || !isStorableText(name) || !isStorableText(value)) found.push(invalidText(field));
  }
  return found;
}

function decodeComponent(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

function problemOf(errors: FieldError[]): ProblemException {
  return ProblemException.rule(HOSTILE_INPUT_RULES.invalidText, errors.map((error) => error.message).join('; '), { errors });
}

/** Express middleware after the body parser: 422 `request.invalid_text` for NUL / lone surrogates anywhere. */
export function rejectInvalidText(request: Request, _response: Response, next: NextFunction): void {
  try {
    const errors = [...invalidPathSegments(request.path), ...invalidQueryParameters(request.originalUrl ?? request.url), ...invalidTextFields(request.body ?? null)];
    next(errors.length ? problemOf(errors.slice(0, MAX_REPORTED)) : undefined);
  } catch (error) {
    next(error);
  }
}
