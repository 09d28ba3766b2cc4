import { fieldsProblem, type ProblemException } from './problem.js';

/**
 * Opaque keyset cursors: base64url of a small JSON object. Clients pass them back unchanged;
 * anything that does not decode (or belongs to another sort order) is a 422.
 */
export function encodeCursor(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T extends object>(cursor: string, check: (value: Record<string, unknown>) => value is T & Record<string, unknown>): T {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded) || !check(decoded as Record<string, unknown>)) {
    throw invalidCursor('cursor is not a cursor this endpoint returned');
  }
  return decoded as T;
}

export function invalidCursor(message: string): ProblemException {
  return fieldsProblem([{ field: 'cursor', rule: 'cursor', message }], message);
}
