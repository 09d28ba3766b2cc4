import { Inject, Injectable } from '@nestjs/common';
import { hashOpaqueToken } from '../crypto/opaque-token.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';

/** A "login as customer" session: what an impersonation token (POST /customers/{id}/impersonate) opens. */
export interface PortalSession {
  customerId: number;
  expiresAt: Date;
  /** The admin who opened it (the act itself is the CustomerImpersonated event). */
  openedBy: string | null;
}

/** Portal tokens are kept only as their SHA-256 (customer_portal_tokens); a token outlives nothing but its expiry. */
@Injectable()
export class PortalSessions {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async resolve(token: string, now = new Date()): Promise<PortalSession | null> {
    const row = await this.database.db
      .selectFrom('customer_portal_tokens')
      .select(['customer_id', 'expires_at', 'created_by'])
      .where('token_hash', '=', hashOpaqueToken(token))
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row ? { customerId: Number(row.customer_id), expiresAt: new Date(row.expires_at), openedBy: row.created_by ?? null } : null;
  }

  /** Ends the session of this token (and, in passing, forgets every expired one). True when it was open. */
  async end(token: string, now = new Date()): Promise<boolean> {
    await this.database.db.deleteFrom('customer_portal_tokens').where('expires_at', '<=', now).execute();
    const deleted = await this.database.db.deleteFrom('customer_portal_tokens').where('token_hash', '=', hashOpaqueToken(token)).executeTakeFirst();
    return Number(deleted.numDeletedRows) > 0;
  }
}
