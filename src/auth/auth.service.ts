import { Injectable } from '@nestjs/common';
import { AdminDirectory } from '../admins/application/admin-directory.js';
import { PasswordHasher } from '../admins/application/password-hasher.js';
import { PasswordRehash } from '../admins/application/password-rehash.js';
import { normaliseEmail, type AdminState, type Permission } from '../admins/domain/index.js';
import type { RequestActor } from '../common/request-context.js';
import { AuthenticationError } from './auth-errors.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { SessionStore } from './session.store.js';
import { TokenService } from './token.service.js';

/** The admin behind a valid access token, as put on `req.actor` and handed to socket handlers. */
export interface AuthenticatedActor extends RequestActor {
  email: string;
  /** Partners the admin may see; empty = every partner (see PartnerScope). */
  partnerIds: number[];
  permissions: Permission[];
  sessionId: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** When the refresh token expires (it rotates on every refresh). */
  refreshExpiresAt: string;
}

export interface ClientInfo {
  ip?: string;
  userAgent?: string;
}

export type LoginOutcome = { ok: true; tokens: TokenPair; actor: AuthenticatedActor } | { ok: false; retryAfterSeconds: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Login, refresh, logout and access-token resolution. Nothing here logs or returns a credential. */
@Injectable()
export class AuthService {
  constructor(
    private readonly directory: AdminDirectory,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly sessions: SessionStore,
    private readonly limiter: LoginRateLimiter,
    private readonly rehash: PasswordRehash,
  ) {}

  /** Throws AuthenticationError('invalid_credentials'); `ok: false` when rate-limited. */
  async login(email: string, password: string, client: ClientInfo): Promise<LoginOutcome> {
    const account = normaliseEmail(email);
    // The attempt is reserved (counted) before the hash is computed: parallel guesses cannot pass together.
    const verdict = await this.limiter.reserve(account, client.ip);
    if (!verdict.allowed) return { ok: false, retryAfterSeconds: verdict.retryAfterSeconds };
    const admin = (await this.directory.findByEmail(account))?.state;
    const passwordMatches = await this.hasher.verify(password, admin?.passwordHash);
    if (!admin || !passwordMatches || !admin.active) throw new AuthenticationError('invalid_credentials');
    await this.limiter.succeeded(verdict.reservation);
    // An older hash (bcrypt) is replaced by argon2id now that the password is known to be right.
    await this.rehash.afterLogin(admin, password);
    const session = await this.sessions.create(admin.id, client);
    return {
      ok: true,
      tokens: this.tokenPair(admin.id, session.sessionId, session.refreshToken, session.refreshExpiresAt),
      actor: this.actorOf(admin, session.sessionId),
    };
  }

  /** Rotates the refresh token. Throws AuthenticationError('invalid_refresh_token'). */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const rotated = await this.sessions.rotate(refreshToken);
    if (!rotated.ok) throw new AuthenticationError('invalid_refresh_token');
    const admin = (await this.directory.resolve(rotated.adminId))?.state;
    if (!admin?.active) {
      await this.sessions.revoke(rotated.sessionId, 'admin_inactive');
      throw new AuthenticationError('invalid_refresh_token');
    }
    return this.tokenPair(admin.id, rotated.sessionId, rotated.refreshToken, rotated.refreshExpiresAt);
  }

  async logout(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId, 'logout');
  }

  /** Logout with a refresh token (when the access token has expired). False when it is not usable. */
  async logoutWithRefreshToken(refreshToken: string): Promise<boolean> {
    const sessionId = await this.sessions.sessionOfRefreshToken(refreshToken);
    if (!sessionId) return false;
    await this.sessions.revoke(sessionId, 'logout');
    return true;
  }

  /**
   * The actor behind an access token: signature and expiry, then the session (not revoked), then
   * the admin (still active; role, permissions and partners as they are now, not as at login).
   */
  async authenticate(accessToken: string): Promise<AuthenticatedActor> {
    const claims = this.tokens.verifyAccessToken(accessToken);
    return this.resolveSession(claims.adminId, claims.sessionId);
  }

  /** The actor of a session, re-read now (for long-lived sockets): throws when it has ended. */
  async resolveSession(adminId: string, sessionId: string): Promise<AuthenticatedActor> {
    if (!UUID.test(sessionId)) throw new AuthenticationError('invalid_token');
    if (!(await this.sessions.isActive(sessionId, adminId))) throw new AuthenticationError('session_revoked');
    const admin = (await this.directory.resolve(adminId))?.state;
    if (!admin?.active) throw new AuthenticationError('admin_inactive');
    return this.actorOf(admin, sessionId);
  }

  /** Signs an access token for an existing session (tests use `expiresAt` in the past). */
  signAccessToken(adminId: string, sessionId: string, options: { expiresAt?: Date } = {}): string {
    return this.tokens.signAccessToken({ adminId, sessionId }, options);
  }

  actorOf(admin: AdminState, sessionId: string): AuthenticatedActor {
    return {
      id: admin.id,
      name: admin.name,
      role: admin.role,
      email: admin.email,
      partnerIds: [...admin.partnerIds],
      permissions: this.directory.permissionsOf(admin),
      sessionId,
    };
  }

  private tokenPair(adminId: string, sessionId: string, refreshToken: string, refreshExpiresAt: Date): TokenPair {
    return {
      accessToken: this.tokens.signAccessToken({ adminId, sessionId }),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.accessTokenTtlSeconds,
      refreshExpiresAt: refreshExpiresAt.toISOString(),
    };
  }
}
