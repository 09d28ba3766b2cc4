import { REDACTED } from '../domain-kernel/decider.js';

/**
 * The one redaction of secrets on every read path (GET /customers/{id}/events, the audit export,
 * the feed's JSON pages and SSE, time travel): a key is secret when it is the portal password or
 * the VoIP PIN in any form: `pin`, `password`, `passwordHash` (plain values of old events) or any
 * `…Ciphertext` (a sealed value, e.g. `passwordCiphertext`, `voip.pinCiphertext`). Sealed values
 * leave the store only through the audited reveals. Values under `additionalFields` are
 * admin-defined names and are left alone.
 */
const SECRET_KEY = /^(pin|password|passwordHash|[a-zA-Z]*Ciphertext)$/;
const FREE_FORM_KEYS = new Set(['additionalFields']);

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Keys under which nested values are never secret keys (admin-defined field names). */
export function isFreeFormKey(key: string): boolean {
  return FREE_FORM_KEYS.has(key);
}

/**
 * A copy of `value` with every secret key, at any depth, redacted: its value replaced by
 * REDACTED ("[redacted]", the default: the auditor sees that a secret was set), or, with
 * `drop: true`, the key left out (the feed, whose published JSON Schemas omit them).
 */
export function redactSecrets<T>(value: T, options: { drop?: boolean } = {}): T {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, options)) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (isSecretKey(key)) {
      if (!options.drop) copy[key] = REDACTED;
      continue;
    }
    copy[key] = isFreeFormKey(key) ? item : redactSecrets(item, options);
  }
  return copy as T;
}
