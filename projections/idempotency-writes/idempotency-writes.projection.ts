import { sql } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { IDEMPOTENCY_KEY_METADATA } from '../../src/common/request-context.js';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';
import { columnList, recordset } from '../customer-common/customer-events.js';

/**
 * Every event written by a request that carried `Idempotency-Key`, by admin and key (the metadata's
 * `actor.id` and `idempotencyKey`). What a retry looks up when it finds the key's claim abandoned
 * (its process died between the event store's commit and recording the answer): if the first
 * attempt committed, its events are here and the retry must not write again (src/idempotency).
 * Built from the events alone, so it holds on every event store, EventStoreDB included.
 */
export type IdempotencyWritesTables = { writes: string };


const WRITE_COLUMNS = {
  actor_id: 'text',
  key: 'text',
  position: 'text',
  stream_id: 'text',
  revision: 'bigint',
  type: 'text',
  recorded_at: 'timestamptz',
} as const;

export const idempotencyWritesProjection = defineProjection<IdempotencyWritesTables>({
  name: 'idempotency_writes',
  version: 1,
  tables: (version: number) => ({ writes: versionedTable('idempotency_writes', version) }),

  async createTables(db, { writes }) {
    await sql`create table ${sql.table(writes)} (
      actor_id text not null,
      key text not null,
      position text not null,
      stream_id text not null,
      revision bigint not null,
      type text not null,
      recorded_at timestamptz not null,
      primary key (actor_id, key, position)
    )`.execute(db);
  },

  /** One insert per batch; a replayed event is already there (its position is in the key). */
  async apply(trx, events, { writes }) {
    const rows = events.flatMap(keyedWrite);
    if (rows.length === 0) return;
    await sql`insert into ${sql.table(writes)} (${columnList(WRITE_COLUMNS)})
      select ${columnList(WRITE_COLUMNS)} from ${recordset(rows, WRITE_COLUMNS)}
      on conflict do nothing`.execute(trx);
  },
});

function keyedWrite(event: RecordedEvent): Array<Record<keyof typeof WRITE_COLUMNS, string | number>> {
  const key = event.metadata[IDEMPOTENCY_KEY_METADATA];
  const actorId = event.metadata.actor?.id;
  if (typeof key !== 'string' || typeof actorId !== 'string') return [];
  return [{ actor_id: actorId, key, position: event.position, stream_id: event.streamId, revision: event.revision, type: event.type, recorded_at: event.recordedAt.toISOString() }];
}
