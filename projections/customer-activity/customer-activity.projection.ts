import { sql } from 'kysely';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import { CUSTOMER_PROJECTION_EVENT_TYPES, columnList, customerIdOf, occurredAt, recordset } from '../customer-common/customer-events.js';
import { describeEvent } from './activity-summary.js';

/**
 * The activity timeline: one row per customer event, keyed by (customer, stream revision), with
 * the time it happened, who did it, a plain-English summary and the changes (secrets redacted).
 * Written with one multi-row insert per batch; `on conflict do nothing` makes a replay a no-op.
 */
export type CustomerActivityTables = { activity: string };

const COLUMNS = {
  customer_id: 'integer',
  revision: 'integer',
  position: 'text',
  type: 'text',
  at: 'timestamptz',
  actor: 'jsonb',
  summary: 'text',
  changes: 'jsonb',
  reason: 'text',
  reverted_revision: 'integer',
} as const;

export const customerActivityProjection = defineProjection<CustomerActivityTables>({
  name: 'customer_activity',
  // 2: money in summaries is exact ("Payment of 0.001", no longer "0.00"), so existing timelines rebuild.
  // 3: every entry carries the write's reason (metadata.reason) and, for a revert, the revision it undid.
  version: 3,
  handles: CUSTOMER_PROJECTION_EVENT_TYPES,
  tables: (version: number) => ({ activity: versionedTable('customer_activity', version) }),

  async createTables(db, { activity }) {
    await sql`create table ${sql.table(activity)} (
      customer_id integer not null,
      revision integer not null,
      position text not null,
      type text not null,
      at timestamptz not null,
      actor jsonb,
      summary text not null,
      changes jsonb not null,
      reason text,
      reverted_revision integer,
      primary key (customer_id, revision)
    )`.execute(db);
  },

  // Built after the rows by a rebuild (see Projection.createIndexes).
  async createIndexes(db, { activity }) {
    await sql`create index if not exists ${sql.raw(`${activity}_type`)} on ${sql.table(activity)} (customer_id, type, revision)`.execute(db);
    await sql`create index if not exists ${sql.raw(`${activity}_at`)} on ${sql.table(activity)} (customer_id, at)`.execute(db);
  },

  // Plain inserts of one row per event: bigger rebuild transactions cost no more per row.
  rebuildBatchSize: 5000,

  async apply(trx, events, { activity }) {
    const rows = [];
    for (const event of events) {
      const customerId = customerIdOf(event);
      if (customerId === null) continue;
      const entry = describeEvent(event);
      rows.push({
        customer_id: customerId,
        revision: event.revision,
        position: event.position,
        type: event.type,
        at: occurredAt(event),
        actor: entry.actor,
        summary: entry.summary,
        changes: entry.changes,
        reason: entry.reason,
        reverted_revision: entry.revertedRevision ?? null,
      });
    }
    if (rows.length === 0) return;
    await sql`insert into ${sql.table(activity)} (${columnList(COLUMNS)})
      select ${columnList(COLUMNS)} from ${recordset(rows, COLUMNS)}
      on conflict (customer_id, revision) do nothing`.execute(trx);
  },
});
