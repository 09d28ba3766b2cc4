import { jest } from '@jest/globals';
import { sql } from 'kysely';
import { CheckpointConflictError, CheckpointStore, migrateProjectionRuntime } from '../../src/projections-runtime/checkpoint-store.js';
import { ProjectionRunner } from '../../src/projections-runtime/projection-runner.js';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import {
  appendEvents,
  eventLogProjection,
  eventually,
  expectedEventLog,
  openFixture,
  projectionBackends,
  readEverything,
  tableContents,
  type Fixture,
} from './support.js';

describe.each(projectionBackends)('projection runner on $name', ({ open, esdb }) => {
  // Headroom on a loaded machine (the EventStoreDB variants do every append and read over gRPC).
  jest.setTimeout(120_000);
  let fixture: Fixture;
  const checkpoints = new CheckpointStore();

  beforeEach(async () => {
    fixture = await openFixture(open, esdb);
  });
  afterEach(async () => {
    await fixture.close();
  });

  /** Creates the projection's first version like the runtime does on first start, without running it. */
  async function setUp(projection = eventLogProjection()) {
    const runtime = new ProjectionRuntime({ database: fixture.database, store: fixture.store, projections: [projection] });
    await runtime.start();
    await runtime.stop();
    const row = await checkpoints.active(fixture.database.db, projection.name);
    return { projection, version: row!.version, tables: projection.tables(row!.version) };
  }

  it('migrates idempotently and creates the first version (tables + checkpoint row) on first start', async () => {
    await migrateProjectionRuntime(fixture.database.db);
    await migrateProjectionRuntime(fixture.database.db);
    const { projection, version, tables } = await setUp();
    expect(version).toBe(1);
    expect(tables).toEqual({ log: 'event_log_log_v1', counts: 'event_log_counts_v1' });
    const row = await checkpoints.get(fixture.database.db, projection.name, 1);
    expect(row).toMatchObject({ status: 'active', position: null, eventsProcessed: 0, codeVersion: 1, tables });
  });

  it('commits the tables and the checkpoint together; a batch that fails midway leaves neither', async () => {
    let failFromBatch = Infinity;
    const projection = eventLogProjection('event_log', {
      midBatch: async (_trx, _events, batch) => {
        if (batch >= failFromBatch) throw new Error('projection crashed mid-batch');
      },
    });
    const { tables } = await setUp(projection);
    await appendEvents(fixture.store, 120);
    const runner = new ProjectionRunner({ ...fixture, projection, version: 1, batchSize: 50, minBackoffMs: 10, maxBackoffMs: 20 });
    runner.start();
    try {
      expect(await runner.waitForCatchUp(10_000)).toBe(true);
      const committed = runner.position();
      const after120 = await readEverything(fixture.store);
      expect(committed).toBe(after120[after120.length - 1].position);
      expect((await checkpoints.get(fixture.database.db, 'event_log', 1))!.position).toBe(committed);
      expect(await tableContents(fixture.database.db, tables.log, ['position'])).toEqual(expectedEventLog(after120).log);

      // From now on every batch throws after writing half its rows.
      failFromBatch = 0;
      await appendEvents(fixture.store, 30, { offset: 3 });
      expect(await eventually(() => runner.status().failures >= 2, 10_000)).toBe(true);
      expect(runner.status()).toMatchObject({ state: 'failing', error: 'projection crashed mid-batch', position: committed });
      expect((await checkpoints.get(fixture.database.db, 'event_log', 1))!.position).toBe(committed);
      expect(await tableContents(fixture.database.db, tables.log, ['position'])).toEqual(expectedEventLog(after120).log);
      expect(await tableContents(fixture.database.db, tables.counts, ['type'])).toEqual(expectedEventLog(after120).counts);

      // The fault goes away: the same batch is retried and everything lands exactly once.
      failFromBatch = Infinity;
      expect(await runner.waitForCatchUp(10_000)).toBe(true);
      const all = await readEverything(fixture.store);
      expect(await tableContents(fixture.database.db, tables.log, ['position'])).toEqual(expectedEventLog(all).log);
      expect(await tableContents(fixture.database.db, tables.counts, ['type'])).toEqual(expectedEventLog(all).counts);
      expect(runner.status()).toMatchObject({ failures: 0, eventsProcessed: 150 });
      expect(runner.status().error).toBeUndefined();
    } finally {
      await runner.stop();
    }
  });

  it('compare-and-set: a checkpoint moved by someone else rolls the whole batch transaction back', async () => {
    const { tables } = await setUp();
    await fixture.database.db.transaction().execute(async (trx) => {
      await checkpoints.advance(trx, { name: 'event_log', version: 1, expected: null, next: 'p1', events: 1 });
    });
    await expect(
      fixture.database.db.transaction().execute(async (trx) => {
        await trx.insertInto(tables.counts).values({ type: 'X', n: 1 }).execute();
        await checkpoints.advance(trx, { name: 'event_log', version: 1, expected: null, next: 'p2', events: 1 });
      }),
    ).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await tableContents(fixture.database.db, tables.counts, ['type'])).toEqual([]);
    expect((await checkpoints.get(fixture.database.db, 'event_log', 1))!).toMatchObject({ position: 'p1', eventsProcessed: 1 });
  });

  it('moves the checkpoint past events the projection does not handle', async () => {
    const base = eventLogProjection();
    const projection = { ...base, handles: ['Renamed'] };
    const { tables } = await setUp(projection);
    const last = await appendEvents(fixture.store, 40);
    const runner = new ProjectionRunner({ ...fixture, projection, version: 1, batchSize: 7 });
    runner.start();
    try {
      expect(await runner.waitForPosition(last, 10_000)).toBe(true);
      expect(runner.position()).toBe(last);
      const all = await readEverything(fixture.store);
      expect(await tableContents(fixture.database.db, tables.log, ['position'])).toEqual(expectedEventLog(all, ['Renamed']).log);
      expect(runner.status().eventsProcessed).toBe(40);
    } finally {
      await runner.stop();
    }
  });

  it('reports lag, and waitForPosition resolves when reached or answers false at its timeout', async () => {
    const projection = eventLogProjection();
    await setUp(projection);
    const last = await appendEvents(fixture.store, 30);
    const runner = new ProjectionRunner({ ...fixture, projection, version: 1 });
    expect(await runner.lag()).toMatchObject({ position: null, headPosition: last, caughtUp: false, eventsBehind: 30, eventsBehindAtLeast: false });
    expect(await runner.lag(10)).toMatchObject({ caughtUp: false, eventsBehind: 10, eventsBehindAtLeast: true });

    const waiting = runner.waitForPosition(last, 10_000);
    runner.start();
    try {
      expect(await waiting).toBe(true);
      expect(await runner.lag()).toMatchObject({ position: last, headPosition: last, caughtUp: true, eventsBehind: 0 });

      // A position nobody has written yet: false after the timeout, not before.
      const started = Date.now();
      const beyond = '9'.repeat(last.length); // sorts after every position the store can have handed out
      expect(await runner.waitForPosition(beyond, 300)).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);

      // A position written later: resolves as soon as it is processed.
      const next = await appendEvents(fixture.store, 5, { offset: 1 });
      expect(await runner.waitForPosition(next, 10_000)).toBe(true);
      expect(runner.position()).toBe(next);
    } finally {
      await runner.stop();
    }
  });

  it('runs a projection once per process even when two runners are started for it', async () => {
    const projection = eventLogProjection();
    const { tables } = await setUp(projection);
    const last = await appendEvents(fixture.store, 200);
    const first = new ProjectionRunner({ ...fixture, projection, version: 1, batchSize: 20, lockRetryMs: 50 });
    const second = new ProjectionRunner({ ...fixture, projection, version: 1, batchSize: 20, lockRetryMs: 50 });
    first.start();
    second.start();
    try {
      expect(await first.waitForPosition(last, 10_000)).toBe(true);
      expect(await second.waitForPosition(last, 10_000)).toBe(true);
      expect([first.status().holdsLock, second.status().holdsLock].filter(Boolean)).toHaveLength(1);
      const all = await readEverything(fixture.store);
      expect(await tableContents(fixture.database.db, tables.counts, ['type'])).toEqual(expectedEventLog(all).counts);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(tables.log)}`.execute(fixture.database.db);
      expect(rows[0].n).toBe(200);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
