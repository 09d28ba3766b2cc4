/**
 * The read side of the activity timeline: the one ActivityEntry type (GET /customers/{id}/activity
 * items, and with the customer id the live `activity` payload), the describer a live entry is built
 * with (so it equals the stored row), and the timeline query over this projection's table.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { decodeCursor, encodeCursor } from '../../src/common/cursor.js';
import { isRevertible } from '../../src/customers/domain/index.js';
import type { Actor } from '../../src/event-store/event-store.port.js';
import type { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { customerActivityProjection } from './customer-activity.projection.js';

export { describeEvent } from './activity-summary.js';

export interface ActivityChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** One timeline entry: what happened to a customer, when, by whom, in plain English. */
export interface ActivityEntry {
  /** Global position: what a client passes back as `after` (or `minPosition`) to resume. */
  position: string;
  /** Revision of the event in the customer's stream. */
  revision: number;
  type: string;
  /** When it happened (ISO-8601, UTC). */
  at: string;
  actor: Actor | null;
  summary: string;
  changes: ActivityChange[];
  /** Why, as the write said (`reason` of its body); null when it gave none. */
  reason: string | null;
  /** Set on the events of a revert: the revision whose change they undid. */
  revertedRevision?: number;
  /**
   * Whether POST /customers/{id}/revert could ever accept this revision (false for creation,
   * money, reveals, secrets). Computed when read from the type and changes, by the rule the
   * revert decider applies; the customer's state may still refuse (already reverted, superseded).
   */
  revertible: boolean;
}

export interface ActivityFilter {
  types?: string[];
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

interface ActivityCursor {
  r: number;
}

/** A customer's timeline, newest first, a page at a time (keyset on the stream revision). */
export async function readActivity(
  runtime: ProjectionRuntime,
  db: Kysely<any>,
  customerId: number,
  filter: ActivityFilter,
): Promise<{ items: ActivityEntry[]; nextCursor: string | null }> {
  const limit = filter.limit ?? 50;
  const cursor = filter.cursor
    ? decodeCursor<ActivityCursor>(filter.cursor, (value): value is ActivityCursor & Record<string, unknown> => Number.isSafeInteger(value.r))
    : undefined;
  return runtime.read(customerActivityProjection, async ({ activity }) => {
    const conditions: RawBuilder<unknown>[] = [sql`customer_id = ${customerId}`];
    if (cursor) conditions.push(sql`revision < ${cursor.r}`);
    if (filter.types?.length) conditions.push(sql`type in (${sql.join(filter.types.map((type) => sql`${type}`))})`);
    if (filter.from) conditions.push(sql`at >= ${new Date(filter.from).toISOString()}::timestamptz`);
    if (filter.to) conditions.push(sql`at < ${new Date(filter.to).toISOString()}::timestamptz`);
    const { rows } = await sql<Record<string, unknown>>`
      select customer_id, revision, position, type, at, actor, summary, changes, reason, reverted_revision from ${sql.table(activity)}
      where ${sql.join(conditions, sql` and `)}
      order by revision desc
      limit ${limit + 1}`.execute(db);
    const page = rows.slice(0, limit).map(
      (row): ActivityEntry => ({
        position: row.position as string,
        revision: Number(row.revision),
        type: row.type as string,
        at: row.at instanceof Date ? row.at.toISOString() : new Date(String(row.at)).toISOString(),
        actor: (row.actor as Actor | null) ?? null,
        summary: row.summary as string,
        changes: row.changes as ActivityEntry['changes'],
        reason: (row.reason as string | null) ?? null,
        ...(row.reverted_revision === null || row.reverted_revision === undefined ? {} : { revertedRevision: Number(row.reverted_revision) }),
        revertible: isRevertible(row.type as string, row.changes as ActivityEntry['changes']),
      }),
    );
    const last = page[page.length - 1];
    return { items: page, nextCursor: rows.length > limit && last ? encodeCursor({ r: last.revision } satisfies ActivityCursor) : null };
  });
}
