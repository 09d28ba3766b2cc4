import { Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { Permission } from '../admins/domain/index.js';
import { problemType, statusTitle } from '../common/problem.js';
import { RULE_CODES, type Rule } from '../common/rule-codes.js';
import { AUTH_FAILURE_RULES, AuthenticationError, type AuthFailure } from './auth-errors.js';
import { bearerToken } from './auth.guard.js';
import { AuthService, type AuthenticatedActor } from './auth.service.js';
import { PartnerScope } from './partner-scope.js';

/** The parts of a Socket.IO handshake (`socket.handshake`) a token can come in. */
export interface SocketHandshakeLike {
  auth?: Record<string, unknown>;
  headers?: IncomingHttpHeaders;
}

/** Resolves a Socket.IO handshake to the admin behind it. */
export interface SocketAuthenticator {
  /** Throws SocketAuthenticationError. */
  authenticate(handshake: SocketHandshakeLike): Promise<AuthenticatedActor>;
}

/**
 * Refused handshake. Pass it to the Socket.IO middleware's `next(error)`: the client's
 * `connect_error` gets `error.message` and `error.data` ({status, type, title, detail, rule}), as an HTTP problem.
 */
export class SocketAuthenticationError extends Error {
  override readonly name = 'SocketAuthenticationError';
  readonly data: { status: number; type: string; title: string; detail: string; rule: Rule };

  constructor(failure: AuthFailure | 'forbidden', detail: string) {
    super(detail);
    const rule: Rule = failure === 'forbidden' ? 'auth.forbidden' : AUTH_FAILURE_RULES[failure];
    const status = RULE_CODES[rule].status;
    this.data = { status, type: problemType(rule), title: statusTitle(status), detail, rule };
  }
}

/**
 * The live gateway's authenticator: the handshake's `auth.token` (or an `Authorization: Bearer`
 * header) is an access token from POST /auth/login, checked exactly as the HTTP guard checks it
 * (signature, expiry, session not revoked, admin active), and resolved to the actor with its
 * current permissions and partners. Inject it by class: `constructor(private auth: JwtSocketAuthenticator)`.
 *
 * ```ts
 * server.of('/activity').use((socket, next) =>
 *   this.auth.authenticate(socket.handshake, 'customers.read')
 *     .then((actor) => { socket.data.actor = actor; socket.data.scope = PartnerScope.of(actor); next(); })
 *     .catch(next));
 * ```
 * Then filter every event with `socket.data.scope.allows(partnerIdOfTheCustomer)`, and call
 * `revalidate(actor)` on each `subscribe` so a logout, deactivation or role change takes effect.
 */
@Injectable()
export class JwtSocketAuthenticator implements SocketAuthenticator {
  constructor(private readonly auth: AuthService) {}

  /** Throws SocketAuthenticationError (401 `auth.*` rules, or `auth.forbidden` when `required` is missing). */
  async authenticate(handshake: SocketHandshakeLike, ...required: Permission[]): Promise<AuthenticatedActor> {
    const token = tokenOf(handshake);
    if (!token) throw new SocketAuthenticationError('missing_token', 'Authentication required: connect with auth: {token: <access token>}');
    return this.check(() => this.auth.authenticate(token), required);
  }

  /** The same actor, re-read now: throws when the session was revoked or the admin deactivated since. */
  async revalidate(actor: AuthenticatedActor, ...required: Permission[]): Promise<AuthenticatedActor> {
    return this.check(() => this.auth.resolveSession(actor.id, actor.sessionId), required);
  }

  scopeOf(actor: AuthenticatedActor): PartnerScope {
    return PartnerScope.of(actor);
  }

  private async check(resolve: () => Promise<AuthenticatedActor>, required: readonly Permission[]): Promise<AuthenticatedActor> {
    let actor: AuthenticatedActor;
    try {
      actor = await resolve();
    } catch (error) {
      if (error instanceof AuthenticationError) throw new SocketAuthenticationError(error.failure, error.message);
      throw error;
    }
    const missing = required.filter((permission) => !actor.permissions.includes(permission));
    if (missing.length) throw new SocketAuthenticationError('forbidden', `Your role does not grant ${missing.join(', ')}`);
    return actor;
  }
}

function tokenOf(handshake: SocketHandshakeLike): string | undefined {
  const fromAuth = handshake.auth?.token;
  if (typeof fromAuth === 'string' && fromAuth.length > 0) return fromAuth.replace(/^Bearer\s+/i, '');
  return bearerToken(handshake.headers?.authorization);
}
