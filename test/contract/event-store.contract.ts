import { randomBytes, randomUUID } from 'node:crypto';
import {
  IdempotencyConflictError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type EventStore,
  type EventSubscription,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from '../../src/event-store/event-store.port.js';

export interface ContractBackend {
  store: EventStore;
  close(): Promise<void>;
  /** True when the backend serves appends on several connections at once (heavier race tests). */
  concurrency?: boolean;
  /** Connection string of the backing PostgreSQL database, for adapter-specific checks. */
  pgUrl?: string;
}

/**
 * The behaviour every EventStore adapter must share. Written to pass on EventStoreDB as well:
 * every test uses its own stream prefix and ignores everything else in $all (system streams,
 * other tests), and positions are compared only by order and equality.
 */
export function eventStoreContract(backendName: string, factory: () => Promise<ContractBackend>): void {
  describe(`EventStore contract: ${backendName}`, () => {
    let backend: ContractBackend;
    const subscriptions: EventSubscription[] = [];
    const store = () => backend.store;
    const subscribe = (options: SubscribeOptions) => {
      const subscription = store().subscribeToAll(options);
      subscriptions.push(subscription);
      return subscription;
    };

    beforeAll(async () => {
      backend = await factory();
    }, 60_000);
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
    });
    afterAll(async () => {
      await backend?.close();
    });

    describe('append with an expected revision', () => {
      it("'any' creates a stream and appends to an existing one", async () => {
        const stream = `${uniquePrefix()}order`;
        expect((await store().append(stream, [newEvent('Opened'), newEvent('Noted')], 'any')).nextRevision).toBe(1);
        expect((await store().append(stream, [newEvent('Noted')], 'any')).nextRevision).toBe(2);
        expect(revisions(await store().readStream(stream))).toEqual([0, 1, 2]);
      });

      it("'no_stream' appends to a new stream and refuses an existing one", async () => {
        const stream = `${uniquePrefix()}order`;
        const first = await store().append(stream, [newEvent('Opened'), newEvent('Noted')], 'no_stream');
        expect(first.nextRevision).toBe(1);

        const error = await rejection(store().append(stream, [newEvent('Opened')], 'no_stream'), WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId: stream, expected: 'no_stream', actual: 1 });
        expect(revisions(await store().readStream(stream))).toEqual([0, 1]);
      });

      it("'stream_exists' refuses a new stream and appends to an existing one", async () => {
        const stream = `${uniquePrefix()}order`;
        const error = await rejection(store().append(stream, [newEvent('Noted')], 'stream_exists'), WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId: stream, expected: 'stream_exists', actual: 'no_stream' });
        await expect(store().readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);

        await store().append(stream, [newEvent('Opened')], 'no_stream');
        expect((await store().append(stream, [newEvent('Noted')], 'stream_exists')).nextRevision).toBe(1);
      });

      it('an exact revision appends only when it is the current one', async () => {
        const stream = `${uniquePrefix()}order`;
        const missing = await rejection(store().append(stream, [newEvent('Opened')], 0), WrongExpectedRevisionError);
        expect(missing).toMatchObject({ streamId: stream, expected: 0, actual: 'no_stream' });

        await store().append(stream, [newEvent('Opened'), newEvent('Noted')], 'no_stream');
        expect((await store().append(stream, [newEvent('Noted')], 1)).nextRevision).toBe(2);

        const behind = await rejection(store().append(stream, [newEvent('Noted')], 1), WrongExpectedRevisionError);
        expect(behind).toMatchObject({ streamId: stream, expected: 1, actual: 2 });
        const ahead = await rejection(store().append(stream, [newEvent('Noted')], 7), WrongExpectedRevisionError);
        expect(ahead).toMatchObject({ streamId: stream, expected: 7, actual: 2 });

        expect(revisions(await store().readStream(stream))).toEqual([0, 1, 2]);
        expect((await store().append(stream, [newEvent('Noted')], 2)).nextRevision).toBe(3);
      });

      it('writes a batch as consecutive revisions and returns the position of its last event', async () => {
        const stream = `${uniquePrefix()}order`;
        const batch = [newEvent('Opened'), newEvent('Noted'), newEvent('Closed')];
        const result = await store().append(stream, batch, 'no_stream');
        const stored = await store().readStream(stream);
        expect(stored.map((event) => [event.id, event.revision])).toEqual(batch.map((event, index) => [event.id, index]));
        expectIncreasing(stored.map((event) => event.position));
        expect(result).toEqual({ nextRevision: 2, position: stored[2].position });
      });

      it('lets exactly one of several concurrent appends with the same expected revision win', async () => {
        const writers = backend.concurrency ? 16 : 4;
        for (let round = 0; round < 3; round++) {
          const stream = `${uniquePrefix()}race`;
          const expected = round === 0 ? 'no_stream' : 0;
          if (expected === 0) await store().append(stream, [newEvent('Opened')], 'no_stream');
          const batches = Array.from({ length: writers }, () => [newEvent('Raced'), newEvent('Raced')]);
          const outcomes = await Promise.allSettled(batches.map((batch) => store().append(stream, batch, expected)));

          const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
          expect(winners).toHaveLength(1);
          const winner = outcomes[winners[0]] as PromiseFulfilledResult<{ nextRevision: number }>;
          for (const outcome of outcomes) {
            if (outcome.status === 'fulfilled') continue;
            expect(outcome.reason).toBeInstanceOf(WrongExpectedRevisionError);
            expect(outcome.reason).toMatchObject({ streamId: stream, expected, actual: winner.value.nextRevision });
          }
          const stored = await store().readStream(stream);
          expect(stored.slice(-2).map((event) => event.id)).toEqual(batches[winners[0]].map((event) => event.id));
          expect(revisions(stored)).toEqual(expected === 0 ? [0, 1, 2] : [0, 1]);
        }
      });
    });

    describe('idempotent append (same event ids)', () => {
      it('answers a retried batch with the original result and writes nothing', async () => {
        const stream = `${uniquePrefix()}order`;
        const batch = [newEvent('Opened'), newEvent('Noted')];
        const first = await store().append(stream, batch, 'no_stream');

        for (const expected of ['no_stream', 'any', 'stream_exists'] as const) {
          expect((await store().append(stream, batch, expected)).nextRevision).toBe(first.nextRevision);
        }
        expect(ids(await store().readStream(stream))).toEqual(ids(batch));
      });

      it('still answers the retry after the stream has moved on', async () => {
        const stream = `${uniquePrefix()}order`;
        const batch = [newEvent('Opened'), newEvent('Noted')];
        await store().append(stream, batch, 'no_stream');
        const later = newEvent('Closed');
        await store().append(stream, [later], 1);

        expect((await store().append(stream, batch, 'no_stream')).nextRevision).toBe(1);
        expect((await store().append(stream, [later], 1)).nextRevision).toBe(2);
        expect(ids(await store().readStream(stream))).toEqual([...ids(batch), later.id]);
      });

      it('refuses a batch that only partly matches what was stored', async () => {
        const stream = `${uniquePrefix()}order`;
        const batch = [newEvent('Opened'), newEvent('Noted')];
        await store().append(stream, batch, 'no_stream');

        const overlapping = [
          { events: [batch[1], newEvent('Closed')], expected: 'any' as const },
          { events: [batch[0], newEvent('Closed')], expected: 'no_stream' as const },
        ];
        for (const { events, expected } of overlapping) {
          const error = await store().append(stream, events, expected).then(
            () => null,
            (reason: unknown) => reason,
          );
          // EventStoreDB reports a corrupted idempotency as a wrong expected version.
          expect(error instanceof IdempotencyConflictError || error instanceof WrongExpectedRevisionError).toBe(true);
        }
        expect(ids(await store().readStream(stream))).toEqual(ids(batch));
      });
    });

    describe('readStream', () => {
      it('reads forwards and backwards, from an inclusive revision, up to a count', async () => {
        const stream = `${uniquePrefix()}order`;
        const batch = Array.from({ length: 5 }, (_, index) => newEvent('Noted', { index }));
        await store().append(stream, batch, 'no_stream');

        expect(revisions(await store().readStream(stream))).toEqual([0, 1, 2, 3, 4]);
        expect(revisions(await store().readStream(stream, { direction: 'backwards' }))).toEqual([4, 3, 2, 1, 0]);
        expect(revisions(await store().readStream(stream, { fromRevision: 2 }))).toEqual([2, 3, 4]);
        expect(revisions(await store().readStream(stream, { fromRevision: 2, maxCount: 2 }))).toEqual([2, 3]);
        expect(revisions(await store().readStream(stream, { direction: 'backwards', fromRevision: 2 }))).toEqual([2, 1, 0]);
        expect(revisions(await store().readStream(stream, { direction: 'backwards', maxCount: 2 }))).toEqual([4, 3]);
        expect(await store().readStream(stream, { fromRevision: 5 })).toEqual([]);
      });

      it('returns the whole envelope as appended', async () => {
        const stream = `${uniquePrefix()}order`;
        const event: NewEvent = {
          id: randomUUID(),
          type: 'CustomerRenamed',
          schemaVersion: 2,
          data: { before: 'Ann', after: 'Anna', tags: ['a', 'b'], nested: { n: 1 } },
          metadata: {
            actor: { id: 'admin-1', name: 'Admin', role: 'admin' },
            correlationId: randomUUID(),
            causationId: randomUUID(),
            ip: '10.0.0.1',
            userAgent: 'jest',
            occurredAt: '2024-03-01T10:00:00.000Z',
          },
        };
        const before = Date.now();
        const { position } = await store().append(stream, [event], 'no_stream');
        const [stored] = await store().readStream(stream);
        expect(stored).toMatchObject({
          id: event.id,
          type: event.type,
          schemaVersion: 2,
          data: event.data,
          streamId: stream,
          revision: 0,
          position,
        });
        expect(stored.metadata).toMatchObject(event.metadata!);
        expect(stored.recordedAt).toBeInstanceOf(Date);
        expect(Math.abs(stored.recordedAt.getTime() - before)).toBeLessThan(60_000);
      });

      it('throws StreamNotFoundError for a stream without events', async () => {
        const stream = `${uniquePrefix()}missing`;
        const error = await rejection(store().readStream(stream), StreamNotFoundError);
        expect(error.streamId).toBe(stream);
        await expect(store().readStream(stream, { direction: 'backwards' })).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('readAll', () => {
      it('returns events in commit order with strictly increasing positions', async () => {
        const prefix = uniquePrefix();
        const appends: Array<{ ids: string[]; position: string }> = [];
        for (const [stream, count] of [['a', 2], ['b', 1], ['a', 1], ['c', 3], ['b', 2]] as const) {
          const events = Array.from({ length: count }, () => newEvent('Noted'));
          const { position } = await store().append(`${prefix}${stream}`, events, 'any');
          appends.push({ ids: ids(events) as string[], position });
        }
        const expectedIds = appends.flatMap((append) => append.ids);
        const all = await readAllOf(store(), prefix, expectedIds.length);
        expect(ids(all)).toEqual(expectedIds);
        expectIncreasing(all.map((event) => event.position));
        // Each append answered with the position of its last event.
        const lastIndexes = appends.map((_, index) => appends.slice(0, index + 1).flatMap((append) => append.ids).length - 1);
        expect(lastIndexes.map((index) => all[index].position)).toEqual(appends.map((append) => append.position));
      });

      it('resumes strictly after a position and honours maxCount', async () => {
        const prefix = uniquePrefix();
        const events = Array.from({ length: 5 }, (_, index) => newEvent('Noted', { index }));
        for (const event of events) await store().append(`${prefix}order`, [event], 'any');
        const all = await readAllOf(store(), prefix, 5);

        const rest = await store().readAll({ after: all[1].position, filter: { streamPrefixes: [prefix] } });
        expect(ids(rest)).toEqual(ids(events.slice(2)));
        const page = await store().readAll({ after: all[1].position, maxCount: 2, filter: { streamPrefixes: [prefix] } });
        expect(ids(page)).toEqual(ids(events.slice(2, 4)));
        expect(await store().readAll({ after: all[4].position, filter: { streamPrefixes: [prefix] } })).toEqual([]);
        expect(ids(await store().readAll({ maxCount: 2, filter: { streamPrefixes: [prefix] } }))).toEqual(ids(events.slice(0, 2)));
      });

      it('filters by event type and by stream prefix', async () => {
        const prefix = uniquePrefix();
        const tag = prefix.replace(/[^a-z0-9]/gi, '');
        const [created, renamed] = [`${tag}Created`, `${tag}Renamed`];
        const customerCreated = newEvent(created);
        const customerRenamed = newEvent(renamed);
        const partnerCreated = newEvent(created);
        await store().append(`${prefix}customer-1`, [customerCreated, customerRenamed], 'no_stream');
        await store().append(`${prefix}partner-1`, [partnerCreated], 'no_stream');
        await readAllOf(store(), prefix, 3);

        const byType = (await store().readAll({ filter: { eventTypes: [created] } })).filter(isNotSystem);
        expect(ids(byType)).toEqual([customerCreated.id, partnerCreated.id]);
        const byPrefix = await store().readAll({ filter: { streamPrefixes: [`${prefix}customer-`] } });
        expect(ids(byPrefix)).toEqual([customerCreated.id, customerRenamed.id]);
        const byBoth = await store().readAll({
          filter: { eventTypes: [renamed, created], streamPrefixes: [`${prefix}partner-`, `${prefix}nothing-`] },
        });
        expect(ids(byBoth)).toEqual([partnerCreated.id]);
      });

      it('reports a head position at or after the last append', async () => {
        const prefix = uniquePrefix();
        const { position } = await store().append(`${prefix}order`, [newEvent('Noted')], 'no_stream');
        await readAllOf(store(), prefix, 1);
        const head = await store().headPosition();
        expect(head).not.toBeNull();
        expect(head! >= position).toBe(true);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, then delivers events appended while it is live, in readAll order', async () => {
        const prefix = uniquePrefix();
        await store().append(`${prefix}a`, [newEvent('Noted'), newEvent('Noted')], 'no_stream');
        await store().append(`${prefix}b`, [newEvent('Noted')], 'no_stream');
        const reader = new SubscriptionReader(subscribe({ filter: { streamPrefixes: [prefix] } }), prefix);

        const caughtUp = await reader.take(3);
        await store().append(`${prefix}a`, [newEvent('Noted')], 1);
        await store().append(`${prefix}c`, [newEvent('Noted'), newEvent('Noted')], 'no_stream');
        const live = await reader.take(3);

        const delivered = [...caughtUp, ...live];
        expectIncreasing(delivered.map((event) => event.position));
        expect(summary(delivered)).toEqual(summary(await readAllOf(store(), prefix, 6)));
      });

      it('starts strictly after a given position', async () => {
        const prefix = uniquePrefix();
        const events = Array.from({ length: 4 }, () => newEvent('Noted'));
        for (const event of events) await store().append(`${prefix}order`, [event], 'any');
        const all = await readAllOf(store(), prefix, 4);

        const reader = new SubscriptionReader(
          subscribe({ after: all[1].position, filter: { streamPrefixes: [prefix] } }),
          prefix,
        );
        expect(ids(await reader.take(2))).toEqual(ids(events.slice(2)));
        const later = newEvent('Noted');
        await store().append(`${prefix}order`, [later], 3);
        expect(ids(await reader.take(1))).toEqual([later.id]);
      });

      it("with 'end' delivers only events appended after subscribing", async () => {
        const prefix = uniquePrefix();
        const before = newEvent('Noted');
        await store().append(`${prefix}before`, [before], 'no_stream');
        await readAllOf(store(), prefix, 1);

        const reader = new SubscriptionReader(subscribe({ after: 'end', filter: { streamPrefixes: [prefix] } }), prefix);
        // The subscription goes live asynchronously: probe until one probe arrives.
        const probes: string[] = [];
        let first: RecordedEvent | undefined;
        for (let attempt = 0; attempt < 20 && !first; attempt++) {
          const probe = newEvent('Probed');
          probes.push(probe.id!);
          await store().append(`${prefix}probe`, [probe], 'any');
          first = (await reader.take(1, 500).catch(() => []))[0];
        }
        expect(first).toBeDefined();
        expect(probes).toContain(first!.id);

        const after = newEvent('Noted');
        await store().append(`${prefix}after`, [after], 'no_stream');
        const rest = await reader.takeUntil((event) => event.id === after.id);
        expect(rest.every((event) => probes.includes(event.id) || event.id === after.id)).toBe(true);
      });

      it('delivers only events that match its filter', async () => {
        const prefix = uniquePrefix();
        const tag = prefix.replace(/[^a-z0-9]/gi, '');
        const wanted = `${tag}Blocked`;
        const byType = new SubscriptionReader(subscribe({ filter: { eventTypes: [wanted] } }), prefix);
        const byPrefix = new SubscriptionReader(subscribe({ filter: { streamPrefixes: [`${prefix}customer-`] } }), prefix);

        const skipped = newEvent(`${tag}Noted`);
        const partnerBlocked = newEvent(wanted);
        const customerBlocked = newEvent(wanted);
        await store().append(`${prefix}customer-1`, [skipped], 'no_stream');
        await store().append(`${prefix}partner-1`, [partnerBlocked], 'no_stream');
        await store().append(`${prefix}customer-1`, [customerBlocked], 0);

        expect(ids(await byType.take(2))).toEqual([partnerBlocked.id, customerBlocked.id]);
        expect(ids(await byPrefix.take(2))).toEqual([skipped.id, customerBlocked.id]);
      });

      it('ends the iteration when closed while waiting for events', async () => {
        const prefix = uniquePrefix();
        const subscription = subscribe({ after: 'end', filter: { streamPrefixes: [prefix] } });
        const iteration = (async () => {
          const received: RecordedEvent[] = [];
          for await (const event of subscription) received.push(event);
          return received;
        })();
        await sleep(300); // let the loop reach its wait for new events
        const closedAt = Date.now();
        await subscription.close();
        expect(await withTimeout(iteration, 5_000, 'iteration to end after close()')).toEqual([]);
        expect(Date.now() - closedAt).toBeLessThan(5_000);
      });

      it('ends the iteration when closed after delivering some events', async () => {
        const prefix = uniquePrefix();
        await store().append(`${prefix}order`, [newEvent('Noted'), newEvent('Noted')], 'no_stream');
        const subscription = subscribe({ filter: { streamPrefixes: [prefix] } });
        const reader = new SubscriptionReader(subscription, prefix);
        await reader.take(1);
        await subscription.close();
        await reader.expectEnd();
      });

      it('ends when the consumer breaks out of for-await', async () => {
        const prefix = uniquePrefix();
        await store().append(`${prefix}order`, [newEvent('Noted'), newEvent('Noted')], 'no_stream');
        const subscription = subscribe({ filter: { streamPrefixes: [prefix] } });
        const first = await withTimeout(
          (async () => {
            for await (const event of subscription) return event;
            return undefined;
          })(),
          10_000,
          'first event',
        );
        expect(first?.streamId).toBe(`${prefix}order`);
        await withTimeout(subscription.close(), 5_000, 'close() after break');
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A stream-name prefix no other test (or run) uses; never starts with '$'. */
export function uniquePrefix(): string {
  return `ct${randomBytes(6).toString('hex')}-`;
}

export function newEvent(type: string, data: Record<string, unknown> = {}): NewEvent & { id: string } {
  return { id: randomUUID(), type, data: { ...data }, metadata: { correlationId: randomUUID() } };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isNotSystem(event: RecordedEvent): boolean {
  return !event.streamId.startsWith('$');
}

const ids = (events: ReadonlyArray<{ id?: string }>) => events.map((event) => event.id);
const revisions = (events: readonly RecordedEvent[]) => events.map((event) => event.revision);
const summary = (events: readonly RecordedEvent[]) =>
  events.map((event) => ({ id: event.id, streamId: event.streamId, revision: event.revision, position: event.position }));

export function expectIncreasing(positions: readonly string[]): void {
  for (let index = 1; index < positions.length; index++) {
    if (!(positions[index - 1] < positions[index])) {
      throw new Error(`Positions not strictly increasing at ${index}: ${positions[index - 1]} then ${positions[index]}`);
    }
  }
}

async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: any[]) => E): Promise<E> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`Expected ${type.name}, but the call succeeded`);
  expect(outcome.error).toBeInstanceOf(type);
  return outcome.error as E;
}

/**
 * readAll of one test's events, retried until `count` are there: a store may make a committed
 * event visible to readAll a moment later (PostgreSQL waits for older open transactions).
 */
export async function readAllOf(
  store: EventStore,
  prefix: string,
  count: number,
  options: Omit<ReadAllOptions, 'filter'> = {},
): Promise<RecordedEvent[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const events = await store.readAll({ ...options, filter: { streamPrefixes: [prefix] } });
    if (events.length >= count) return events;
    if (Date.now() > deadline) throw new Error(`readAll saw ${events.length} of ${count} events of ${prefix}`);
    await sleep(50);
  }
}

/**
 * Pulls from a subscription with a deadline on every wait, keeping only one test's events
 * (streams starting with `prefix`); a pull that timed out is kept for the next call.
 */
export class SubscriptionReader {
  private readonly iterator: AsyncIterator<RecordedEvent>;
  private pending: Promise<IteratorResult<RecordedEvent>> | null = null;

  constructor(
    readonly subscription: EventSubscription,
    private readonly prefix: string,
  ) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  async take(count: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
    const taken: RecordedEvent[] = [];
    await this.pull(timeoutMs, (event) => {
      taken.push(event);
      return taken.length >= count;
    }, () => `${count} events (got ${taken.length})`);
    return taken;
  }

  /** Events up to and including the first that satisfies `last`. */
  async takeUntil(last: (event: RecordedEvent) => boolean, timeoutMs = 10_000): Promise<RecordedEvent[]> {
    const taken: RecordedEvent[] = [];
    await this.pull(timeoutMs, (event) => {
      taken.push(event);
      return last(event);
    }, () => `the awaited event (got ${taken.length} others)`);
    return taken;
  }

  /** Waits for the iteration to finish, discarding events still delivered. */
  async expectEnd(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await this.next(deadline - Date.now(), 'the subscription to end');
      if (result.done) return;
    }
  }

  private async pull(timeoutMs: number, accept: (event: RecordedEvent) => boolean, what: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await this.next(deadline - Date.now(), what());
      if (result.done) throw new Error(`Subscription ended while waiting for ${what()}`);
      if (!result.value.streamId.startsWith(this.prefix)) continue;
      if (accept(result.value)) return;
    }
  }

  private async next(ms: number, what: string): Promise<IteratorResult<RecordedEvent>> {
    this.pending ??= this.iterator.next();
    const result = await withTimeout(this.pending, Math.max(ms, 1), what);
    this.pending = null;
    return result;
  }
}
