import { Logger } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { Actor } from '../event-store/event-store.port.js';
import { SYSTEM_ACTOR } from '../common/system-actor.js';

/** Who is on the other end of a socket. */
export type SocketActor = Actor & {
  /** The partners whose customers the admin may see; absent or empty: every partner (as PartnerScope). */
  partnerIds?: number[];
  permissions?: string[];
};

/** The parts of a Socket.IO handshake (`socket.handshake`) a token can come in. */
export interface SocketHandshake {
  auth?: Record<string, unknown>;
  headers?: IncomingHttpHeaders;
}

/** The permission a socket needs for live activity. */
export const LIVE_ACTIVITY_PERMISSION = 'customers.read';

/**
 * Verifies a Socket.IO handshake (`auth: {token}` or `Authorization: Bearer`). Bound under
 * SOCKET_AUTHENTICATOR: the auth module's JwtSocketAuthenticator when it is loaded (it has this
 * shape), else DevelopmentSocketAuthenticator. Tests override the token.
 */
export interface SocketAuthenticator {
  /**
   * The actor, or null to refuse. May also throw to refuse: an error with a `data` object reaches
   * the client's `connect_error` as it is (message and data).
   */
  authenticate(handshake: SocketHandshake, ...requiredPermissions: string[]): Promise<SocketActor | null>;
  /** The same actor re-checked now (logout, deactivation, role change); called on every subscribe. */
  revalidate?(actor: SocketActor, ...requiredPermissions: string[]): Promise<SocketActor | null>;
}

export const SOCKET_AUTHENTICATOR = Symbol('SocketAuthenticator');

/** The handshake's token: `auth.token` (a bare token or "Bearer …"), else an Authorization header. */
export function handshakeToken(handshake: SocketHandshake): string | null {
  const fromAuth = handshake.auth?.token;
  if (typeof fromAuth === 'string' && fromAuth.trim().length > 0) return fromAuth.trim().replace(/^Bearer\s+/i, '');
  const header = handshake.headers?.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : null;
}

/**
 * The stand-in when no auth module is loaded: any non-empty token is the system actor (every
 * customer). Refuses every token in production, so a deployment without auth fails closed.
 */
export class DevelopmentSocketAuthenticator implements SocketAuthenticator {
  private readonly logger = new Logger('ActivityGateway');
  private warned = false;

  constructor(private readonly production: boolean) {}

  async authenticate(handshake: SocketHandshake): Promise<SocketActor | null> {
    if (this.production || !handshakeToken(handshake)) return null;
    if (!this.warned) {
      this.warned = true;
      this.logger.warn('No auth module: /activity accepts any token as the system actor (development only)');
    }
    return { ...SYSTEM_ACTOR };
  }
}
