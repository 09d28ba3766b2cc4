import type { Kysely } from 'kysely';
import { sql } from 'kysely';

interface ReservationRow {
  email: string;
  admin_id: string;
  reserved_at: Date;
}

/**
 * Admin emails are unique through a reservation row (primary key on the email) taken before the
 * admin's event is appended and released if the append fails. A reservation left behind by a crash
 * between the two is reclaimed once it is older than `staleAfterMs` and its admin does not hold it.
 */
export class EmailReservations {
  constructor(
    private readonly db: Kysely<any>,
    private readonly staleAfterMs = 60_000,
  ) {}

  /**
   * True when `adminId` now holds `email`. `holdsEmail(otherAdminId)` tells whether the current
   * holder's stream really has that email (false: an orphan from a crash, reclaimed when stale).
   */
  async reserve(email: string, adminId: string, holdsEmail: (holderId: string) => Promise<boolean>): Promise<boolean> {
    const inserted = await this.db
      .insertInto('admin_email_reservations')
      .values({ email, admin_id: adminId })
      .onConflict((conflict) => conflict.column('email').doNothing())
      .returning('email')
      .executeTakeFirst();
    if (inserted) return true;
    const current = await this.db.selectFrom('admin_email_reservations').selectAll().where('email', '=', email).executeTakeFirst() as ReservationRow | undefined;
    if (!current) return this.reserve(email, adminId, holdsEmail);
    if (current.admin_id === adminId) return true;
    const stale = Date.now() - new Date(current.reserved_at).getTime() > this.staleAfterMs;
    if (!stale || (await holdsEmail(current.admin_id))) return false;
    const taken = await this.db
      .updateTable('admin_email_reservations')
      .set({ admin_id: adminId, reserved_at: sql`now()` })
      .where('email', '=', email)
      .where('admin_id', '=', current.admin_id)
      .returning('email')
      .executeTakeFirst();
    return Boolean(taken);
  }

  async release(email: string, adminId: string): Promise<void> {
    await this.db.deleteFrom('admin_email_reservations').where('email', '=', email).where('admin_id', '=', adminId).execute();
  }

  async adminIdOf(email: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('admin_email_reservations').select('admin_id').where('email', '=', email).executeTakeFirst();
    return row?.admin_id as string | undefined;
  }

  /** Every admin id that holds (or held, before a crash) an email: the admin streams to load on start. */
  async adminIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('admin_email_reservations').select('admin_id').distinct().execute();
    return rows.map((row) => row.admin_id as string);
  }
}
