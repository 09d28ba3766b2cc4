import { jest } from '@jest/globals';
import { sql } from 'kysely';
import { streamSummaryProjection } from '../../projections/stream-summary/stream-summary.projection.js';
import { CheckpointStore } from '../../src/projections-runtime/checkpoint-store.js';
import {
  ProjectionRuntime,
  RebuildAbortedError,
  type RebuildProgress,
} from '../../src/projections-runtime/projection-runtime.js';
import {
  appendEvents,
  eventLogProjection,
  eventually,
  expectedEventLog,
  gate,
  hookedStore,
  openFixture,
  projectionBackends,
  readEverything,
  tableContents,
  tableExists,
  type Fixture,
} from './support.js';

const checkpoints = new CheckpointStore();

async function countStreams(runtime: ProjectionRuntime): Promise<{ streams: number; events: number; table: string }> {
  return runtime.read(streamSummaryProjection, async ({ summary }) => {
    const { rows } = await sql<{ streams: number; events: number }>`
      select count(*)::int as streams, coalesce(sum(event_count), 0)::int as events from ${sql.table(summary)}`.execute(
      (runtime as unknown as { database: { db: any } }).database.db,
    );
    return { ...rows[0], table: summary };
  });
}

describe.each(projectionBackends)('blue/green rebuild on $name', ({ open, esdb }) => {
  // Headroom on a loaded machine (the EventStoreDB variants do every append and read over gRPC).
  jest.setTimeout(120_000);
  let fixture: Fixture;
  beforeEach(async () => {
    fixture = await openFixture(open, esdb);
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('builds a new version while the old one serves reads and follows new events, then switches once caught up', async () => {
    await appendEvents(fixture.store, 1_500, { streams: 30 });
    const app = new ProjectionRuntime({ ...fixture, projections: [streamSummaryProjection], pollIntervalMs: 20, lockRetryMs: 50 });
    await app.start();
    try {
      expect(await app.waitForPosition((await fixture.store.headPosition())!, { timeoutMs: 20_000 })).toBe(true);
      expect(await countStreams(app)).toEqual({ streams: 30, events: 1_500, table: 'stream_summary_v1' });

      // The operator's rebuild (like the CLI: its own runtime) is held before its 4th batch.
      const held = gate();
      let rebuildReads = 0;
      const store = hookedStore(fixture.store, async (options) => {
        if (options?.maxCount === 100 && ++rebuildReads === 4) await held.wait();
      });
      const ops = new ProjectionRuntime({ database: fixture.database, store, projections: [streamSummaryProjection] });
      const progress: RebuildProgress[] = [];
      const rebuilding = ops.rebuildProjection('stream_summary', {
        batchSize: 100,
        progressIntervalMs: 10,
        onProgress: (report) => progress.push(report),
      });

      // Readers poll all along; none may fail or see fewer rows than were already there.
      const readerErrors: unknown[] = [];
      const readerCounts: number[] = [];
      let reading = true;
      const reader = (async () => {
        while (reading) {
          try {
            readerCounts.push((await countStreams(app)).events);
          } catch (error) {
            readerErrors.push(error);
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();

      await held.reached;
      const events = await readEverything(fixture.store);
      expect(await checkpoints.list(fixture.database.db, 'stream_summary')).toMatchObject([
        { version: 1, status: 'active', position: events[1_499].position },
        { version: 2, status: 'rebuilding', position: events[299].position, eventsProcessed: 300 },
      ]);
      expect(await app.activeVersion('stream_summary')).toBe(1);
      expect(await countStreams(app)).toEqual({ streams: 30, events: 1_500, table: 'stream_summary_v1' });

      // New events during the rebuild: the active version keeps up with them.
      const last = await appendEvents(fixture.store, 200, { streams: 10, prefix: 'new' });
      expect(await app.waitForPosition(last, { timeoutMs: 10_000 })).toBe(true);
      expect(await countStreams(app)).toEqual({ streams: 40, events: 1_700, table: 'stream_summary_v1' });
      const before = await tableContents(fixture.database.db, 'stream_summary_v1', ['stream_id'], ['event_count', 'last_revision']);
      expect((await app.status())[0]).toMatchObject({
        activeVersion: 1,
        caughtUp: true,
        rebuilding: { version: 2, eventsProcessed: 300 },
      });

      held.open();
      const result = await rebuilding;
      expect(result).toMatchObject({
        name: 'stream_summary',
        fromVersion: 1,
        version: 2,
        resumed: false,
        eventsProcessed: 1_700,
        position: last,
        retiredVersions: [1],
        droppedTables: ['stream_summary_v1'],
      });
      // Never switched before it was caught up: every report before 'done' was for an unfinished v2.
      expect(progress.filter((report) => report.phase !== 'done').every((report) => report.eventsDone < 1_700 || report.phase !== 'done')).toBe(true);
      expect(progress[progress.length - 1]).toMatchObject({ phase: 'done', eventsDone: 1_700 });
      expect(progress.some((report) => report.phase === 'rebuilding' && report.eventsDone > 0 && report.eventsDone < 1_700)).toBe(true);

      expect(await checkpoints.list(fixture.database.db, 'stream_summary')).toMatchObject([
        { version: 1, status: 'retired' },
        { version: 2, status: 'active', position: last },
      ]);
      expect(await tableExists(fixture.database.db, 'stream_summary_v1')).toBe(false);
      expect(await eventually(async () => (await app.activeVersion('stream_summary')) === 2, 10_000)).toBe(true);
      expect(await tableContents(fixture.database.db, 'stream_summary_v2', ['stream_id'], ['event_count', 'last_revision'])).toEqual(before);

      // The app now runs v2 live.
      const later = await appendEvents(fixture.store, 10, { streams: 1, prefix: 'after' });
      expect(await app.waitForPosition(later, { timeoutMs: 10_000 })).toBe(true);
      expect(await countStreams(app)).toEqual({ streams: 41, events: 1_710, table: 'stream_summary_v2' });

      reading = false;
      await reader;
      expect(readerErrors).toEqual([]);
      expect(readerCounts.length).toBeGreaterThan(0);
      expect(Math.min(...readerCounts)).toBeGreaterThanOrEqual(1_500);
    } finally {
      await app.stop();
    }
  });

  it('resumes an interrupted rebuild from its own checkpoint (or restarts it from zero on request)', async () => {
    await appendEvents(fixture.store, 1_000, { streams: 9 });
    const projection = eventLogProjection('event_log');
    const setup = new ProjectionRuntime({ ...fixture, projections: [projection] });
    await setup.start();
    expect(await setup.waitForPosition((await fixture.store.headPosition())!, { timeoutMs: 20_000 })).toBe(true);
    await setup.stop();

    const interrupt = new AbortController();
    let reads = 0;
    const store = hookedStore(fixture.store, async (options) => {
      if (options?.maxCount === 100 && ++reads === 4) interrupt.abort(); // like Ctrl-C while batch 4 is read
    });
    const ops = new ProjectionRuntime({ database: fixture.database, store, projections: [projection] });
    await expect(ops.rebuildProjection('event_log', { batchSize: 100, total: 'none', signal: interrupt.signal })).rejects.toBeInstanceOf(
      RebuildAbortedError,
    );
    const events = await readEverything(fixture.store);
    const interrupted = (await checkpoints.get(fixture.database.db, 'event_log', 2))!;
    expect(interrupted.status).toBe('rebuilding');
    expect([300, 400]).toContain(interrupted.eventsProcessed); // the batch read when interrupted may still commit
    expect(interrupted.position).toBe(events[interrupted.eventsProcessed - 1].position);
    expect((await checkpoints.active(fixture.database.db, 'event_log'))!.version).toBe(1);

    const resumed = await ops.rebuildProjection('event_log', { batchSize: 100, total: 'none' });
    expect(resumed).toMatchObject({
      version: 2,
      fromVersion: 1,
      resumed: true,
      eventsProcessed: 1_000 - interrupted.eventsProcessed,
      totalEventsProcessed: 1_000,
    });
    const tables = await ops.tables(projection);
    expect(tables.log).toBe('event_log_log_v2');
    expect(await tableContents(fixture.database.db, tables.log, ['position'], ['revision'])).toEqual(expectedEventLog(events).log);
    expect(await tableContents(fixture.database.db, tables.counts, ['type'], ['n'])).toEqual(expectedEventLog(events).counts);

    // --restart: an unfinished rebuild is abandoned (retired, tables dropped) and a new one starts at zero.
    const again = new AbortController();
    reads = 0;
    const held = hookedStore(fixture.store, async (options) => {
      if (options?.maxCount === 100 && ++reads === 2) again.abort();
    });
    const ops2 = new ProjectionRuntime({ database: fixture.database, store: held, projections: [projection] });
    await expect(ops2.rebuildProjection('event_log', { batchSize: 100, total: 'none', signal: again.signal })).rejects.toBeInstanceOf(
      RebuildAbortedError,
    );
    const fresh = await ops2.rebuildProjection('event_log', { batchSize: 250, total: 'none', restart: true });
    expect(fresh).toMatchObject({ version: 4, fromVersion: 2, resumed: false, eventsProcessed: 1_000, retiredVersions: [2] });
    expect(await checkpoints.list(fixture.database.db, 'event_log')).toMatchObject([
      { version: 1, status: 'retired' },
      { version: 2, status: 'retired' },
      { version: 3, status: 'retired' },
      { version: 4, status: 'active' },
    ]);
    for (const table of ['event_log_log_v1', 'event_log_log_v2', 'event_log_log_v3']) expect(await tableExists(fixture.database.db, table)).toBe(false);
  });

  it('a new code version is built in the background at start and takes over when caught up', async () => {
    await appendEvents(fixture.store, 600);
    const v1 = new ProjectionRuntime({ ...fixture, projections: [eventLogProjection('event_log', {}, 1)] });
    await v1.start();
    expect(await v1.waitForPosition((await fixture.store.headPosition())!, { timeoutMs: 20_000 })).toBe(true);
    await v1.stop();

    const upgraded = new ProjectionRuntime({
      ...fixture,
      projections: [eventLogProjection('event_log', {}, 2)],
      pollIntervalMs: 20,
      rebuildBatchSize: 50,
    });
    await upgraded.start();
    try {
      // Readers are served by v1 from the first moment.
      expect((await upgraded.tables('event_log')).log).toBe('event_log_log_v1');
      expect(await eventually(async () => (await upgraded.activeVersion('event_log')) === 2, 20_000)).toBe(true);
      expect((await upgraded.tables('event_log')).log).toBe('event_log_log_v2');
      expect(await tableExists(fixture.database.db, 'event_log_log_v1')).toBe(false);
      const last = await appendEvents(fixture.store, 25, { offset: 2 });
      expect(await upgraded.waitForPosition(last, { timeoutMs: 10_000 })).toBe(true);
      const events = await readEverything(fixture.store);
      expect(await tableContents(fixture.database.db, 'event_log_log_v2', ['position'], ['revision'])).toEqual(expectedEventLog(events).log);
      expect((await upgraded.status())[0]).toMatchObject({ activeVersion: 2, codeVersion: 2, caughtUp: true, eventsBehind: 0 });
    } finally {
      await upgraded.stop();
    }
  });

  it('a query that resolved the old tables just before the switch is retried on the new ones', async () => {
    await appendEvents(fixture.store, 50);
    const reader = new ProjectionRuntime({ ...fixture, projections: [streamSummaryProjection], cacheTtlMs: 60_000 });
    await reader.start();
    expect(await reader.waitForPosition((await fixture.store.headPosition())!, { timeoutMs: 10_000 })).toBe(true);
    await reader.stop(); // no NOTIFY reaches it any more: its cache stays on v1
    expect((await reader.tables(streamSummaryProjection)).summary).toBe('stream_summary_v1');

    const ops = new ProjectionRuntime({ ...fixture, projections: [streamSummaryProjection] });
    await ops.rebuildProjection('stream_summary', { total: 'none' });

    const seen: string[] = [];
    const count = await reader.read(streamSummaryProjection, async ({ summary }) => {
      seen.push(summary);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(summary)}`.execute(fixture.database.db);
      return rows[0].n;
    });
    expect(seen).toEqual(['stream_summary_v1', 'stream_summary_v2']);
    expect(count).toBe(10);
  });
});
