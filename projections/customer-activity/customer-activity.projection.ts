import { sql, type Transaction } from 'kysely';
import { PERSONAL_DATA_ERASED_EVENT, type Change } from '../../src/customers/domain/index.js';
import type { ActivityEntry } from './customer-activity.queries.js';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import { CUSTOMER_PROJECTION_EVENT_TYPES, columnList, customerIdOf, occurredAt, recordset } from '../customer-common/customer-events.js';
import { describeEvent, erasedEntry } from './activity-summary.js';

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

/**
 * The customer's entries before its erasure, written again as the erased events describe them
 * (erasedEntry): the timeline keeps what happened and who did it, no personal value (a rebuild,
 * replaying the erased events, writes entries alike).
 */
async function eraseTimeline(trx: Transaction<any>, activity: string, customerId: number, beforeRevision: number): Promise<void> {
  const { rows } = await sql<{ revision: number; type: string; summary: string; changes: Change[]; actor: ActivityEntry['actor']; reason: string | null }>`
    select revision, type, summary, changes, actor, reason from ${sql.table(activity)} where customer_id = ${customerId} and revision < ${beforeRevision}`.execute(trx);
  const updates = rows
    .map((row) => ({ revision: row.revision, before: row, after: erasedEntry(row) }))
    .filter(({ before, after }) => before.summary !== after.summary || before.reason !== after.reason || JSON.stringify(before.changes) !== JSON.stringify(after.changes))
    .map(({ revision, after }) => ({ revision, summary: after.summary, changes: after.changes, reason: after.reason }));
  if (updates.length === 0) return;
  await sql`update ${sql.table(activity)} as a set summary = x.summary, changes = x.changes, reason = x.reason
    from ${recordset(updates, { revision: 'integer', summary: 'text', changes: 'jsonb', reason: 'text' })}
    where a.customer_id = ${customerId} and a.revision = x.revision`.execute(trx);
}

export const customerActivityProjection = defineProjection<CustomerActivityTables>({
  name: 'customer_activity',
  // 2: money in summaries is exact ("Payment of 0.001", no longer "0.00"), so existing timelines rebuild.
  // 3: every entry carries the write's reason (metadata.reason) and, for a revert, the revision it undid.
  // 4: an erasure erases the reasons of the entries before it (column and summary).
  version: 4,
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
    const erasedAt = new Map<number, number>();
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
    for (const row of rows) if (row.type === PERSONAL_DATA_ERASED_EVENT) erasedAt.set(row.customer_id, row.revision);
    for (const [customerId, revision] of erasedAt) await eraseTimeline(trx, activity, customerId, revision);
  },
});
