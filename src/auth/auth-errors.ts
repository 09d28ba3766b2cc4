import { ProblemException } from '../common/problem.js';

/** Why a credential was refused. Every one of them answers 401; the codes only shape the detail. */
export type AuthFailure =
  | 'missing_token'
  | 'invalid_token'
  | 'token_expired'
  | 'session_revoked'
  | 'admin_inactive'
  | 'invalid_credentials'
  | 'invalid_refresh_token';

const DETAILS: Record<AuthFailure, string> = {
  missing_token: 'Authentication required: send Authorization: Bearer <access token>',
  invalid_token: 'The access token is invalid',
  token_expired: 'The access token has expired; refresh it or log in again',
  session_revoked: 'The session has ended; log in again',
  admin_inactive: 'The session has ended; log in again',
  invalid_credentials: 'Invalid email or password',
  invalid_refresh_token: 'The refresh token is invalid, expired or already used; log in again',
};

/** Problem type suffixes (https://chronicle.dev/problems/<rule>). */
const RULES: Record<AuthFailure, string> = {
  missing_token: 'unauthenticated',
  invalid_token: 'invalid-token',
  token_expired: 'token-expired',
  session_revoked: 'session-revoked',
  admin_inactive: 'session-revoked',
  invalid_credentials: 'invalid-credentials',
  invalid_refresh_token: 'invalid-refresh-token',
};

/** Thrown by the auth services; never carries the credential itself. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';

  constructor(readonly failure: AuthFailure) {
    super(DETAILS[failure]);
  }

  toProblem(): ProblemException {
    return ProblemException.of(401, DETAILS[this.failure], { rule: RULES[this.failure] });
  }
}

export function forbidden(detail: string, extra: Record<string, unknown> = {}): ProblemException {
  return ProblemException.of(403, detail, { rule: 'forbidden', ...extra });
}

export function tooManyAttempts(retryAfterSeconds: number): ProblemException {
  return ProblemException.of(429, `Too many failed login attempts; try again in ${retryAfterSeconds} s`, { rule: 'too-many-login-attempts', retryAfter: retryAfterSeconds });
}
