import { createHash } from 'node:crypto';

/**
 * How an opaque bearer token (refresh token, portal token) is kept: only its SHA-256, in hex. The
 * issuer stores it and the checker looks it up, so both must hash alike: this one function does.
 */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
