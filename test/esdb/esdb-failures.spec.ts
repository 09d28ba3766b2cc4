import { randomUUID } from 'node:crypto';
import { EventStoreDBClient } from '@eventstore/db-client';
import { problemOf } from '../../src/common/http-errors.js';
import { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from '../../src/event-store/esdb/esdb-event-store.js';
import {
  AppendTooLargeError,
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  StreamDeletedError,
  StreamTruncatedError,
  WrongExpectedRevisionError,
  type EventSubscription,
  type NewEvent,
  type RecordedEvent,
} from '../../src/event-store/event-store.port.js';
import { ESDB_MODES, startEsdbFixture, type EsdbFixture, type EsdbFixtureOptions } from './esdb-fixture.js';

/**
 * The failures a real EventStoreDB sends, as the fixture models them (see esdb-fixture.ts), and
 * what the adapter makes of them: the port's errors, or an operational error (503 where retrying
 * helps). Each runs on both server modes: before BatchAppend, and 24.10 with BatchAppend.
 */

const event = (type: string, data: Record<string, unknown> = {}, extra: Partial<NewEvent> = {}): NewEvent => ({ type, data, ...extra });
const uniqueStream = (prefix = 'customer') => `${prefix}-${randomUUID()}`;

async function waitFor(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(ESDB_MODES)('EventStoreDB failures on the fixture (%s)', (mode) => {
  let fixture: EsdbFixture;
  let store: EventStoreDbEventStore;
  let raw: EventStoreDBClient | undefined;
  const retries: Array<{ what: string; error: unknown }> = [];
  const drops: unknown[] = [];

  async function open(options: EsdbFixtureOptions = {}, storeOptions: EventStoreDbEventStoreOptions = {}): Promise<void> {
    fixture = await startEsdbFixture({ mode, ...options });
    store = new EventStoreDbEventStore(fixture.connectionString, {
      backoff: { initialDelayMs: 20, factor: 1.5, maxDelayMs: 200 },
      onRetry: (info) => retries.push(info),
      onSubscriptionDropped: ({ error }) => drops.push(error),
      ...storeOptions,
    });
  }
  /** The operator's client (the real one, through the fixture's gRPC). */
  const operator = () => (raw ??= EventStoreDBClient.connectionString(fixture.connectionString));

  beforeEach(async () => {
    retries.length = 0;
    drops.length = 0;
    await open();
  });
  afterEach(async () => {
    await raw?.dispose();
    raw = undefined;
    await store?.close();
    await fixture?.stop();
  });

  it('speaks the protocol of its mode: BatchAppend on 24.10, the old Append before it', async () => {
    await store.append(uniqueStream(), [event('A')], 'no_stream');
    await store.append(uniqueStream(), [event('B')], 'any');
    expect(fixture.appendCalls()).toEqual(mode === '24.10' ? { append: 0, batchAppend: 2 } : { append: 2, batchAppend: 0 });
  });

  describe('a tombstoned stream (StreamDeleted)', () => {
    it('refuses appends and reads with StreamDeletedError; $all stays readable', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('Created')], 'no_stream');
      await operator().tombstoneStream(streamId);

      for (const expected of [0, 'any', 'no_stream', 'stream_exists'] as const) {
        await expect(store.append(streamId, [event('Renamed')], expected)).rejects.toBeInstanceOf(StreamDeletedError);
      }
      await expect(store.append(streamId, [event('Renamed')], 0)).rejects.toMatchObject({ streamId, message: expect.stringContaining('tombstoned') });
      await expect(store.readStream(streamId)).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(store.readStream(streamId, { direction: 'backwards', maxCount: 1 })).rejects.toMatchObject({ name: 'StreamDeletedError', streamId });
      // The tombstone record ($streamDeleted, in the stream itself) is a system event: not returned.
      expect((await store.readAll()).map((e) => e.type)).toEqual(['Created']);
      expect(problemOf(new StreamDeletedError(streamId))).toMatchObject({ status: 500, rule: 'server.internal_error' });
    });
  });

  describe('an append past MaxAppendSize (1 MiB)', () => {
    it('is refused with AppendTooLargeError naming the limit, and nothing is written', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('Created')], 'no_stream');
      const big = 'x'.repeat(600 * 1024);
      await expect(store.append(streamId, [event('Noted', { big }), event('Noted', { big })], 0)).rejects.toMatchObject({
        name: 'AppendTooLargeError',
        streamId,
        maxAppendSize: 1_048_576,
      });
      await expect(store.append(streamId, [event('Noted', { big: 'y'.repeat(1_100_000) })], 'any')).rejects.toBeInstanceOf(AppendTooLargeError);
      expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['Created']);
      // Just under the limit is fine.
      expect((await store.append(streamId, [event('Noted', { big })], 0)).nextRevision).toBe(1);
    });
  });

  describe('a user without rights (AccessDenied on a secure server)', () => {
    it('reading $all: readAll and headPosition fail with EventStoreAccessDeniedError; a subscription reports it and recovers once granted', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('A')], 'no_stream');
      fixture.setAccess({ readAll: false });
      await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreAccessDeniedError);
      await expect(store.headPosition()).rejects.toMatchObject({ name: 'EventStoreAccessDeniedError', message: expect.stringContaining('read $all') });
      expect(retries).toEqual([]); // not retried: no retry fixes a permission

      const subscription: EventSubscription = store.subscribeToAll();
      const received: RecordedEvent[] = [];
      const consumer = (async () => {
        for await (const recorded of subscription) received.push(recorded);
      })();
      try {
        await waitFor(() => drops.length >= 2, 5_000, 'the subscription to be refused twice');
        expect(drops.every((error) => error instanceof EventStoreAccessDeniedError)).toBe(true);
        fixture.setAccess({ readAll: true });
        await waitFor(() => received.length === 1, 5_000, 'the subscription to recover');
        expect(received[0]).toMatchObject({ streamId, type: 'A' });
      } finally {
        await subscription.close();
        await consumer;
      }
      // Reading its own streams still works.
      expect(await store.readStream(streamId)).toHaveLength(1);
    });

    it('writing: append fails with EventStoreAccessDeniedError and writes nothing', async () => {
      const streamId = uniqueStream();
      fixture.setAccess({ write: false });
      await expect(store.append(streamId, [event('A')], 'no_stream')).rejects.toMatchObject({
        name: 'EventStoreAccessDeniedError',
        streamId,
      });
      fixture.setAccess({ write: true });
      expect((await store.append(streamId, [event('A')], 'no_stream')).nextRevision).toBe(0);
    });
  });

  describe('a leader change (NotLeader)', () => {
    it('retries on the leader the server names: appends, reads and subscriptions carry on', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('A')], 'no_stream');
      const subscription = store.subscribeToAll();
      const received: RecordedEvent[] = [];
      const consumer = (async () => {
        for await (const recorded of subscription) received.push(recorded);
      })();
      try {
        await waitFor(() => received.length === 1 && fixture.liveSubscriptionCount() === 1, 5_000, 'the subscription to be live');
        fixture.leaderChange({ notLeaderAnswers: 1 });
        // The subscription ended with NotLeader; its resubscription may take the one NotLeader answer.
        await store.append(streamId, [event('B')], 0);
        fixture.leaderChange({ notLeaderAnswers: 1 });
        expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['A', 'B']);
        fixture.leaderChange({ notLeaderAnswers: 1 });
        await store.append(streamId, [event('C')], 'any'); // not handled by a follower: safe to retry even with 'any'
        await waitFor(() => received.length === 3, 5_000, 'the subscription to deliver after the election');
        expect(received.map((e) => e.type)).toEqual(['A', 'B', 'C']);
        expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
        expect(retries.length + drops.length).toBeGreaterThanOrEqual(3);
      } finally {
        await subscription.close();
        await consumer;
      }
    });

    it('an election that outlasts the retries is EventStoreUnavailableError: a 503 with Retry-After', async () => {
      const streamId = uniqueStream();
      fixture.leaderChange({ notLeaderAnswers: 100 });
      const error = await store.append(streamId, [event('A')], 'no_stream').catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect((error as EventStoreUnavailableError).reason).toMatch(/not the leader/);
      expect(problemOf(error)).toMatchObject({ status: 503, rule: 'server.unavailable', retryAfter: 2 });
      await expect(store.readStream(streamId)).rejects.toBeInstanceOf(EventStoreUnavailableError);
      fixture.leaderChange({ notLeaderAnswers: 0 });
      expect((await store.append(streamId, [event('A')], 'no_stream')).nextRevision).toBe(0);
    });
  });

  describe('an ambiguous failure (the append was written, its answer lost)', () => {
    it('with an exact revision the adapter retries with the same ids and the server recognises them: written once', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('Created')], 'no_stream');
      fixture.loseNextAppendReply();
      const result = await store.append(streamId, [event('Renamed'), event('Noted')], 0);
      expect(result.nextRevision).toBe(2);
      expect(retries).toHaveLength(1);
      const stored = await store.readStream(streamId);
      expect(stored.map((e) => e.type)).toEqual(['Created', 'Renamed', 'Noted']);
      expect(result.position).toBe(stored[2].position);
    });

    it("with 'any' it does not retry: EventStoreUnavailableError (503), and the event is there once", async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('Created')], 'no_stream');
      fixture.loseNextAppendReply();
      const error = await store.append(streamId, [event('Renamed')], 'any').catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect(problemOf(error)).toMatchObject({ status: 503 });
      expect(retries).toEqual([]);
      expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['Created', 'Renamed']);
    });
  });

  describe('idempotency as the server keeps it: recent ids in memory, lost on restart', () => {
    it('a late retry with an exact revision after a restart is recognised as written; with any it is written twice', async () => {
      const streamId = uniqueStream();
      const batch = [event('Created', {}, { id: randomUUID() }), event('Noted', {}, { id: randomUUID() })];
      const first = await store.append(streamId, batch, 'no_stream');
      // Before a restart the cache knows the ids: any retry is recognised.
      expect(await store.append(streamId, batch, 'any')).toEqual(first);

      await fixture.restart();
      // Exact revision: the server compares the ids with the stream itself.
      expect(await store.append(streamId, batch, 'no_stream')).toEqual(first);
      const next = [event('Renamed', {}, { id: randomUUID() })];
      const third = await store.append(streamId, next, 1);
      await store.append(streamId, [event('Other writer')], 2);
      await fixture.restart();
      expect(await store.append(streamId, next, 1)).toEqual(third); // still recognised, behind the head
      // Different ids at that revision: an ordinary conflict.
      await expect(store.append(streamId, [event('Renamed', {}, { id: randomUUID() })], 1)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['Created', 'Noted', 'Renamed', 'Other writer']);

      // 'any' after the restart: the cache is empty, the retry is a new write. This is why every
      // path of ours that retries uses an exact revision.
      await store.append(streamId, next, 'any');
      expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['Created', 'Noted', 'Renamed', 'Other writer', 'Renamed']);
    });

    it('the cache is bounded: an old id is forgotten without a restart', async () => {
      await store.close();
      await fixture.stop();
      await open({ idempotencyCacheSize: 3 });
      const streamId = uniqueStream();
      const old = [event('Created', {}, { id: randomUUID() })];
      await store.append(streamId, old, 'no_stream');
      await store.append(streamId, [event('A'), event('B'), event('C')], 0);
      await store.append(streamId, old, 'any');
      expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['Created', 'A', 'B', 'C', 'Created']);
      expect((await store.append(streamId, old, 'no_stream')).nextRevision).toBe(0); // exact: still recognised
    });
  });

  describe('operator-set stream metadata ($maxCount, $maxAge, $tb)', () => {
    it('a stream whose first events the server hides is refused with StreamTruncatedError, never returned partially', async () => {
      const streamId = uniqueStream();
      await store.append(streamId, [event('Created'), event('Renamed'), event('Noted'), event('Noted')], 'no_stream');
      await operator().setStreamMetadata(streamId, { truncateBefore: 2 });

      const error = await store.readStream(streamId).catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(StreamTruncatedError);
      expect(error).toMatchObject({ streamId, expectedFirstRevision: 0, firstRevision: 2 });
      expect((error as Error).message).toMatch(/\$maxCount \/ \$maxAge \/ \$tb/);
      await expect(store.readStream(streamId, { fromRevision: 1 })).rejects.toBeInstanceOf(StreamTruncatedError);
      await expect(store.readStream(streamId, { direction: 'backwards' })).rejects.toBeInstanceOf(StreamTruncatedError);
      // Reads that do not need the hidden part are fine.
      expect((await store.readStream(streamId, { fromRevision: 2 })).map((e) => e.revision)).toEqual([2, 3]);
      expect((await store.readStream(streamId, { direction: 'backwards', maxCount: 2 })).map((e) => e.revision)).toEqual([3, 2]);
      // $all still has everything (until a scavenge).
      expect((await store.readAll()).filter((e) => e.streamId === streamId)).toHaveLength(4);

      await operator().setStreamMetadata(streamId, { maxCount: 3 });
      await expect(store.readStream(streamId)).rejects.toMatchObject({ name: 'StreamTruncatedError', firstRevision: 1 });
      await operator().setStreamMetadata(streamId, { truncateBefore: 10 });
      await expect(store.readStream(streamId)).rejects.toMatchObject({ name: 'StreamTruncatedError', firstRevision: -1 });

      // Metadata that hides nothing changes nothing.
      await operator().setStreamMetadata(streamId, { maxCount: 100, maxAge: 3_600 });
      expect(await store.readStream(streamId)).toHaveLength(4);
    });
  });
});
