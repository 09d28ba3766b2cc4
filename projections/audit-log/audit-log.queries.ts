/**
 * The read side of the audit log (GET /audit/log): a filtered page, newest first, keyset on the
 * global position. Every filter is served by an index of the projection (actor, type, customer,
 * period; partner through the customer → partner table), never by reading streams.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { decodeCursor, encodeCursor } from '../../src/common/cursor.js';
import type { Actor } from '../../src/event-store/event-store.port.js';
import type { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { intArray } from '../customer-common/customer-events.js';
import { auditLogProjection } from './audit-log.projection.js';

export interface AuditLogEntry {
  /** Global position of the event (also what the cursor continues from). */
  position: string;
  at: string;
  actor: Actor | null;
  ip: string | null;
  reason: string | null;
  streamId: string;
  /** The customer the event is about; absent for admins' own actions and reference data. */
  customerId?: number;
  type: string;
  summary: string;
}

export interface AuditLogFilter {
  actorId?: string;
  types?: readonly string[];
  customerId?: number;
  /** Customers of these partners (their current partner). */
  partnerIds?: readonly number[];
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  /** The reader's partners (null: every partner). A restricted reader sees only rows of their partners' customers. */
  scope: readonly number[] | null;
}

interface AuditCursor {
  p: string;
}

const isCursor = (value: Record<string, unknown>): value is AuditCursor & Record<string, unknown> => typeof value.p === 'string' && /^[0-9:]{1,64}$/.test(value.p);

export async function readAuditLog(runtime: ProjectionRuntime, db: Kysely<any>, filter: AuditLogFilter): Promise<{ items: AuditLogEntry[]; nextCursor: string | null }> {
  const limit = filter.limit ?? 50;
  const cursor = filter.cursor ? decodeCursor<AuditCursor>(filter.cursor, isCursor) : undefined;
  return runtime.read(auditLogProjection, async ({ log, customers }) => {
    const conditions: RawBuilder<unknown>[] = [];
    if (cursor) conditions.push(sql`l.position < ${cursor.p}`);
    if (filter.actorId) conditions.push(sql`l.actor_id = ${filter.actorId}`);
    if (filter.types?.length) conditions.push(sql`l.type in (${sql.join(filter.types.map((type) => sql`${type}`))})`);
    if (filter.customerId !== undefined) conditions.push(sql`l.customer_id = ${filter.customerId}`);
    if (filter.from) conditions.push(sql`l.at >= ${new Date(filter.from).toISOString()}::timestamptz`);
    if (filter.to) conditions.push(sql`l.at < ${new Date(filter.to).toISOString()}::timestamptz`);
    const partnerSets = [filter.partnerIds, filter.scope].filter((set): set is readonly number[] => Array.isArray(set));
    for (const partners of partnerSets) {
      conditions.push(sql`l.customer_id in (select c.customer_id from ${sql.table(customers)} c where c.partner_id = any(${intArray(partners)}))`);
    }
    const where = conditions.length ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
    const { rows } = await sql<Record<string, unknown>>`
      select l.position, l.at, l.actor, l.ip, l.reason, l.stream_id, l.customer_id, l.type, l.summary
      from ${sql.table(log)} l ${where}
      order by l.position desc
      limit ${limit + 1}`.execute(db);
    const items = rows.slice(0, limit).map(
      (row): AuditLogEntry => ({
        position: String(row.position),
        at: row.at instanceof Date ? row.at.toISOString() : new Date(String(row.at)).toISOString(),
        actor: (row.actor as Actor | null) ?? null,
        ip: (row.ip as string | null) ?? null,
        reason: (row.reason as string | null) ?? null,
        streamId: String(row.stream_id),
        ...(row.customer_id === null || row.customer_id === undefined ? {} : { customerId: Number(row.customer_id) }),
        type: String(row.type),
        summary: String(row.summary),
      }),
    );
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ p: last.position } satisfies AuditCursor) : null };
  });
}
