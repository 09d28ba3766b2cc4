import type { ReadAllOptions } from '../../src/event-store/event-store.port.js';
import { CheckpointStore } from '../../src/projections-runtime/checkpoint-store.js';
import { defineProjection, versionedTable, type Projection } from '../../src/projections-runtime/projection.js';
import { ProjectionRunner, type BatchCommitted } from '../../src/projections-runtime/projection-runner.js';
import { ProjectionRuntime } from '../../src/projections-runtime/projection-runtime.js';
import { SharedTailReads } from '../../src/projections-runtime/shared-tail-reads.js';
import { Linger, WakeSignal } from '../../src/projections-runtime/wake-signal.js';
import { databaseBackends } from '../support/test-databases.js';
import { appendEvents, eventually, hookedStore, openFixture, readEverything, type Fixture } from './support.js';

/** So long that only a release (or a position waiter) can end a pause within a test. */
const FOREVER_MS = 10 * 60_000;

/** Logs the size of every batch it is given, in commit order (one row per batch transaction). */
function batchLogProjection(name: string): Projection<{ batches: string }> {
  return defineProjection({
    name,
    version: 1,
    tables: (version: number) => ({ batches: versionedTable(`${name}_batches`, version) }),
    async createTables(db, { batches }) {
      await db.schema
        .createTable(batches)
        .addColumn('last_position', 'text', (column) => column.primaryKey())
        .addColumn('events', 'integer', (column) => column.notNull())
        .execute();
    },
    async apply(trx, events, { batches }) {
      await trx.insertInto(batches).values({ last_position: events[events.length - 1].position, events: events.length }).execute();
    },
  });
}

describe.each(databaseBackends)('caught-up runners gather a burst into one batch, on $name', ({ name: backend, open }) => {
  let fixture: Fixture;
  beforeEach(async () => {
    fixture = await openFixture(open);
  });
  afterEach(async () => {
    await fixture.close();
  });

  async function batchSizes(projection: Projection<{ batches: string }>): Promise<number[]> {
    const rows = await fixture.database.db.selectFrom(projection.tables(1).batches).select('events').orderBy('last_position').execute();
    return rows.map((row) => Number(row.events));
  }

  /** Appends `count` events, each in its own append (its own transaction), on a few streams. */
  async function appendOneByOne(count: number, offset = 0): Promise<string> {
    let last = '';
    for (let n = 0; n < count; n++) last = await appendEvents(fixture.store, 1, { streams: 3, offset: offset + n, perAppend: 1 });
    return last;
  }

  it('a runner commits the events appended during its pause as one batch, and only once the pause ends', async () => {
    const projection = batchLogProjection('burst');
    const setup = new ProjectionRuntime({ ...fixture, projections: [projection] });
    await setup.start();
    await setup.stop();
    const linger = new Linger(FOREVER_MS);
    const wake = new WakeSignal();
    const batches: BatchCommitted[] = [];
    const runner = new ProjectionRunner({ ...fixture, projection, version: 1, wake, linger, pollIntervalMs: FOREVER_MS, onCommit: (batch) => batches.push(batch) });
    runner.start();
    try {
      expect(await eventually(() => runner.status().state === 'caught-up')).toBe(true);
      const last = await appendOneByOne(7);
      wake.wake(); // as the NOTIFY of the first append would
      expect(await eventually(() => linger.waiting === 1)).toBe(true);
      expect(runner.position()).toBeNull(); // pausing: nothing read, nothing committed yet
      linger.release();
      expect(await runner.waitForPosition(last, 10_000)).toBe(true);
      expect(batches.map((batch) => batch.events)).toEqual([7]);
      expect(await batchSizes(projection)).toEqual([7]);

      // After a batch the runner pauses again before reading: a second burst is again one batch.
      expect(await eventually(() => linger.waiting === 1)).toBe(true);
      const second = await appendOneByOne(4, 7);
      linger.release();
      expect(await runner.waitForPosition(second, 10_000)).toBe(true);
      expect(await batchSizes(projection)).toEqual([7, 4]);
    } finally {
      await runner.stop();
    }
  });

  it('a position waiter ends the pause at once: read-your-writes does not wait it out', async () => {
    const projection = batchLogProjection('hurried');
    const setup = new ProjectionRuntime({ ...fixture, projections: [projection] });
    await setup.start();
    await setup.stop();
    const wake = new WakeSignal();
    const runner = new ProjectionRunner({ ...fixture, projection, version: 1, wake, lingerMs: FOREVER_MS, pollIntervalMs: FOREVER_MS });
    runner.start();
    try {
      expect(await eventually(() => runner.status().state === 'caught-up')).toBe(true);
      const last = await appendOneByOne(3);
      wake.wake();
      expect(await runner.waitForPosition(last, 10_000)).toBe(true);
      expect(await batchSizes(projection)).toEqual([3]);
    } finally {
      await runner.stop();
    }
  });

  it("the runtime's runners pause together, read the burst once, commit it as one batch each; waitForPosition ends the pause", async () => {
    const reads: Array<string | undefined> = [];
    const store = hookedStore(fixture.store, async (options: ReadAllOptions | undefined) => {
      reads.push(options?.after);
    });
    const projections = [batchLogProjection('one'), batchLogProjection('two'), batchLogProjection('three')];
    const runtime = new ProjectionRuntime({ database: fixture.database, store, projections, lingerMs: FOREVER_MS });
    await runtime.start();
    try {
      expect(await eventually(async () => (await runtime.status()).every((status) => status.state === 'caught-up'))).toBe(true);
      const before = await fixture.store.headPosition();
      const readsBefore = reads.length;
      const last = await appendOneByOne(5);
      expect(await runtime.waitForPosition(last, { timeoutMs: 10_000 })).toBe(true);
      for (const projection of projections) expect(await batchSizes(projection)).toEqual([5]);
      const burstReads = reads.slice(readsBefore).filter((after) => (after ?? null) === before);
      // Released in the same tick, the three reads of the burst share one query. (PGlite answers a
      // query without returning to the event loop, so there a read can finish before the next starts.)
      if (backend === 'PostgreSQL') expect(burstReads).toHaveLength(1);
      else expect(burstReads.length).toBeGreaterThanOrEqual(1);
      expect((await readEverything(fixture.store)).length).toBe(5);
    } finally {
      await runtime.stop();
    }
    const rows = await new CheckpointStore().list(fixture.database.db);
    expect(rows.map((row) => [row.name, row.eventsProcessed]).sort()).toEqual([
      ['one', 5],
      ['three', 5],
      ['two', 5],
    ]);
  });
});

