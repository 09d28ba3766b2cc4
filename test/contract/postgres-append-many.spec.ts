import { IdempotencyConflictError, WrongExpectedRevisionError } from '../../src/event-store/event-store.port.js';
import { migrateEventStore } from '../../src/event-store/postgres/event-store-migrations.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.js';
import { databaseBackends, postgresUrl, type TestDatabase } from '../support/test-databases.js';
import { expectIncreasing, newEvent, uniquePrefix, withTimeout } from './event-store.contract.js';

/** PostgresEventStore.appendMany: several streams, one transaction, one statement. */
describe.each(databaseBackends)('PostgresEventStore.appendMany on $name', ({ name, open }) => {
  let testDatabase: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    testDatabase = await open();
    await migrateEventStore(testDatabase.database.db);
    store = new PostgresEventStore(testDatabase.database, { pollIntervalMs: 200 });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await testDatabase?.close();
  });

  const revisionsOf = async (streamId: string) => (await store.readStream(streamId)).map((event) => [event.type, event.revision]);

  it('appends to many streams at once, each with its own expected revision, answering in the given order', async () => {
    const p = uniquePrefix();
    await store.append(`${p}b`, [newEvent('B0')], 'no_stream');
    const results = await store.appendMany([
      { streamId: `${p}c`, events: [newEvent('C0'), newEvent('C1')], expectedRevision: 'no_stream' },
      { streamId: `${p}b`, events: [newEvent('B1')], expectedRevision: 0 },
      { streamId: `${p}a`, events: [newEvent('A0')] },
    ]);
    expect(results.map((result) => result.nextRevision)).toEqual([1, 1, 0]);
    expect(await revisionsOf(`${p}a`)).toEqual([['A0', 0]]);
    expect(await revisionsOf(`${p}b`)).toEqual([['B0', 0], ['B1', 1]]);
    expect(await revisionsOf(`${p}c`)).toEqual([['C0', 0], ['C1', 1]]);
    // Each answer is the position of that batch's last event, as readAll delivers it. readAll shows events
    // only once every older transaction on the server has ended (the store's gap-free order), and other
    // suites on the same server hold such transactions now and then: wait (bounded) until they are visible.
    const last = results.map((result) => result.position).sort().at(-1)!;
    for (const deadline = Date.now() + 30_000; ((await store.headPosition()) ?? '') < last && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const all = (await store.readAll()).filter((event) => event.streamId.startsWith(p));
    expectIncreasing(all.map((event) => event.position));
    const lastOf = (streamId: string) => all.filter((event) => event.streamId === streamId).at(-1)!.position;
    expect(results.map((result) => result.position)).toEqual([lastOf(`${p}c`), lastOf(`${p}b`), lastOf(`${p}a`)]);
    expect(await store.appendMany([])).toEqual([]);
  });

  it('applies batches of the same stream in the given order', async () => {
    const p = uniquePrefix();
    const results = await store.appendMany([
      { streamId: `${p}s`, events: [newEvent('First')], expectedRevision: 'no_stream' },
      { streamId: `${p}t`, events: [newEvent('Other')], expectedRevision: 'no_stream' },
      { streamId: `${p}s`, events: [newEvent('Second')], expectedRevision: 0 },
    ]);
    expect(results.map((result) => result.nextRevision)).toEqual([0, 0, 1]);
    expect(await revisionsOf(`${p}s`)).toEqual([['First', 0], ['Second', 1]]);
  });

  it('writes nothing at all when one batch fails its expected revision, and says which', async () => {
    const p = uniquePrefix();
    await store.append(`${p}x`, [newEvent('X0'), newEvent('X1')], 'no_stream');
    const attempt = store.appendMany([
      { streamId: `${p}a`, events: [newEvent('A0')], expectedRevision: 'no_stream' },
      { streamId: `${p}x`, events: [newEvent('X2')], expectedRevision: 0 },
      { streamId: `${p}z`, events: [newEvent('Z0')], expectedRevision: 'any' },
    ]);
    await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await expect(attempt).rejects.toMatchObject({ streamId: `${p}x`, expected: 0, actual: 1 });
    await expect(store.readStream(`${p}a`)).rejects.toMatchObject({ name: 'StreamNotFoundError' });
    await expect(store.readStream(`${p}z`)).rejects.toMatchObject({ name: 'StreamNotFoundError' });
    expect(await revisionsOf(`${p}x`)).toEqual([['X0', 0], ['X1', 1]]);
  });

  it('answers a retried call (same event ids) with the original results and writes nothing twice', async () => {
    const p = uniquePrefix();
    const batches = [
      { streamId: `${p}a`, events: [newEvent('A0'), newEvent('A1')], expectedRevision: 'no_stream' as const },
      { streamId: `${p}b`, events: [newEvent('B0')], expectedRevision: 'any' as const },
    ];
    const first = await store.appendMany(batches);
    expect(await store.appendMany(batches)).toEqual(first);
    expect(await revisionsOf(`${p}a`)).toEqual([['A0', 0], ['A1', 1]]);
    expect(await revisionsOf(`${p}b`)).toEqual([['B0', 0]]);
    // An id already stored elsewhere is not a retry.
    const clash = store.appendMany([{ streamId: `${p}c`, events: [batches[1].events[0]], expectedRevision: 'no_stream' }]);
    await expect(clash).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('refuses an event id used twice in one call, before writing', async () => {
    const p = uniquePrefix();
    const event = newEvent('Twice');
    await expect(
      store.appendMany([
        { streamId: `${p}a`, events: [event] },
        { streamId: `${p}b`, events: [event] },
      ]),
    ).rejects.toBeInstanceOf(TypeError);
    await expect(store.readStream(`${p}a`)).rejects.toMatchObject({ name: 'StreamNotFoundError' });
  });

  if (name === 'PostgreSQL' && postgresUrl) {
    it('lets concurrent calls over the same streams, listed in opposite orders, all commit (no deadlock)', async () => {
      const p = uniquePrefix();
      const streams = Array.from({ length: 20 }, (_, index) => `${p}s${index}`);
      const calls = Array.from({ length: 8 }, (_, call) => {
        const order = call % 2 === 0 ? streams : [...streams].reverse();
        return store.appendMany(order.map((streamId) => ({ streamId, events: [newEvent(`E${call}`)], expectedRevision: 'any' as const })));
      });
      await withTimeout(Promise.all(calls), 20_000, 'concurrent appendMany calls');
      for (const streamId of streams) expect((await store.readStream(streamId)).length).toBe(8);
    });
  }
});
