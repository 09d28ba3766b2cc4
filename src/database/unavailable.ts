/**
 * Is this error the database being unreachable (retry later) rather than a bug? Decides between
 * 503 + Retry-After and 500 in the HTTP error mapper, and names the cause in /health.
 * Looks through `cause` chains and AggregateErrors (a connect to a name with two addresses).
 */

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection broken',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNABORTED: 'connection aborted',
};

/** SQLSTATEs of a server that is going away, starting, or full (classes 08, 57P0x, 53300). */
const SQLSTATES: Readonly<Record<string, string>> = {
  '57P01': 'the server is shutting down',
  '57P02': 'the server crashed',
  '57P03': 'the server is starting up',
  '53300': 'too many connections',
};

/** Messages pg gives a lost or never-made connection (they carry no code). */
const MESSAGES: ReadonlyArray<[RegExp, string]> = [
  [/connection terminated/i, 'connection terminated'],
  [/timeout exceeded when trying to connect/i, 'connection timed out'],
  [/not queryable/i, 'connection lost'],
  [/the database system is (starting up|shutting down|in recovery mode)/i, 'the server is $1'],
];

/** A short reason ("connection refused (ECONNREFUSED)") when `error` means the database is unavailable, else null. */
export function databaseUnavailableReason(error: unknown): string | null {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 10) {
    const current = queue.shift() as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | null | undefined;
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const code = typeof current.code === 'string' ? current.code : undefined;
    if (code && NETWORK_CODES[code]) return `${NETWORK_CODES[code]} (${code})`;
    if (code && SQLSTATES[code]) return `${SQLSTATES[code]} (SQLSTATE ${code})`;
    if (code && /^08[0-9A-Z]{3}$/.test(code)) return `connection failure (SQLSTATE ${code})`;
    if (typeof current.message === 'string') {
      for (const [pattern, reason] of MESSAGES) {
        const match = current.message.match(pattern);
        if (match) return reason.replace('$1', match[1] ?? '');
      }
    }
    if (current.cause) queue.push(current.cause);
    if (Array.isArray(current.errors)) queue.push(...current.errors);
  }
  return null;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return databaseUnavailableReason(error) !== null;
}

/** For health and logs: the unavailability reason, else the error's own message. */
export function describeDatabaseError(error: unknown): string {
  return databaseUnavailableReason(error) ?? (error instanceof Error ? error.message : String(error));
}

/** Seconds a client should wait before retrying while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;
