import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/database/database.js';
import { IdempotencyConflictError, type RecordedEvent } from '../../src/event-store/event-store.port.js';
import { migrateEventStore } from '../../src/event-store/postgres/event-store-migrations.js';
import { EVENTS_CHANNEL, PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.js';
import { databaseBackends, openTestPGlite, openTestPostgres, postgresUrl, type TestDatabase } from '../support/test-databases.js';
import {
  eventStoreContract,
  expectIncreasing,
  newEvent,
  readAllOf,
  sleep,
  SubscriptionReader,
  uniquePrefix,
  type ContractBackend,
} from './event-store.contract.js';

async function openBackend(open: () => Promise<TestDatabase>, concurrency: boolean): Promise<ContractBackend> {
  const testDatabase = await open();
  await migrateEventStore(testDatabase.database.db);
  const store = new PostgresEventStore(testDatabase.database);
  return {
    store,
    concurrency,
    pgUrl: testDatabase.url,
    async close() {
      await store.close();
      await testDatabase.close();
    },
  };
}

eventStoreContract('PostgresEventStore on PGlite', () => openBackend(() => openTestPGlite(), false));
if (postgresUrl) eventStoreContract('PostgresEventStore on PostgreSQL', () => openBackend(() => openTestPostgres(), true));

/** The same store SQL, run inside a transaction the test controls (and may keep open). */
function storeIn(database: Database, transaction: Kysely<any>): PostgresEventStore {
  return new PostgresEventStore({ ...database, db: transaction });
}

/** The sequence half of a position: the naive order a bigserial-only store would deliver in. */
function sequenceOf(position: string): bigint {
  return BigInt(position.split(':')[1]);
}

const ids = (events: ReadonlyArray<{ id?: string }>) => events.map((event) => event.id);
const summary = (events: readonly RecordedEvent[]) =>
  events.map((event) => ({ id: event.id, streamId: event.streamId, revision: event.revision, position: event.position }));

class Rollback extends Error {}

describe.each(databaseBackends)('PostgresEventStore specifics on $name', ({ open }) => {
  let testDatabase: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    testDatabase = await open();
    await migrateEventStore(testDatabase.database.db);
    await migrateEventStore(testDatabase.database.db); // a second run finds nothing to do
    store = new PostgresEventStore(testDatabase.database, { pollIntervalMs: 200 });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await testDatabase?.close();
  });

  it('answers a retried batch with exactly the original result, and names the overlapping id', async () => {
    const stream = `${uniquePrefix()}order`;
    const batch = [newEvent('Opened'), newEvent('Noted')];
    const first = await store.append(stream, batch, 'no_stream');
    await store.append(stream, [newEvent('Noted')], 1);
    expect(await store.append(stream, batch, 'no_stream')).toEqual(first);
    expect(await store.append(stream, batch, 1)).toEqual(first);

    const elsewhere = store.append(`${stream}-other`, batch, 'any');
    await expect(elsewhere).rejects.toBeInstanceOf(IdempotencyConflictError);
    const reordered = store.append(stream, [batch[1], batch[0]], 'any');
    await expect(reordered).rejects.toMatchObject({ streamId: stream, eventId: batch[1].id });
  });

  it('answers the same batch sent twice at once as one append', async () => {
    const stream = `${uniquePrefix()}order`;
    await store.append(stream, [newEvent('Opened')], 'no_stream');
    const batch = [newEvent('Noted'), newEvent('Noted')];
    const results = await Promise.all([store.append(stream, batch, 'any'), store.append(stream, batch, 'any')]);
    expect(results[0]).toEqual(results[1]);
    expect((await store.readStream(stream)).map((event) => event.revision)).toEqual([0, 1, 2]);
  });

  it('gives events appended without an id time-ordered ids (UUID version 7), increasing in append order', async () => {
    const stream = `${uniquePrefix()}order`;
    await store.append(stream, [{ type: 'Opened', data: {} }, { type: 'Noted', data: {} }], 'no_stream');
    await store.appendMany([{ streamId: stream, events: [{ type: 'Noted', data: {} }], expectedRevision: 1 }]);
    await store.append(stream, [{ type: 'Noted', data: {} }], 2);
    const stored = ids(await store.readStream(stream));
    expect(stored).toHaveLength(4);
    for (const id of stored) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...stored].sort()).toEqual(stored);
    expect(new Set(stored).size).toBe(4);
  });

  it('rejects positions it did not issue', async () => {
    await expect(store.readAll({ after: '42' })).rejects.toBeInstanceOf(RangeError);
    expect(() => store.subscribeToAll({ after: 'x:y' })).toThrow(RangeError);
  });

  it('announces appends with NOTIFY, so a store in another process wakes without polling', async () => {
    const payloads: string[] = [];
    const unlisten = await testDatabase.database.listen(EVENTS_CHANNEL, (payload) => payloads.push(payload));
    const listening = new PostgresEventStore(testDatabase.database, { pollIntervalMs: 60_000 });
    try {
      const prefix = uniquePrefix();
      const reader = new SubscriptionReader(listening.subscribeToAll({ filter: { streamPrefixes: [prefix] } }), prefix);
      const taking = reader.take(1, 10_000);
      await sleep(300); // caught up (nothing yet) and waiting
      const event = newEvent('Noted');
      await store.append(`${prefix}order`, [event], 'no_stream');
      expect(ids(await taking)).toEqual([event.id]);
      for (let waited = 0; payloads.length === 0 && waited < 2_000; waited += 20) await sleep(20);
      expect(payloads.length).toBeGreaterThan(0);
    } finally {
      await listening.close();
      await unlisten();
    }
  });

  it('ends a waiting subscription at once on close() and releases its LISTEN session', async () => {
    const patient = new PostgresEventStore(testDatabase.database, { pollIntervalMs: 60_000 });
    const listenSessions = async () => {
      if (testDatabase.database.kind !== 'postgres') return 0; // PGlite has no sessions to count
      const { rows } = await sql<{ count: number }>`
        SELECT count(*)::int AS count FROM pg_stat_activity
        WHERE datname = current_database() AND query ILIKE 'LISTEN%'
      `.execute(testDatabase.database.db);
      return rows[0].count;
    };
    try {
      const subscription = patient.subscribeToAll({ after: 'end', filter: { streamPrefixes: [uniquePrefix()] } });
      const iteration = (async () => {
        for await (const _ of subscription) throw new Error('no event expected');
      })();
      await sleep(300); // waiting, with a minute to go before its next poll
      expect(await listenSessions()).toBe(testDatabase.database.kind === 'postgres' ? 1 : 0);
      const closing = Date.now();
      await subscription.close();
      await iteration;
      expect(Date.now() - closing).toBeLessThan(1_000);
      for (let waited = 0; (await listenSessions()) > 0 && waited < 5_000; waited += 50) await sleep(50);
      expect(await listenSessions()).toBe(0);
    } finally {
      await patient.close();
    }
  });

  it('polls when no announcement comes', async () => {
    const prefix = uniquePrefix();
    const reader = new SubscriptionReader(store.subscribeToAll({ filter: { streamPrefixes: [prefix] } }), prefix);
    const taking = reader.take(1, 10_000);
    await sleep(300); // caught up (nothing yet) and waiting
    const event = newEvent('Noted');
    // es_append called directly announces nothing.
    const payload = JSON.stringify([{ id: event.id, type: event.type, data: event.data }]);
    await sql`SELECT es_append(${`${prefix}order`}, 'no_stream', ${payload}::text::jsonb)`.execute(testDatabase.database.db);
    expect(ids(await taking)).toEqual([event.id]);
    await reader.subscription.close();
  });
});

