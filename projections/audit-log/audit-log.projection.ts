import { sql } from 'kysely';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { actorOf, occurredAt, reasonOfEvent } from '../../src/event-store/event-facts.js';
import { columnList, customerIdOf, recordset } from '../customer-common/customer-events.js';
import { describeAuditEvent } from './audit-summary.js';
import { ERASED, PERSONAL_DATA_ERASED_EVENT } from '../../src/customers/domain/index.js';

/**
 * The audit log across customers and admins: one row per event of every stream (customers, admins,
 * their sessions, roles, reference data, settings), keyed by the global position, with who did it,
 * from where, why, what and on which customer. A second table keeps each customer's current
 * partner, so a partner-limited auditor's reads and the partnerId filter are an indexed join
 * instead of a fold of every stream. Rows are inserted with `on conflict do nothing`: a replay is a
 * no-op.
 */
export type AuditLogTables = { log: string; customers: string };

const LOG_COLUMNS = {
  position: 'text',
  at: 'timestamptz',
  actor_id: 'text',
  actor: 'jsonb',
  ip: 'text',
  reason: 'text',
  stream_id: 'text',
  customer_id: 'integer',
  type: 'text',
  summary: 'text',
} as const;

const CUSTOMER_COLUMNS = { customer_id: 'integer', partner_id: 'integer' } as const;

/** The partner an event puts its customer in (creation, a move), else undefined. */
function partnerOf(event: RecordedEvent): number | undefined {
  const data = event.data as { partnerId?: unknown; changes?: { field: string; to: unknown }[] };
  if (event.type === 'CustomerCreated' && typeof data.partnerId === 'number') return data.partnerId;
  if (event.type === 'CustomerMainInfoChanged') {
    const moved = data.changes?.find((change) => change.field === 'partnerId');
    if (moved && typeof moved.to === 'number') return moved.to;
  }
  return undefined;
}

export const auditLogProjection = defineProjection<AuditLogTables>({
  name: 'audit_log',
  // 2: an erasure erases the reasons written before it (tables built before hold them plain).
  version: 2,
  tables: (version: number) => ({ log: versionedTable('audit_log', version), customers: versionedTable('audit_log_customers', version) }),

  async createTables(db, { log, customers }) {
    // Positions are fixed-width digit strings: "C" collation orders them as the store does.
    await sql`create table ${sql.table(log)} (
      position text collate "C" primary key,
      at timestamptz not null,
      actor_id text,
      actor jsonb,
      ip text,
      reason text,
      stream_id text not null,
      customer_id integer,
      type text not null,
      summary text not null
    )`.execute(db);
    await sql`create table ${sql.table(customers)} (customer_id integer primary key, partner_id integer)`.execute(db);
  },

  // Every filter of GET /audit/log walks one of these newest first (keyset on the position).
  async createIndexes(db, { log, customers }) {
    await sql`create index if not exists ${sql.raw(`${log}_actor`)} on ${sql.table(log)} (actor_id, position)`.execute(db);
    await sql`create index if not exists ${sql.raw(`${log}_type`)} on ${sql.table(log)} (type, position)`.execute(db);
    await sql`create index if not exists ${sql.raw(`${log}_customer`)} on ${sql.table(log)} (customer_id, position)`.execute(db);
    await sql`create index if not exists ${sql.raw(`${log}_at`)} on ${sql.table(log)} (at, position)`.execute(db);
    await sql`create index if not exists ${sql.raw(`${customers}_partner`)} on ${sql.table(customers)} (partner_id, customer_id)`.execute(db);
  },

  rebuildBatchSize: 5000,

  async apply(trx, events, { log, customers }) {
    const rows = [];
    const partners = new Map<number, number>();
    for (const event of events) {
      const customerId = customerIdOf(event);
      const actor = actorOf(event);
      rows.push({
        position: event.position,
        at: occurredAt(event),
        actor_id: actor?.id || null,
        actor,
        ip: typeof event.metadata?.ip === 'string' ? event.metadata.ip : null,
        reason: reasonOfEvent(event),
        stream_id: event.streamId,
        customer_id: customerId,
        type: event.type,
        summary: describeAuditEvent(event),
      });
      const partnerId = customerId === null ? undefined : partnerOf(event);
      if (customerId !== null && partnerId !== undefined) partners.set(customerId, partnerId);
    }
    if (rows.length) {
      await sql`insert into ${sql.table(log)} (${columnList(LOG_COLUMNS)})
        select ${columnList(LOG_COLUMNS)} from ${recordset(rows, LOG_COLUMNS)}
        on conflict (position) do nothing`.execute(trx);
    }
    // An erasure reaches the reasons written before it (free text that may name the person), as a
    // replay of the erased events reads them; the erasure's own reason stays (see customer.personal-data.ts).
    for (const event of events) {
      const customerId = customerIdOf(event);
      if (customerId === null || event.type !== PERSONAL_DATA_ERASED_EVENT) continue;
      await sql`update ${sql.table(log)} set reason = ${ERASED}
        where customer_id = ${customerId} and position < ${event.position} and reason is not null and reason <> ${ERASED}`.execute(trx);
    }
    if (partners.size) {
      const partnerRows = [...partners].map(([customer_id, partner_id]) => ({ customer_id, partner_id }));
      await sql`insert into ${sql.table(customers)} (${columnList(CUSTOMER_COLUMNS)})
        select ${columnList(CUSTOMER_COLUMNS)} from ${recordset(partnerRows, CUSTOMER_COLUMNS)}
        on conflict (customer_id) do update set partner_id = excluded.partner_id`.execute(trx);
    }
  },
});
