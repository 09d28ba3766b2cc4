import { ProblemException } from '../common/problem.js';
import type { Rule } from '../common/rule-codes.js';

/** Why a credential was refused. Every one of them answers 401; the codes only shape the detail. */
export type AuthFailure =
  | 'missing_token'
  | 'invalid_token'
  | 'token_expired'
  | 'session_revoked'
  | 'admin_inactive'
  | 'invalid_credentials'
  | 'invalid_refresh_token'
  | 'invalid_stream_ticket';

const DETAILS: Record<AuthFailure, string> = {
  missing_token: 'Authentication required: send Authorization: Bearer <access token>',
  invalid_token: 'The access token is invalid',
  token_expired: 'The access token has expired; refresh it or log in again',
  session_revoked: 'The session has ended; log in again',
  admin_inactive: 'The session has ended; log in again',
  invalid_credentials: 'Invalid email or password',
  invalid_refresh_token: 'The refresh token is invalid, expired or already used; log in again',
  invalid_stream_ticket: 'The stream ticket is unknown, expired or already used; ask POST /api/v1/feed/tickets for a new one',
};

/** The rule code of each failure (a deactivated admin's session simply ended). */
export const AUTH_FAILURE_RULES = {
  missing_token: 'auth.missing_token',
  invalid_token: 'auth.invalid_token',
  token_expired: 'auth.token_expired',
  session_revoked: 'auth.session_revoked',
  admin_inactive: 'auth.session_revoked',
  invalid_credentials: 'auth.invalid_credentials',
  invalid_refresh_token: 'auth.invalid_refresh_token',
  invalid_stream_ticket: 'auth.invalid_stream_ticket',
} as const satisfies Record<AuthFailure, Rule>;

/** Thrown by the auth services; never carries the credential itself. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';

  constructor(readonly failure: AuthFailure) {
    super(DETAILS[failure]);
  }

  get rule(): Rule {
    return AUTH_FAILURE_RULES[this.failure];
  }

  toProblem(): ProblemException {
    return ProblemException.rule(this.rule, DETAILS[this.failure]);
  }
}

export function forbidden(detail: string, extra: Record<string, unknown> = {}): ProblemException {
  return ProblemException.rule('auth.forbidden', detail, extra);
}

export function tooManyAttempts(retryAfterSeconds: number): ProblemException {
  return ProblemException.rule('auth.too_many_login_attempts', `Too many failed login attempts; try again in ${retryAfterSeconds} s`, { retryAfter: retryAfterSeconds });
}
