import { sql } from 'kysely';
import type { Database } from '../database/database.js';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { Projection, ProjectionTables } from './projection.js';
import { yieldToEventLoop } from './wake-signal.js';

export interface StreamPhaseOptions {
  database: Database;
  store: EventStore;
  projection: Projection<any>;
  version: number;
  tables: ProjectionTables;
  checkpoints: CheckpointStore;
  /** Events read per page (and per transaction); a page's last stream may continue in the next one. */
  pageSize?: number;
  signal?: AbortSignal;
  /** Events read so far in this phase. */
  onProgress?: (eventsRead: number) => void;
}

export interface StreamPhaseResult {
  /** The checkpoint set: the head position the phase folded up to. */
  position: string;
  events: number;
}

/** Whether a rebuild of this version can start with the by-stream phase (see Projection.applyStreams). */
export function canRebuildByStream(store: EventStore, projection: Projection<any>, checkpoint: string | null): boolean {
  return checkpoint === null && typeof projection.applyStreams === 'function' && typeof store.readByStream === 'function';
}

/**
 * The by-stream phase of a rebuild from zero. The caller holds the version's advisory lock and the
 * version's checkpoint is still null. Empties the version's tables first: a phase interrupted
 * before its last transaction left rows but no checkpoint, so it starts again from zero. Then
 * folds every stream's history up to the head position H, page by page, and sets the checkpoint to
 * H (compare-and-set from null) with the last page. Positions at or before H are final when H is
 * read (see ReadByStreamOptions), so the global-order read after H neither skips nor doubles one.
 * Returns null when the store is empty (nothing to fold).
 */
export async function foldStreamsUpToHead(options: StreamPhaseOptions): Promise<StreamPhaseResult | null> {
  const { database, store, projection, version, tables, checkpoints } = options;
  const readByStream = store.readByStream!.bind(store);
  const applyStreams = projection.applyStreams!.bind(projection);
  const pageSize = options.pageSize ?? 20_000;
  const head = await store.headPosition();
  if (head === null) return null;
  const handles = projection.handles ? new Set(projection.handles) : null;
  const withMetadata = projection.needsMetadata !== false;

  await database.db.transaction().execute(async (trx) => {
    for (const table of Object.values(tables)) await sql`truncate table ${sql.table(table)}`.execute(trx);
  });

  let read = 0;
  let after: { streamId: string; revision: number } | undefined;
  // The last stream of a full page, which may go on in the next page.
  let carried: RecordedEvent[] = [];
  for (;;) {
    if (options.signal?.aborted) throw new Error('interrupted');
    await yieldToEventLoop();
    const page = await readByStream({ upTo: head, after, maxCount: pageSize, withMetadata });
    read += page.length;
    const lastPage = page.length < pageSize;
    const streams = splitByStream(carried.concat(page));
    carried = !lastPage && streams.length > 0 ? streams.pop()! : [];
    const handled = streams
      .map((events) => (handles ? events.filter((event) => handles.has(event.type)) : events))
      .filter((events) => events.length > 0);
    if (page.length > 0) after = { streamId: page[page.length - 1].streamId, revision: page[page.length - 1].revision };
    await database.db.transaction().execute(async (trx) => {
      // As for every projection batch: derived data, replayable; appends stay synchronous.
      const asynchronousCommit = database.kind === 'postgres';
      if (lastPage) {
        await checkpoints.advanceAndNotify(trx, { name: projection.name, version, expected: null, next: head, events: read }, { asynchronousCommit });
      } else if (asynchronousCommit) {
        await sql`set local synchronous_commit = off`.execute(trx);
      }
      if (handled.length > 0) await applyStreams(trx, handled, tables);
    });
    options.onProgress?.(read);
    if (lastPage) return { position: head, events: read };
  }
}

/** Consecutive events of one stream together (the input is in stream order). */
function splitByStream(events: readonly RecordedEvent[]): RecordedEvent[][] {
  const streams: RecordedEvent[][] = [];
  let current: RecordedEvent[] | undefined;
  for (const event of events) {
    if (!current || current[0].streamId !== event.streamId) {
      current = [];
      streams.push(current);
    }
    current.push(event);
  }
  return streams;
}
