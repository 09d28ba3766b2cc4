import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, eventTypeFilter, START, type Position } from '@eventstore/db-client';
import {
  EventStoreDbEventStore,
  formatPosition,
  parsePosition,
  type EventStoreDbEventStoreOptions,
} from '../../src/event-store/esdb/esdb-event-store.js';
import {
  EventStoreUnavailableError,
  IdempotencyConflictError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type EventSubscription,
  type NewEvent,
  type RecordedEvent,
} from '../../src/event-store/event-store.port.js';
import { eventStoreContract } from '../contract/event-store.contract.js';
import { ESDB_MODES, startEsdbFixture, type EsdbFixture, type EsdbFixtureOptions } from './esdb-fixture.js';

const FAST_BACKOFF: EventStoreDbEventStoreOptions = { backoff: { initialDelayMs: 20, factor: 1.5, maxDelayMs: 200 } };

function event(type: string, data: Record<string, unknown> = {}, extra: Partial<NewEvent> = {}): NewEvent {
  return { type, data, ...extra };
}

function uniqueStream(prefix = 'customer'): string {
  return `${prefix}-${randomUUID()}`;
}

/** Pulls `count` events from a subscription, failing after `timeoutMs`. */
async function take(iterator: AsyncIterator<RecordedEvent>, count: number, timeoutMs = 5_000): Promise<RecordedEvent[]> {
  const received: RecordedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`Timed out: got ${received.length} of ${count} events`);
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), remaining);
      }),
    ]).finally(() => clearTimeout(timer));
    if (next === 'timeout') throw new Error(`Timed out: got ${received.length} of ${count} events`);
    if (next.done) throw new Error(`Subscription ended after ${received.length} of ${count} events`);
    received.push(next.value);
  }
  return received;
}

/** Consumes a subscription in the background, as a projection runner would. */
function collect(subscription: EventSubscription): { events: RecordedEvent[]; finished: Promise<unknown>; waitForCount(n: number, timeoutMs?: number): Promise<RecordedEvent[]> } {
  const events: RecordedEvent[] = [];
  const finished = (async () => {
    for await (const recorded of subscription) events.push(recorded);
  })();
  finished.catch(() => undefined);
  return {
    events,
    finished,
    async waitForCount(n, timeoutMs = 5_000) {
      await waitFor(() => events.length >= n, timeoutMs, `${n} events (got ${events.length})`);
      return events.slice(0, n);
    },
  };
}