/**
 * Races that need real concurrent sessions: a second session keeps transactions open while the
 * store's own pool appends and its subscriber reads.
 */
(postgresUrl ? describe : describe.skip)('PostgresEventStore global order under concurrent transactions (PostgreSQL)', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let store: PostgresEventStore;

  beforeAll(async () => {
    testDatabase = await openTestPostgres(24);
    database = testDatabase.database;
    await migrateEventStore(database.db);
    store = new PostgresEventStore(database, { pollIntervalMs: 200 });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await testDatabase?.close();
  });

  async function liveReader(prefix: string): Promise<SubscriptionReader> {
    const head = await store.headPosition();
    return new SubscriptionReader(
      store.subscribeToAll({ after: head ?? undefined, filter: { streamPrefixes: [prefix] } }),
      prefix,
    );
  }

  /** Opens a transaction, runs `first` in it, and keeps it open until `finish` is called. */
  function openTransaction(first: (transaction: Kysely<any>) => Promise<unknown>) {
    let finish!: (then: (transaction: Kysely<any>) => Promise<unknown>) => void;
    const finishing = new Promise<(transaction: Kysely<any>) => Promise<unknown>>((resolve) => (finish = resolve));
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const done = database.db.transaction().execute(async (transaction) => {
      await first(transaction);
      ready();
      await (await finishing)(transaction);
    });
    done.catch(() => undefined);
    return { started, finish, done };
  }

  for (const slowWrites of ['after', 'before'] as const) {
    it(`delivers a slow transaction that began first before a fast one, when the slow one writes ${slowWrites} the fast one`, async () => {
      const prefix = uniquePrefix();
      const reader = await liveReader(prefix);
      const slowEvent = newEvent('Slow');
      const fastEvent = newEvent('Fast');
      let slowPosition = '';
      const appendSlow = async (transaction: Kysely<any>) => {
        slowPosition = (await storeIn(database, transaction).append(`${prefix}slow`, [slowEvent], 'no_stream')).position;
      };
      // Either way the slow transaction takes its id before the fast one starts.
      const slow = openTransaction((transaction) =>
        slowWrites === 'before' ? appendSlow(transaction) : sql`SELECT pg_current_xact_id()`.execute(transaction),
      );
      await slow.started;
      const fast = await store.append(`${prefix}fast`, [fastEvent], 'no_stream');

      // A reader by sequence alone already sees the fast event; a checkpoint taken there would
      // pass over the slow event, which commits later (with a lower sequence, when it wrote first).
      const naive = await sql<{ event_id: string }>`
        SELECT event_id FROM es_events WHERE starts_with(stream_id, ${prefix}) ORDER BY global_position
      `.execute(database.db);
      expect(naive.rows.map((row) => row.event_id)).toEqual([fastEvent.id]);
      expect(await store.readAll({ filter: { streamPrefixes: [prefix] } })).toEqual([]);
      const head = await store.headPosition();
      expect(head === null || head < fast.position).toBe(true);
      await expect(reader.take(1, 1_000)).rejects.toThrow(/Timed out/);

      slow.finish(slowWrites === 'after' ? appendSlow : async () => undefined);
      await slow.done;
      const delivered = await reader.take(2);
      expect(ids(delivered)).toEqual([slowEvent.id, fastEvent.id]);
      expect(delivered.map((event) => event.position)).toEqual([slowPosition, fast.position]);
      expect(summary(delivered)).toEqual(summary(await readAllOf(store, prefix, 2)));
      expect(sequenceOf(slowPosition) < sequenceOf(fast.position)).toBe(slowWrites === 'before');
      await reader.subscription.close();
    });
  }

  it('is not blocked by rolled-back appends (burnt sequence values)', async () => {
    const prefix = uniquePrefix();
    const reader = await liveReader(prefix);
    const first = await store.append(`${prefix}a`, [newEvent('Noted')], 'no_stream');

    let burntPosition = '';
    await database.db
      .transaction()
      .execute(async (transaction) => {
        burntPosition = (await storeIn(database, transaction).append(`${prefix}b`, [newEvent('Burnt')], 'no_stream')).position;
        throw new Rollback();
      })
      .catch((error) => {
        if (!(error instanceof Rollback)) throw error;
      });

    // One more rolled back after being held open while a later append commits.
    const held = openTransaction((transaction) =>
      storeIn(database, transaction).append(`${prefix}b`, [newEvent('Burnt')], 'no_stream'),
    );
    await held.started;
    const second = await store.append(`${prefix}a`, [newEvent('Noted')], 0);
    held.finish(async () => {
      throw new Rollback();
    });
    await held.done.catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });

    const delivered = await reader.take(2);
    expect(delivered.map((event) => event.position)).toEqual([first.position, second.position]);
    expect(sequenceOf(first.position) < sequenceOf(burntPosition)).toBe(true);
    expect(sequenceOf(burntPosition) < sequenceOf(second.position)).toBe(true);
    expect(summary(await readAllOf(store, prefix, 2))).toEqual(summary(delivered));
    expect(await store.headPosition()).not.toBeNull();
    await reader.subscription.close();
  });

  it('delivers every event of 16 concurrent writers exactly once, in the final readAll order', async () => {
    const prefix = uniquePrefix();
    const head = await store.headPosition();
    const subscription = store.subscribeToAll({ after: head ?? undefined, filter: { streamPrefixes: [prefix] } });
    // Consumed while the writers run, so it reads between their commits.
    const delivered: RecordedEvent[] = [];
    const consuming = (async () => {
      for await (const event of subscription) {
        delivered.push(event);
      }
    })();
    const writers = 16;
    const appendsPerWriter = 8;
    const committed = new Set<string>();

    const randomSleep = (transaction: Kysely<any>) =>
      sql`SELECT pg_sleep(${Math.random() * 0.03})`.execute(transaction);

    async function writer(index: number): Promise<void> {
      const stream = `${prefix}w${index}`;
      let revision: number | 'no_stream' = 'no_stream';
      for (let round = 0; round < appendsPerWriter; round++) {
        const events = Array.from({ length: 1 + ((index + round) % 3) }, () => newEvent('Written', { index, round }));
        const mode = (index + round) % 4;
        if (mode === 0) {
          // A short append on the store's own pool.
          revision = (await store.append(stream, events, revision)).nextRevision;
        } else {
          // A transaction that takes its id early (mode 2), sleeps around its append, and
          // sometimes rolls back (mode 3), so commit order differs from id and sequence order.
          const rollBack = mode === 3;
          const expected: number | 'no_stream' = revision;
          const outcome = await database.db
            .transaction()
            .execute(async (transaction) => {
              if (mode === 2) await sql`SELECT pg_current_xact_id()`.execute(transaction);
              await randomSleep(transaction);
              const result = await storeIn(database, transaction).append(stream, events, expected);
              await randomSleep(transaction);
              if (rollBack) throw new Rollback();
              return result.nextRevision;
            })
            .catch((error) => {
              if (error instanceof Rollback) return null;
              throw error;
            });
          if (outcome === null) continue;
          revision = outcome;
        }
        for (const event of events) committed.add(event.id);
      }
    }

    await Promise.all(Array.from({ length: writers }, (_, index) => writer(index)));
    const deliveredDuringWrites = delivered.length;
    for (let waited = 0; delivered.length < committed.size && waited < 20_000; waited += 50) await sleep(50);
    await sleep(700); // and nothing more arrives
    await subscription.close();
    await consuming;

    expect(new Set(ids(delivered))).toEqual(committed);
    expect(delivered).toHaveLength(committed.size);
    expectIncreasing(delivered.map((event) => event.position));
    expect(summary(delivered)).toEqual(summary(await readAllOf(store, prefix, committed.size)));
    const perStream = new Map<string, number[]>();
    for (const event of delivered) perStream.set(event.streamId, [...(perStream.get(event.streamId) ?? []), event.revision]);
    for (const revisions of perStream.values()) expect(revisions).toEqual(revisions.map((_, index) => index));
    // The race really happened: somewhere the sequence runs against the delivery order.
    const inversions = delivered.filter(
      (event, index) => index > 0 && sequenceOf(event.position) < sequenceOf(delivered[index - 1].position),
    ).length;
    expect(inversions).toBeGreaterThan(0);
    expect(deliveredDuringWrites).toBeGreaterThan(0);
  }, 45_000);
});
