import { sql } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { chainOf } from '../../src/audit/hash-chain.js';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import { columnList, recordset } from '../customer-common/customer-events.js';

/**
 * The chain head of every stream as the events say: its last revision, the chain hash of its last
 * event (null when that event carries no link: history older than the chain) and the position of
 * that event. What an anchor (src/audit/anchors) records, read incrementally: only the heads whose
 * `position` lies after the last anchor's. The anchors' own stream is left out (an anchor would
 * otherwise always find a changed head: its own).
 */
export const ANCHOR_STREAM = 'audit-anchors';

export type ChainHeadsTables = { heads: string };

const HEAD_COLUMNS = { stream_id: 'text', revision: 'bigint', head_hash: 'text', position: 'text' } as const;

export const chainHeadsProjection = defineProjection<ChainHeadsTables>({
  name: 'chain_heads',
  version: 1,
  tables: (version: number) => ({ heads: versionedTable('chain_heads', version) }),

  async createTables(db, { heads }) {
    await sql`create table ${sql.table(heads)} (
      stream_id text primary key,
      revision bigint not null,
      head_hash text,
      position text not null
    )`.execute(db);
  },

  async createIndexes(db, { heads }) {
    await sql`create index if not exists ${sql.raw(`${heads}_position`)} on ${sql.table(heads)} (position)`.execute(db);
  },

  /** One multi-row upsert per batch; a head only moves forward (guarded by the revision). */
  async apply(trx, events, { heads }) {
    const rows = lastPerStream(events);
    if (rows.length === 0) return;
    await sql`insert into ${sql.table(heads)} (${columnList(HEAD_COLUMNS)})
      select ${columnList(HEAD_COLUMNS)} from ${recordset(rows, HEAD_COLUMNS)}
      on conflict (stream_id) do update set revision = excluded.revision, head_hash = excluded.head_hash, position = excluded.position
      where ${sql.ref(`${heads}.revision`)} < excluded.revision`.execute(trx);
  },

  async applyStreams(trx, streams, tables) {
    await chainHeadsProjection.apply(trx, streams.flat(), tables);
  },
});

function lastPerStream(events: readonly RecordedEvent[]): Array<{ stream_id: string; revision: number; head_hash: string | null; position: string }> {
  const last = new Map<string, RecordedEvent>();
  for (const event of events) {
    if (event.streamId === ANCHOR_STREAM) continue;
    const seen = last.get(event.streamId);
    if (!seen || event.revision > seen.revision) last.set(event.streamId, event);
  }
  return [...last.values()].map((event) => ({
    stream_id: event.streamId,
    revision: event.revision,
    head_hash: chainOf(event.metadata as Record<string, unknown>)?.hash ?? null,
    position: event.position,
  }));
}