describe('Linger', () => {
  it('ends every pause of a window with one release, and does not pause while urgent', async () => {
    let urgent = false;
    const linger = new Linger(FOREVER_MS, () => urgent);
    const ended: string[] = [];
    const a = linger.wait().then(() => ended.push('a'));
    const b = linger.wait().then(() => ended.push('b'));
    expect(linger.waiting).toBe(2);
    await Promise.resolve();
    expect(ended).toEqual([]);
    linger.release();
    await Promise.all([a, b]);
    expect(ended).toEqual(['a', 'b']);
    urgent = true;
    await linger.wait();
    expect(linger.waiting).toBe(0);
    const aborted = new AbortController();
    urgent = false;
    const c = linger.wait(aborted.signal);
    aborted.abort();
    await c;
    expect(linger.waiting).toBe(0);
    linger.release();
  });
});

describe.each(databaseBackends)('shared tail reads on $name', ({ open }) => {
  let fixture: Fixture;
  beforeEach(async () => {
    fixture = await openFixture(open);
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('concurrent reads of the same position share one query; a later read sees later events', async () => {
    let queries = 0;
    const store = hookedStore(fixture.store, async () => {
      queries++;
    });
    const first = await appendEvents(fixture.store, 4, { perAppend: 1 });
    const reads = new SharedTailReads(store);
    const [a, b, c] = await Promise.all([reads.readAll(null, 100), reads.readAll(null, 100), reads.readAll(null, 100)]);
    expect(queries).toBe(1);
    expect(a.map((event) => event.position)).toHaveLength(4);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a[3].position).toBe(first);

    const [small, other] = await Promise.all([reads.readAll(null, 2), reads.readAll(a[1].position, 100)]);
    expect(queries).toBe(3); // another size or position is another query
    expect(small).toEqual(a.slice(0, 2));
    expect(other).toEqual(a.slice(2));

    await appendEvents(fixture.store, 2, { perAppend: 1, offset: 4 });
    expect(await reads.readAll(null, 100)).toHaveLength(6);
    expect(queries).toBe(4);
  });
});
