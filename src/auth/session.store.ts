import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { hashRefreshToken, TokenService } from './token.service.js';

export interface NewSession {
  sessionId: string;
  refreshToken: string;
  refreshExpiresAt: Date;
}

export type RotationResult =
  | { ok: true; sessionId: string; adminId: string; refreshToken: string; refreshExpiresAt: Date }
  | { ok: false; reason: 'unknown' | 'reused' | 'expired' | 'session_ended' };

/**
 * Login sessions and their refresh tokens. A refresh token is used once: refreshing marks it used
 * and issues the next one in the same session. Presenting a used token again means it was copied,
 * so the whole session is revoked (OAuth 2.0 Security BCP, refresh token rotation).
 */
@Injectable()
export class SessionStore {
  private readonly db: Kysely<any>;

  constructor(
    @Inject(DATABASE) database: Database,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'refreshTokenTtlSeconds' | 'sessionMaxAgeSeconds'>,
  ) {
    this.db = database.db;
  }

  async create(adminId: string, client: { ip?: string; userAgent?: string }): Promise<NewSession> {
    const sessionId = randomUUID();
    const now = Date.now();
    const sessionExpiresAt = new Date(now + this.config.sessionMaxAgeSeconds * 1000);
    const { token, hash } = this.tokens.newRefreshToken();
    const refreshExpiresAt = new Date(Math.min(sessionExpiresAt.getTime(), now + this.config.refreshTokenTtlSeconds * 1000));
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('auth_sessions')
        .values({ id: sessionId, admin_id: adminId, expires_at: sessionExpiresAt, ip: client.ip ?? null, user_agent: client.userAgent?.slice(0, 512) ?? null })
        .execute();
      await trx.insertInto('auth_refresh_tokens').values({ token_hash: hash, session_id: sessionId, expires_at: refreshExpiresAt }).execute();
    });
    return { sessionId, refreshToken: token, refreshExpiresAt };
  }

  async rotate(refreshToken: string): Promise<RotationResult> {
    const hash = hashRefreshToken(refreshToken);
    return this.db.transaction().execute(async (trx): Promise<RotationResult> => {
      const used = await trx
        .updateTable('auth_refresh_tokens')
        .set({ used_at: sql`now()` })
        .where('token_hash', '=', hash)
        .where('used_at', 'is', null)
        .returning(['session_id', 'expires_at'])
        .executeTakeFirst();
      if (!used) {
        const known = await trx.selectFrom('auth_refresh_tokens').select(['session_id']).where('token_hash', '=', hash).executeTakeFirst();
        if (!known) return { ok: false, reason: 'unknown' };
        await this.revokeIn(trx, known.session_id as string, 'refresh_token_reused');
        return { ok: false, reason: 'reused' };
      }
      if (new Date(used.expires_at as Date).getTime() <= Date.now()) return { ok: false, reason: 'expired' };
      const session = await trx
        .selectFrom('auth_sessions')
        .select(['admin_id', 'expires_at'])
        .where('id', '=', used.session_id)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .executeTakeFirst();
      if (!session) return { ok: false, reason: 'session_ended' };
      const next = this.tokens.newRefreshToken();
      const refreshExpiresAt = new Date(Math.min(new Date(session.expires_at as Date).getTime(), Date.now() + this.config.refreshTokenTtlSeconds * 1000));
      await trx.insertInto('auth_refresh_tokens').values({ token_hash: next.hash, session_id: used.session_id, expires_at: refreshExpiresAt }).execute();
      await trx.updateTable('auth_sessions').set({ last_used_at: sql`now()` }).where('id', '=', used.session_id).execute();
      return { ok: true, sessionId: used.session_id as string, adminId: session.admin_id as string, refreshToken: next.token, refreshExpiresAt };
    });
  }

  /** The session a refresh token belongs to, if that token is still usable (for logout by refresh token). */
  async sessionOfRefreshToken(refreshToken: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('auth_refresh_tokens')
      .select('session_id')
      .where('token_hash', '=', hashRefreshToken(refreshToken))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return row?.session_id as string | undefined;
  }

  /** Whether the session is live: not revoked, not past its maximum age, and the admin's. */
  async isActive(sessionId: string, adminId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('auth_sessions')
      .select('id')
      .where('id', '=', sessionId)
      .where('admin_id', '=', adminId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    return Boolean(row);
  }

  async revoke(sessionId: string, reason: string): Promise<void> {
    await this.revokeIn(this.db, sessionId, reason);
  }

  /** Ends every session of an admin (deactivation, password change), optionally but one. */
  async revokeAllForAdmin(adminId: string, reason: string, exceptSessionId?: string): Promise<number> {
    let query = this.db
      .updateTable('auth_sessions')
      .set({ revoked_at: sql`now()`, revoked_reason: reason })
      .where('admin_id', '=', adminId)
      .where('revoked_at', 'is', null);
    if (exceptSessionId) query = query.where('id', '!=', exceptSessionId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  private async revokeIn(db: Kysely<any>, sessionId: string, reason: string): Promise<void> {
    await db.updateTable('auth_sessions').set({ revoked_at: sql`now()`, revoked_reason: reason }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
  }
}
