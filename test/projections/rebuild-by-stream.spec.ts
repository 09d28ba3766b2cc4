/**
 * The by-stream rebuild (Projection.applyStreams): the rebuild folds every stream's history up to
 * the head position H, sets the checkpoint to H, then goes on in global order. With events appended
 * while it runs (also by a transaction that was still open when H was taken), the result equals a
 * plain global-order build, every event is applied exactly once, an interrupted by-stream phase
 * starts again from zero, and the secondary indexes (createIndexes) exist once the version is live.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { EventStore, ReadByStreamOptions, RecordedEvent } from '../../src/event-store/event-store.port.js';
import { CheckpointStore } from '../../src/projections-runtime/checkpoint-store.js';
import { ProjectionRuntime, RebuildAbortedError } from '../../src/projections-runtime/projection-runtime.js';
import { defineProjection, type Projection, type ProjectionTables } from '../../src/projections-runtime/projection.js';
import { customerActivityProjection } from '../../projections/customer-activity/customer-activity.projection.js';
import { customerListProjection } from '../../projections/customer-list/customer-list.projection.js';
import { customerProfileProjection } from '../../projections/customer-profile/customer-profile.projection.js';
import { customerStatsProjection } from '../../projections/customer-stats/customer-stats.projection.js';
import { customerTemporalProjection } from '../../projections/customer-temporal/customer-temporal.projection.js';
import { databaseBackends, openTestPostgres, postgresUrl } from '../support/test-databases.js';
import { appendEvents, eventLogProjection, eventually, expectedEventLog, openFixture, readEverything, tableContents, type Fixture } from '../projections-runtime/support.js';
import { variedHistory } from './history.js';
import { applyEvents, createTables, dumpTables } from './projection-harness.js';

const checkpoints = new CheckpointStore();

/** The store, with a hook run before each readByStream call (the Nth call gets n = N). */
function storeWithByStreamHook(store: EventStore, before: (n: number, options: ReadByStreamOptions) => Promise<void>): EventStore {
  let calls = 0;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'readByStream') {
        return async (options: ReadByStreamOptions) => {
          await before(++calls, options);
          return target.readByStream!(options);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The NOT idempotent event log (support.ts) with a by-stream rebuild: a double or a skip shows in its tables. */
function byStreamEventLog(name: string, counters: { streamsCalls: number; applied: RecordedEvent[] }): Projection<{ log: string; counts: string }> {
  const log = eventLogProjection(name);
  return defineProjection({
    ...log,
    async apply(trx, events, tables) {
      counters.applied.push(...events);
      await log.apply(trx, events, tables);
    },
    async applyStreams(trx, streams, tables) {
      counters.streamsCalls++;
      for (const stream of streams) {
        // Each stream's history arrives whole and in revision order.
        expect(stream.map((event) => event.revision)).toEqual(stream.map((_, index) => stream[0].revision + index));
        expect(new Set(stream.map((event) => event.streamId)).size).toBe(1);
      }
      await log.apply(trx, streams.flat(), tables);
    },
  });
}

/** Index definitions of a projection version's tables, with the version's table names made neutral. */
async function indexDefinitions(db: Kysely<any>, tables: ProjectionTables): Promise<string[]> {
  const names = Object.values(tables) as string[];
  const { rows } = await sql<{ indexdef: string }>`
    select indexdef from pg_indexes where tablename = any(${names}::text[]) order by indexname`.execute(db);
  return rows.map((row) => row.indexdef.replace(/_v\d+/g, '_vN')).sort();
}

describe.each(databaseBackends)('by-stream rebuild on $name', ({ open }) => {
  let fixture: Fixture;
  beforeEach(async () => {
    fixture = await openFixture(open);
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('folds the streams up to the head, then applies the events appended meanwhile in global order, each exactly once', async () => {
    // 7 uneven streams, pages of 50: streams continue across pages.
    await appendEvents(fixture.store, 600, { streams: 7, perAppend: 3 });
    const counters = { streamsCalls: 0, applied: [] as RecordedEvent[] };
    const projection = byStreamEventLog('by_stream_log', counters);
    let appendedDuring = '';
    const store = storeWithByStreamHook(fixture.store, async (n) => {
      // After H was taken: more events on the same streams and on new ones.
      if (n === 2) appendedDuring = await appendEvents(fixture.store, 300, { streams: 9, perAppend: 2, offset: 3 });
    });
    const runtime = new ProjectionRuntime({ database: fixture.database, store, projections: [projection] });
    try {
      const result = await runtime.rebuildProjection(projection.name, { batchSize: 50, total: 'none' });
      const all = await readEverything(fixture.store);
      expect(all).toHaveLength(900);
      expect(result).toMatchObject({ version: 1, eventsProcessed: 900, totalEventsProcessed: 900, position: appendedDuring });
      expect(counters.streamsCalls).toBeGreaterThan(5);
      // The global-order pass saw exactly the events appended after H.
      expect(counters.applied.map((event) => event.position)).toEqual(all.slice(600).map((event) => event.position));

      const tables = await runtime.tables(projection);
      const expected = expectedEventLog(all);
      expect(await tableContents(fixture.database.db, tables.log, ['position'])).toEqual(expected.log);
      expect(await tableContents(fixture.database.db, tables.counts, ['type'])).toEqual(expected.counts);
      expect(await checkpoints.get(fixture.database.db, projection.name, 1)).toMatchObject({ status: 'active', position: appendedDuring, eventsProcessed: 900 });
    } finally {
      await runtime.stop();
    }
  });

  it('an interrupted by-stream phase leaves no checkpoint and starts again from zero on resume', async () => {
    await appendEvents(fixture.store, 400, { streams: 5 });
    const counters = { streamsCalls: 0, applied: [] as RecordedEvent[] };
    const projection = byStreamEventLog('by_stream_resume', counters);
    const stop = new AbortController();
    const store = storeWithByStreamHook(fixture.store, async (n) => {
      if (n === 4) stop.abort();
    });
    const first = new ProjectionRuntime({ database: fixture.database, store, projections: [projection] });
    await expect(first.rebuildProjection(projection.name, { batchSize: 50, total: 'none', signal: stop.signal })).rejects.toBeInstanceOf(RebuildAbortedError);
    await first.stop();
    const interrupted = await checkpoints.get(fixture.database.db, projection.name, 1);
    expect(interrupted).toMatchObject({ status: 'rebuilding', position: null, eventsProcessed: 0 });
    // Pages 1 to 3 were committed: rows without a checkpoint.
    expect((await tableContents(fixture.database.db, interrupted!.tables.log, ['position'])).length).toBeGreaterThan(0);

    const second = new ProjectionRuntime({ database: fixture.database, store: fixture.store, projections: [projection] });
    try {
      const result = await second.rebuildProjection(projection.name, { batchSize: 50, total: 'none' });
      expect(result).toMatchObject({ version: 1, resumed: true, totalEventsProcessed: 400 });
      const expected = expectedEventLog(await readEverything(fixture.store));
      expect(await tableContents(fixture.database.db, interrupted!.tables.log, ['position'])).toEqual(expected.log);
      expect(await tableContents(fixture.database.db, interrupted!.tables.counts, ['type'])).toEqual(expected.counts);
    } finally {
      await second.stop();
    }
  });

  it('customer projections: a by-stream rebuild with appends during it equals a plain global-order build, indexes included', async () => {
    const history = variedHistory(16);
    const events = history.events;
    const projections: Projection<any>[] = [customerListProjection, customerProfileProjection, customerStatsProjection, customerTemporalProjection];
    const half = Math.floor(events.length / 2);
    const share = Math.ceil((events.length - half) / projections.length);
    await history.appendTo(fixture.store, events.slice(0, half));
    for (const [index, projection] of projections.entries()) {
      // Each rebuild gets a share of the rest appended while its by-stream phase runs (after H).
      const during = events.slice(half + index * share, half + (index + 1) * share);
      const store = storeWithByStreamHook(fixture.store, async (n) => {
        if (n === 2 && during.length > 0) await history.appendTo(fixture.store, during);
      });
      const runtime = new ProjectionRuntime({ database: fixture.database, store, projections: [projection] });
      try {
        const result = await runtime.rebuildProjection(projection.name, { batchSize: 40, total: 'none' });
        expect(result.version).toBe(projection.version);
      } finally {
        await runtime.stop();
      }
    }
    // The rebuilt versions now run live and catch up with what came after their switch.
    const all = await readEverything(fixture.store);
    expect(all).toHaveLength(events.length);
    const app = new ProjectionRuntime({ database: fixture.database, store: fixture.store, projections, pollIntervalMs: 20 });
    await app.start();
    try {
      expect(await app.waitForPosition(all[all.length - 1].position, { timeoutMs: 30_000 })).toBe(true);
      for (const projection of projections) {
        const plain = await createTables(fixture.database.db, projection, 900); // with its indexes, as a live build
        await applyEvents(fixture.database.db, projection, plain, all, 25);
        const rebuilt = await app.tables(projection);
        expect(rebuilt).toEqual(projection.tables(projection.version));
        expect({ projection: projection.name, tables: await visibleRows(fixture.database.db, rebuilt) }).toEqual({
          projection: projection.name,
          tables: await visibleRows(fixture.database.db, plain),
        });
        expect(await indexDefinitions(fixture.database.db, rebuilt)).toEqual(await indexDefinitions(fixture.database.db, plain));
      }
    } finally {
      await app.stop();
    }
  }, 120_000);

  it('a live first build and an automatic rebuild on a version bump both end up with the secondary indexes', async () => {
    const first = new ProjectionRuntime({ database: fixture.database, store: fixture.store, projections: [customerActivityProjection, customerListProjection] });
    await first.start();
    await first.stop();
    const history = variedHistory(4);
    await history.appendTo(fixture.store);
    const live = {
      activity: await indexDefinitions(fixture.database.db, customerActivityProjection.tables(customerActivityProjection.version)),
      list: await indexDefinitions(fixture.database.db, customerListProjection.tables(customerListProjection.version)),
    };
    expect(live.activity).toHaveLength(3); // primary key + 2
    expect(live.list.length).toBeGreaterThan(10);

    const [activityNext, listNext] = [customerActivityProjection.version + 1, customerListProjection.version + 1];
    const bumped = [defineProjection({ ...customerActivityProjection, version: activityNext }), defineProjection({ ...customerListProjection, version: listNext })];
    const app = new ProjectionRuntime({ database: fixture.database, store: fixture.store, projections: bumped, pollIntervalMs: 20, reconcileIntervalMs: 100 });
    await app.start();
    try {
      expect(await eventually(async () => (await app.activeVersion('customer_activity')) === activityNext && (await app.activeVersion('customer_list')) === listNext, 30_000)).toBe(true);
      expect(await indexDefinitions(fixture.database.db, customerActivityProjection.tables(activityNext))).toEqual(live.activity);
      expect(await indexDefinitions(fixture.database.db, customerListProjection.tables(listNext))).toEqual(live.list);
    } finally {
      await app.stop();
    }
  }, 60_000);
});

/** The tables' rows as readers see them: customer_stats readers ignore zero counts (a by-stream fold never writes the counts of values a customer only passed through). */
async function visibleRows(db: Kysely<any>, tables: ProjectionTables): Promise<Record<string, Record<string, unknown>[]>> {
  const dumped = await dumpTables(db, tables);
  return Object.fromEntries(Object.entries(dumped).map(([name, rows]) => [name, rows.filter((row) => !('count' in row && Number(row.count) === 0))]));
}

(postgresUrl ? describe : describe.skip)('by-stream rebuild on PostgreSQL with a transaction open across the head', () => {
  let fixture: Fixture;
  beforeEach(async () => {
    fixture = await openFixture(() => openTestPostgres());
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('events of a transaction older than the head, committed during the by-stream phase, come in the global-order pass', async () => {
    await appendEvents(fixture.store, 200, { streams: 4 });
    // An append still open (its transaction id is below every later one) and a later one committed:
    // neither is visible when H is taken; both must be applied once, after H.
    const held = new pg.Client({ connectionString: fixture.url });
    await held.connect();
    try {
      await held.query('BEGIN');
      const payload = JSON.stringify([{ id: randomUUID(), type: 'Opened', schemaVersion: 1, data: { n: 'held' }, metadata: {} }]);
      await held.query(`SELECT es_append('account-0', 'any', $1::text::jsonb)`, [payload]);
      await fixture.store.append('account-1', [{ type: 'Renamed', data: { n: 'later' } }], 'any');

      const counters = { streamsCalls: 0, applied: [] as RecordedEvent[] };
      const projection = byStreamEventLog('by_stream_held', counters);
      let headAtPhase: string | undefined;
      const store = storeWithByStreamHook(fixture.store, async (n, options) => {
        headAtPhase = options.upTo;
        if (n === 1) await held.query('COMMIT');
      });
      const runtime = new ProjectionRuntime({ database: fixture.database, store, projections: [projection] });
      try {
        const result = await runtime.rebuildProjection(projection.name, { batchSize: 50, total: 'none' });
        const all = await readEverything(fixture.store);
        expect(all).toHaveLength(202);
        expect(headAtPhase).toBe(all[199].position);
        expect(counters.applied.map((event) => event.data)).toEqual([{ n: 'held' }, { n: 'later' }]);
        expect(result).toMatchObject({ totalEventsProcessed: 202, position: all[201].position });
        const tables = await runtime.tables(projection);
        const expected = expectedEventLog(all);
        expect(await tableContents(fixture.database.db, tables.log, ['position'])).toEqual(expected.log);
        expect(await tableContents(fixture.database.db, tables.counts, ['type'])).toEqual(expected.counts);
      } finally {
        await runtime.stop();
      }
    } finally {
      await held.end();
    }
  }, 60_000);
});
