import { sql, type Kysely } from 'kysely';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { defineProjection, versionedTable } from '../../src/projections-runtime/projection.js';

/**
 * One row per stream: how many events it holds, its last revision, event type and position, and
 * when it was first and last written. Generic (no customer knowledge); useful for operators
 * ("which streams are busiest", "what happened last to customer-…") and as the runtime's own
 * test projection.
 */
export interface StreamSummaryRow {
  stream_id: string;
  /** The stream id up to its first '-' ('customer' for 'customer-42'). */
  category: string;
  event_count: number;
  last_revision: number;
  last_event_type: string;
  last_position: string;
  first_recorded_at: Date;
  last_recorded_at: Date;
}

export const streamSummaryProjection = defineProjection({
  name: 'stream_summary',
  version: 1,
  tables: (version: number) => ({ summary: versionedTable('stream_summary', version) }),

  async createTables(db, { summary }) {
    await db.schema
      .createTable(summary)
      .addColumn('stream_id', 'text', (column) => column.primaryKey())
      .addColumn('category', 'text', (column) => column.notNull())
      .addColumn('event_count', 'bigint', (column) => column.notNull())
      .addColumn('last_revision', 'bigint', (column) => column.notNull())
      .addColumn('last_event_type', 'text', (column) => column.notNull())
      .addColumn('last_position', 'text', (column) => column.notNull())
      .addColumn('first_recorded_at', 'timestamptz', (column) => column.notNull())
      .addColumn('last_recorded_at', 'timestamptz', (column) => column.notNull())
      .execute();
    await db.schema.createIndex(`${summary}_category`).on(summary).columns(['category', 'stream_id']).execute();
    await db.schema.createIndex(`${summary}_last_recorded_at`).on(summary).column('last_recorded_at').execute();
  },

  /**
   * One multi-row upsert per batch. Replay-safe: a stream's row only moves forward (guarded by
   * last_revision), and the count grows by the number of NEW revisions (revisions are contiguous).
   */
  async apply(trx, events, { summary }) {
    const rows = summarize(events);
    if (rows.length === 0) return;
    const table = sql.table(summary);
    const column = (name: string) => sql.ref(`${summary}.${name}`);
    await sql`insert into ${table}
        (stream_id, category, event_count, last_revision, last_event_type, last_position, first_recorded_at, last_recorded_at)
      values ${sql.join(
        rows.map(
          (row) => sql`(${row.stream_id}, ${row.category}, ${row.event_count}, ${row.last_revision}, ${row.last_event_type},
            ${row.last_position}, ${row.first_recorded_at.toISOString()}::timestamptz, ${row.last_recorded_at.toISOString()}::timestamptz)`,
        ),
      )}
      on conflict (stream_id) do update set
        event_count = ${column('event_count')} + (excluded.last_revision - ${column('last_revision')}),
        last_revision = excluded.last_revision,
        last_event_type = excluded.last_event_type,
        last_position = excluded.last_position,
        last_recorded_at = excluded.last_recorded_at
      where ${column('last_revision')} < excluded.last_revision`.execute(trx);
  },
});

function summarize(events: readonly RecordedEvent[]): StreamSummaryRow[] {
  const byStream = new Map<string, StreamSummaryRow>();
  for (const event of events) {
    const row = byStream.get(event.streamId);
    if (!row) {
      byStream.set(event.streamId, {
        stream_id: event.streamId,
        category: event.streamId.split('-', 1)[0],
        event_count: 1,
        last_revision: event.revision,
        last_event_type: event.type,
        last_position: event.position,
        first_recorded_at: event.recordedAt,
        last_recorded_at: event.recordedAt,
      });
    } else if (event.revision > row.last_revision) {
      row.event_count += 1;
      row.last_revision = event.revision;
      row.last_event_type = event.type;
      row.last_position = event.position;
      row.last_recorded_at = event.recordedAt;
    }
  }
  return [...byStream.values()];
}

/** Reads one stream's summary from the given (active) table. */
export async function findStreamSummary(db: Kysely<any>, table: string, streamId: string): Promise<StreamSummaryRow | undefined> {
  const row = await db.selectFrom(table).selectAll().where('stream_id', '=', streamId).executeTakeFirst();
  return row ? normalize(row) : undefined;
}

/** Streams of a category (all when omitted), busiest first. */
export async function listStreamSummaries(
  db: Kysely<any>,
  table: string,
  options: { category?: string; limit?: number } = {},
): Promise<StreamSummaryRow[]> {
  let query = db.selectFrom(table).selectAll().orderBy('event_count', 'desc').orderBy('stream_id').limit(options.limit ?? 100);
  if (options.category) query = query.where('category', '=', options.category);
  return (await query.execute()).map(normalize);
}

function normalize(row: Record<string, unknown>): StreamSummaryRow {
  return {
    ...(row as unknown as StreamSummaryRow),
    event_count: Number(row.event_count),
    last_revision: Number(row.last_revision),
    first_recorded_at: new Date(row.first_recorded_at as string),
    last_recorded_at: new Date(row.last_recorded_at as string),
  };
}