/** Resolves when `predicate` holds, polling every 10 ms, or rejects after `timeoutMs`. */
async function waitFor(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out: ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const realConnectionString = process.env.EVENTSTORE_CONNECTION_STRING;

// The shared contract, on the fixture in both modes (a server before BatchAppend, and 24.10 with
// ServerFeatures + BatchAppend), with system events interleaved in $all as on a real server, and,
// when EVENTSTORE_CONNECTION_STRING is set, on a real EventStoreDB.
for (const mode of ESDB_MODES) {
  eventStoreContract(`EventStoreDbEventStore on the in-process EventStoreDB fixture (${mode})`, async () => {
    const fixture = await startEsdbFixture({ mode, systemEventEvery: 3 });
    const store = new EventStoreDbEventStore(fixture.connectionString, FAST_BACKOFF);
    return {
      store,
      concurrency: true,
      async close() {
        await store.close();
        await fixture.stop();
      },
    };
  });
}
if (realConnectionString) {
  eventStoreContract('EventStoreDbEventStore on EventStoreDB', async () => {
    const store = new EventStoreDbEventStore(realConnectionString, FAST_BACKOFF);
    return { store, concurrency: true, close: () => store.close() };
  });
}

describe.each(ESDB_MODES)('EventStoreDbEventStore on the in-process EventStoreDB fixture (%s)', (mode) => {
  let fixture: EsdbFixture;
  let store: EventStoreDbEventStore;

  async function open(options: EsdbFixtureOptions = {}): Promise<void> {
    fixture = await startEsdbFixture({ mode, ...options });
    store = new EventStoreDbEventStore(fixture.connectionString, FAST_BACKOFF);
  }

  afterEach(async () => {
    await store?.close();
    await fixture?.stop();
  });

  describe('positions', () => {
    it('formats commit positions as 20-digit sortable strings and parses them back', () => {
      expect(formatPosition(0n)).toBe('00000000000000000000');
      expect(formatPosition(9_223_372_036_854_775_807n)).toBe('09223372036854775807');
      expect(parsePosition(formatPosition(123_456n))).toEqual({ commit: 123_456n, prepare: 123_456n });
      expect(formatPosition(999n) < formatPosition(1_000n)).toBe(true);
      expect(() => parsePosition('12')).toThrow(RangeError);
      expect(() => parsePosition('0000000000000000000x')).toThrow(RangeError);
    });
  });

  describe('append and readStream', () => {
    beforeEach(() => open());

    it('appends with 0-based revisions and reads forwards, backwards and from a revision', async () => {
      const streamId = uniqueStream();
      const first = await store.append(streamId, [event('A', { n: 1 }), event('B', { n: 2 })], 'no_stream');
      expect(first.nextRevision).toBe(1);
      const second = await store.append(streamId, [event('C', { n: 3 })], 1);
      expect(second.nextRevision).toBe(2);
      expect(second.position > first.position).toBe(true);

      const forwards = await store.readStream(streamId);
      expect(forwards.map((e) => [e.type, e.revision, e.data])).toEqual([
        ['A', 0, { n: 1 }],
        ['B', 1, { n: 2 }],
        ['C', 2, { n: 3 }],
      ]);
      expect(forwards[2].position).toBe(second.position);
      expect(forwards.every((e) => e.streamId === streamId && e.recordedAt instanceof Date)).toBe(true);
      expect(forwards.every((e) => Math.abs(e.recordedAt.getTime() - Date.now()) < 60_000)).toBe(true);

      const backwards = await store.readStream(streamId, { direction: 'backwards' });
      expect(backwards.map((e) => e.revision)).toEqual([2, 1, 0]);
      expect((await store.readStream(streamId, { fromRevision: 1 })).map((e) => e.revision)).toEqual([1, 2]);
      expect((await store.readStream(streamId, { fromRevision: 1, direction: 'backwards' })).map((e) => e.revision)).toEqual([1, 0]);
      expect((await store.readStream(streamId, { maxCount: 2 })).map((e) => e.revision)).toEqual([0, 1]);
      expect(await store.readStream(streamId, { fromRevision: 5 })).toEqual([]);
    });

    it('throws our StreamNotFoundError for a missing stream', async () => {
      const streamId = uniqueStream();
      await expect(store.readStream(streamId)).rejects.toBeInstanceOf(StreamNotFoundError);
      await expect(store.readStream(streamId)).rejects.toMatchObject({ streamId });
      await expect(store.readStream(streamId, { direction: 'backwards', maxCount: 1 })).rejects.toBeInstanceOf(StreamNotFoundError);
    });

    it('round-trips schemaVersion and metadata, keeping the schema version out of the metadata', async () => {
      const streamId = uniqueStream();
      const actor = { id: 'u1', name: 'Ann', role: 'agent' };
      await store.append(streamId, [
        event('Upgraded', { plan: 'fiber' }, { schemaVersion: 3, metadata: { actor, correlationId: 'c-1' } }),
        event('Plain', { x: true }),
      ]);
      const [upgraded, plain] = await store.readStream(streamId);
      expect(upgraded.schemaVersion).toBe(3);
      expect(upgraded.metadata).toEqual({ actor, correlationId: 'c-1' });
      expect(plain.schemaVersion).toBe(1);
      expect(plain.metadata).toEqual({});

      // What a raw client sees: the version travels in the ESDB metadata.
      const raw = EventStoreDBClient.connectionString(fixture.connectionString);
      try {
        const rawEvents = [];
        for await (const resolved of raw.readStream(streamId)) rawEvents.push(resolved.event);
        expect(rawEvents[0]?.metadata).toEqual({ actor, correlationId: 'c-1', $schemaVersion: 3 });
        expect(rawEvents[0]?.isJson).toBe(true);
      } finally {
        await raw.dispose();
      }
    });
  });

  describe('expected revisions', () => {
    beforeEach(() => open());

    it('maps any / no_stream / stream_exists / n and reports WrongExpectedRevisionError with the actual revision', async () => {
      const streamId = uniqueStream();
      await expect(store.append(streamId, [event('A')], 'stream_exists')).rejects.toMatchObject({
        name: 'WrongExpectedRevisionError',
        streamId,
        expected: 'stream_exists',
        actual: 'no_stream',
      });
      await expect(store.append(streamId, [event('A')], 0)).rejects.toMatchObject({ expected: 0, actual: 'no_stream' });
      expect((await store.append(streamId, [event('A')], 'no_stream')).nextRevision).toBe(0);
      const noStream = store.append(streamId, [event('B')], 'no_stream');
      await expect(noStream).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(store.append(streamId, [event('B')], 'no_stream')).rejects.toMatchObject({ expected: 'no_stream', actual: 0 });
      expect((await store.append(streamId, [event('B')], 'stream_exists')).nextRevision).toBe(1);
      expect((await store.append(streamId, [event('C')], 'any')).nextRevision).toBe(2);
      expect((await store.append(streamId, [event('D')])).nextRevision).toBe(3);
      await expect(store.append(streamId, [event('E')], 2)).rejects.toMatchObject({ expected: 2, actual: 3 });
      await expect(store.append(streamId, [event('E')], 7)).rejects.toMatchObject({ expected: 7, actual: 3 });
      expect((await store.append(streamId, [event('E')], 3)).nextRevision).toBe(4);
      expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E']);
    });

    it('rejects an empty append and invalid expected revisions without calling the server', async () => {
      await expect(store.append(uniqueStream(), [])).rejects.toBeInstanceOf(RangeError);
      await expect(store.append(uniqueStream(), [event('A')], -1)).rejects.toBeInstanceOf(RangeError);
      await expect(store.append(uniqueStream(), [event('A')], 1.5)).rejects.toBeInstanceOf(RangeError);
    });

    it('lets exactly one of two concurrent writers with the same expected revision win', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('Created')], 'no_stream');
      const results = await Promise.allSettled([
        store.append(streamId, [event('Left')], 0),
        store.append(streamId, [event('Right')], 0),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected?.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(rejected?.reason).toMatchObject({ expected: 0, actual: 1 });
    });
  });

  describe('idempotent appends (event ids)', () => {
    beforeEach(() => open());

    it('acknowledges a retried batch without writing it twice, for exact, no_stream and any', async () => {
      const streamId = uniqueStream();
      const batch = [event('A', {}, { id: randomUUID() }), event('B', {}, { id: randomUUID() })];
      const first = await store.append(streamId, batch, 'no_stream');
      const retryNoStream = await store.append(streamId, batch, 'no_stream');
      expect(retryNoStream).toEqual(first); // position looked up: the server answers an idempotent write without one
      const retryAny = await store.append(streamId, batch, 'any');
      expect(retryAny).toEqual(first);

      const next = [event('C', {}, { id: randomUUID() })];
      const third = await store.append(streamId, next, 1);
      expect(await store.append(streamId, next, 1)).toEqual(third);
      expect(await store.append(streamId, next, 'stream_exists')).toEqual(third);

      const stored = await store.readStream(streamId);
      expect(stored.map((e) => e.id)).toEqual([batch[0].id, batch[1].id, next[0].id]);
    });

    it('reports a retry that only partly matches the stream as IdempotencyConflictError', async () => {
      const streamId = uniqueStream();
      const a = randomUUID();
      const b = randomUUID();
      await store.append(streamId, [event('A', {}, { id: a }), event('B', {}, { id: b })], 'no_stream');
      await expect(
        store.append(streamId, [event('A', {}, { id: a }), event('X', {}, { id: randomUUID() })], 'no_stream'),
      ).rejects.toBeInstanceOf(IdempotencyConflictError);
      await expect(
        store.append(streamId, [event('A', {}, { id: a }), event('X', {}, { id: randomUUID() })], 'any'),
      ).rejects.toMatchObject({ name: 'IdempotencyConflictError', streamId, eventId: a });
      // A plain conflict stays a WrongExpectedRevisionError.
      await expect(store.append(streamId, [event('Y', {}, { id: randomUUID() })], 0)).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect(await store.readStream(streamId)).toHaveLength(2);
    });
  });

  describe('readAll and headPosition', () => {
    beforeEach(() => open({ systemEventEvery: 2 }));

    it('is empty on a fresh database although $all holds system events', async () => {
      expect(fixture.eventCount()).toBeGreaterThan(0);
      expect(await store.readAll()).toEqual([]);
      expect(await store.headPosition()).toBeNull();
    });

    it('reads in position order, after a position (exclusive), with maxCount and filters, skipping system events', async () => {
      const customer = uniqueStream('customer');
      const invoice = uniqueStream('invoice');
      await store.append(customer, [event('CustomerRegistered'), event('CustomerRenamed')]);
      await store.append(invoice, [event('InvoiceIssued')]);
      await store.append(customer, [event('CustomerRenamed')]);
      await store.append(invoice, [event('InvoicePaid')]);

      const all = await store.readAll();
      expect(all.map((e) => e.type)).toEqual([
        'CustomerRegistered',
        'CustomerRenamed',
        'InvoiceIssued',
        'CustomerRenamed',
        'InvoicePaid',
      ]);
      expect(all.every((e) => !e.streamId.startsWith('$') && !e.type.startsWith('$'))).toBe(true);
      expect([...all.map((e) => e.position)].sort()).toEqual(all.map((e) => e.position));
      expect(new Set(all.map((e) => e.position)).size).toBe(all.length);

      expect((await store.readAll({ after: all[1].position })).map((e) => e.position)).toEqual(all.slice(2).map((e) => e.position));
      expect((await store.readAll({ after: all[4].position }))).toEqual([]);
      expect((await store.readAll({ after: all[0].position, maxCount: 2 })).map((e) => e.position)).toEqual(
        all.slice(1, 3).map((e) => e.position),
      );
      expect((await store.readAll({ filter: { streamPrefixes: ['invoice-'] } })).map((e) => e.type)).toEqual([
        'InvoiceIssued',
        'InvoicePaid',
      ]);
      expect((await store.readAll({ filter: { eventTypes: ['CustomerRenamed'] }, maxCount: 1 })).map((e) => e.position)).toEqual([
        all[1].position,
      ]);
      expect(await store.readAll({ filter: { eventTypes: [] } })).toEqual([]);

      // The newest event in $all is a system event here; headPosition skips it.
      expect(await store.headPosition()).toBe(all[4].position);
    });

    it('pages through more events than one server batch', async () => {
      const streamId = uniqueStream();
      for (let i = 0; i < 6; i++) {
        await store.append(streamId, Array.from({ length: 100 }, (_, n) => event('Tick', { n: i * 100 + n })));
      }
      const all = await store.readAll();
      expect(all.map((e) => e.data.n)).toEqual(Array.from({ length: 600 }, (_, n) => n));
      const tail = await store.readAll({ after: all[299].position, maxCount: 280 });
      expect(tail.map((e) => e.data.n)).toEqual(Array.from({ length: 280 }, (_, n) => 300 + n));
    });
  });

  describe('subscribeToAll', () => {
    let subscription: EventSubscription | undefined;
    beforeEach(() => open({ systemEventEvery: 3 }));
    afterEach(async () => {
      await subscription?.close();
      subscription = undefined;
    });

    it('catches up, then delivers live events, without system events', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('A'), event('B')]);
      subscription = store.subscribeToAll();
      const iterator = subscription[Symbol.asyncIterator]();
      expect((await take(iterator, 2)).map((e) => e.type)).toEqual(['A', 'B']);
      await store.append(streamId, [event('C')]);
      await store.append(streamId, [event('D')]);
      const live = await take(iterator, 2);
      expect(live.map((e) => e.type)).toEqual(['C', 'D']);
      expect(live[1].revision).toBe(3);
    });

    it('starts after a position (exclusive) and from the end', async () => {
      const streamId = uniqueStream();
      const first = await store.append(streamId, [event('A')]);
      await store.append(streamId, [event('B')]);
      subscription = store.subscribeToAll({ after: first.position });
      expect((await take(subscription[Symbol.asyncIterator](), 1)).map((e) => e.type)).toEqual(['B']);
      await subscription.close();
      await waitFor(() => fixture.liveSubscriptionCount() === 0, 5_000, 'the server to see the call cancelled');

      subscription = store.subscribeToAll({ after: 'end' });
      const iterator = subscription[Symbol.asyncIterator]();
      // The subscription goes live asynchronously (the port promises no more): wait until it is.
      await waitFor(() => fixture.liveSubscriptionCount() === 1, 5_000, 'the subscription to be live');
      await store.append(streamId, [event('C')]);
      expect((await take(iterator, 1)).map((e) => e.type)).toEqual(['C']);
    });

    it('applies stream-prefix and event-type filters', async () => {
      const customer = uniqueStream('customer');
      const invoice = uniqueStream('invoice');
      await store.append(customer, [event('CustomerRegistered')]);
      await store.append(invoice, [event('InvoiceIssued')]);
      await store.append(customer, [event('CustomerRegisteredV2')]);

      subscription = store.subscribeToAll({ filter: { streamPrefixes: ['invoice-'] } });
      const invoices = subscription[Symbol.asyncIterator]();
      const byType = store.subscribeToAll({ filter: { eventTypes: ['CustomerRegistered', 'InvoicePaid'] } });
      try {
        const types = byType[Symbol.asyncIterator]();
        expect((await take(invoices, 1)).map((e) => e.type)).toEqual(['InvoiceIssued']);
        expect((await take(types, 1)).map((e) => e.type)).toEqual(['CustomerRegistered']);
        await store.append(invoice, [event('InvoicePaid')]);
        expect((await take(invoices, 1)).map((e) => e.type)).toEqual(['InvoicePaid']);
        expect((await take(types, 1)).map((e) => e.type)).toEqual(['InvoicePaid']); // not CustomerRegisteredV2
      } finally {
        await byType.close();
      }
    });

    it('resubscribes after the server drops it, without losing or repeating events', async () => {
      const drops: unknown[] = [];
      await store.close();
      store = new EventStoreDbEventStore(fixture.connectionString, {
        ...FAST_BACKOFF,
        onSubscriptionDropped: ({ error }) => drops.push(error),
      });
      const streamId = uniqueStream();
      let n = 0;
      const next = (count: number) => Array.from({ length: count }, () => event('E', { n: n++ }));
      await store.append(streamId, next(2));
      subscription = store.subscribeToAll({ filter: { streamPrefixes: ['customer-'] } });
      const consumer = collect(subscription);
      await consumer.waitForCount(2);

      for (let round = 0; round < 3; round++) {
        await waitFor(() => fixture.liveSubscriptionCount() === 1, 5_000, 'the subscription to be live');
        fixture.dropSubscriptions();
        // Written while the adapter is backing off / resubscribing.
        await store.append(streamId, next(2));
        await consumer.waitForCount(n);
        await store.append(streamId, next(1));
        await consumer.waitForCount(n);
      }
      await new Promise((resolve) => setTimeout(resolve, 100)); // would a duplicate show up?

      expect(consumer.events.map((e) => e.data.n)).toEqual(Array.from({ length: 11 }, (_, i) => i));
      expect(consumer.events.map((e) => e.revision)).toEqual(Array.from({ length: 11 }, (_, i) => i));
      expect(new Set(consumer.events.map((e) => e.id)).size).toBe(11);
      expect(drops).toHaveLength(3);
      expect(drops.every((error) => error instanceof EventStoreUnavailableError)).toBe(true);
    });

    it('resubscribes a subscription that dropped while nobody was iterating', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('A')]);
      subscription = store.subscribeToAll();
      const iterator = subscription[Symbol.asyncIterator]();
      expect((await take(iterator, 1)).map((e) => e.type)).toEqual(['A']);
      await waitFor(() => fixture.liveSubscriptionCount() === 1, 5_000, 'the subscription to be live');
      fixture.dropSubscriptions(); // the consumer is not waiting in next() right now
      await store.append(streamId, [event('B')]);
      expect((await take(iterator, 1)).map((e) => e.type)).toEqual(['B']);
    });

    it('resumes an END subscription that dropped before its first event from the head it started at', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('Old')]);
      subscription = store.subscribeToAll({ after: 'end' });
      const consumer = collect(subscription);
      await waitFor(() => fixture.liveSubscriptionCount() === 1, 5_000, 'the subscription to be live');
      fixture.dropSubscriptions();
      await store.append(streamId, [event('New')]);
      expect((await consumer.waitForCount(1)).map((e) => e.type)).toEqual(['New']);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(consumer.events).toHaveLength(1);
    });

    it('keeps resubscribing however often it is dropped', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('A')]);
      subscription = store.subscribeToAll();
      const consumer = collect(subscription);
      await consumer.waitForCount(1);
      for (let i = 0; i < 5; i++) {
        await waitFor(() => fixture.liveSubscriptionCount() === 1, 5_000, `resubscription ${i}`);
        fixture.dropSubscriptions();
      }
      await store.append(streamId, [event('B')]);
      expect((await consumer.waitForCount(2)).map((e) => e.type)).toEqual(['A', 'B']);
    });

    it('close() ends a pending iteration promptly and cancels the gRPC call', async () => {
      subscription = store.subscribeToAll();
      const iterator = subscription[Symbol.asyncIterator]();
      const pending = iterator.next();
      await waitFor(() => fixture.liveSubscriptionCount() === 1, 5_000, 'the subscription to be live');
      const started = Date.now();
      await subscription.close();
      await expect(withTimeout(pending, 1_000, 'pending next() after close()')).resolves.toEqual({ done: true, value: undefined });
      expect(Date.now() - started).toBeLessThan(1_000);
      await waitFor(() => fixture.liveSubscriptionCount() === 0, 2_000, 'the server to see the call cancelled');
    });

    it('close() also interrupts the backoff wait, and for-await ends normally', async () => {
      await store.close();
      store = new EventStoreDbEventStore(fixture.connectionString, { backoff: { initialDelayMs: 60_000 } });
      const streamId = uniqueStream();
      await store.append(streamId, [event('A')]);
      subscription = store.subscribeToAll();
      const seen: string[] = [];
      const consumer = (async () => {
        for await (const e of subscription!) seen.push(e.type);
      })();
      await waitFor(() => seen.length === 1, 5_000, 'the first event');
      fixture.dropSubscriptions(); // now waiting 60 s before resubscribing
      await new Promise((resolve) => setTimeout(resolve, 50));
      await subscription.close();
      await withTimeout(consumer, 1_000, 'the for-await loop to end');
      expect(seen).toEqual(['A']);
    });

    it('breaking out of for-await cancels the server call', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('A'), event('B')]);
      subscription = store.subscribeToAll();
      for await (const e of subscription) {
        expect(e.type).toBe('A');
        break;
      }
      await waitFor(() => fixture.liveSubscriptionCount() === 0, 2_000, 'the server to see the call cancelled');
    });

    it('store.close() closes open subscriptions', async () => {
      subscription = store.subscribeToAll();
      const pending = subscription[Symbol.asyncIterator]().next();
      await waitFor(() => fixture.liveSubscriptionCount() === 1, 5_000, 'the subscription to be live');
      await store.close();
      await expect(withTimeout(pending, 2_000, 'pending next() after store.close()')).resolves.toMatchObject({ done: true });
      await waitFor(() => fixture.liveSubscriptionCount() === 0, 2_000, 'the server to see the call cancelled');
    });
  });

  describe('close()', () => {
    beforeEach(() => open());

    it('fails reads still in flight instead of leaving them hanging', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('A')]);
      const release = fixture.holdReads();
      try {
        const reads: Array<Promise<unknown>> = [store.readAll(), store.readStream(streamId), store.headPosition()];
        reads.forEach((read) => read.catch(() => undefined));
        await new Promise((resolve) => setTimeout(resolve, 50));
        await withTimeout(store.close(), 2_000, 'store.close()');
        for (const read of reads) {
          await expect(withTimeout(read, 1_000, 'the read to fail')).rejects.toThrow('EventStoreDbEventStore is closed');
        }
        await expect(store.readAll()).rejects.toThrow('closed');
      } finally {
        release();
      }
    });
  });

  describe('fixture protocol details (raw client)', () => {
    beforeEach(() => open());

    it('sends confirmation, caught-up and checkpoints on a filtered $all subscription', async () => {
      const client = EventStoreDBClient.connectionString(fixture.connectionString);
      const streamId = uniqueStream();
      await store.append(streamId, Array.from({ length: 40 }, () => event('Tick')));
      const checkpoints: Position[] = [];
      const subscription = client.subscribeToAll({
        fromPosition: START,
        filter: eventTypeFilter({ prefixes: ['Tick'], checkpointInterval: 1, checkpointReached: (_s, p) => void checkpoints.push(p) }),
      });
      let confirmed = false;
      let caughtUp = false;
      subscription.on('confirmation', () => (confirmed = true));
      subscription.on('caughtUp', () => (caughtUp = true));
      const types: Array<string | undefined> = [];
      subscription.on('data', (resolved: { event?: { type: string } }) => types.push(resolved.event?.type));
      try {
        await waitFor(() => caughtUp && types.length === 40, 5_000, 'catch-up');
        expect(confirmed).toBe(true);
        expect(new Set(types)).toEqual(new Set(['Tick']));
        // Every 32 events considered (system events included) and one at the head.
        expect(checkpoints.length).toBeGreaterThanOrEqual(2);
        expect(checkpoints.every((p) => p.commit === p.prepare)).toBe(true);
      } finally {
        await subscription.unsubscribe();
        await client.dispose();
      }
    });
  });
});

(realConnectionString ? describe : describe.skip)('EventStoreDbEventStore on a real EventStoreDB', () => {
  it('appends, reads and subscribes', async () => {
    const store = new EventStoreDbEventStore(realConnectionString!, FAST_BACKOFF);
    try {
      const streamId = uniqueStream();
      const result = await store.append(streamId, [event('A'), event('B')], 'no_stream');
      expect(result.nextRevision).toBe(1);
      await expect(store.append(streamId, [event('C')], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      const subscription = store.subscribeToAll({ after: (await store.readStream(streamId))[0].position });
      try {
        const [next] = await take(subscription[Symbol.asyncIterator](), 1);
        expect(next).toMatchObject({ streamId, type: 'B' });
      } finally {
        await subscription.close();
      }
    } finally {
      await store.close();
    }
  });
});
