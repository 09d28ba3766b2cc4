import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';

/** How long a stream ticket may wait to be used: long enough to open an EventSource, short enough to be useless later. */
export const STREAM_TICKET_TTL_SECONDS = 30;

export interface IssuedStreamTicket {
  ticket: string;
  expiresAt: string;
}

/**
 * Single-use tickets for Server-Sent Events: a browser's EventSource cannot send an Authorization
 * header, so it puts a ticket in the URL instead (`?ticket=`). A ticket stands for the session that
 * asked for it (re-checked, with the admin's current permissions and partners, when it is used), is
 * stored as its SHA-256 only, and is deleted by its first use, so a URL that reaches a log or a
 * browser history cannot be replayed. In the database, so any app instance accepts it.
 */
@Injectable()
export class StreamTicketStore {
  private readonly db: Kysely<any>;

  constructor(@Inject(DATABASE) database: Database) {
    this.db = database.db;
  }

  async issue(adminId: string, sessionId: string): Promise<IssuedStreamTicket> {
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + STREAM_TICKET_TTL_SECONDS * 1000);
    // Expired tickets of anyone go with each new one: the table stays as small as the tickets in flight.
    await this.db.deleteFrom('auth_stream_tickets').where('expires_at', '<=', sql<Date>`now()`).execute();
    await this.db.insertInto('auth_stream_tickets').values({ ticket_hash: hashTicket(ticket), admin_id: adminId, session_id: sessionId, expires_at: expiresAt }).execute();
    return { ticket, expiresAt: expiresAt.toISOString() };
  }

  /** The session a ticket stands for, once: the DELETE makes a second use (even a concurrent one) find nothing. */
  async consume(ticket: string): Promise<{ adminId: string; sessionId: string } | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined;
    const row = await this.db
      .deleteFrom('auth_stream_tickets')
      .where('ticket_hash', '=', hashTicket(ticket))
      .returning(['admin_id', 'session_id', 'expires_at'])
      .executeTakeFirst();
    if (!row || new Date(row.expires_at).getTime() <= Date.now()) return undefined;
    return { adminId: row.admin_id, sessionId: row.session_id };
  }
}

function hashTicket(ticket: string): string {
  return createHash('sha256').update(ticket).digest('base64url');
}
