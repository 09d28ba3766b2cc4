/**
 * EventStore port on EventStoreDB through @eventstore/db-client 6.2.1.
 *
 * - Positions: the $all commit position, zero-padded to 20 digits (an opaque string whose
 *   lexicographic order is the log order). Parsed back to `{ commit, prepare: commit }` only here;
 *   valid because the gRPC client never writes explicit (multi-record) transactions.
 * - Envelope: event id (uuid; the caller's `id` makes retries idempotent on the server), type, JSON
 *   data, JSON metadata that also carries the schema version under `$schemaVersion` (stripped on
 *   read), recordedAt = the server's `created`.
 * - System data ($-prefixed streams or event types: settings, stats, stream metadata, ...) is never
 *   returned by readAll / subscribeToAll / headPosition.
 * - subscribeToAll resubscribes forever (until close) from the last event it received, with backoff.
 * - Failures the server sends are mapped to the port's errors (see translateError): a tombstoned
 *   stream → StreamDeletedError, MaxAppendSize → AppendTooLargeError, missing rights →
 *   EventStoreAccessDeniedError, a leader change / restart / timeout → EventStoreUnavailableError.
 * - Retries (bounded: RETRY_DELAYS_MS): a NotLeader answer (the server did not handle the call and
 *   the client has switched to the leader it named) is retried for every call; an ambiguous failure
 *   (unavailable, timed out: the append may or may not have been written) only for reads and for
 *   appends with an exact expected revision, which the server recognises as already written from the
 *   stream itself (with 'any' it only knows recent ids from an in-memory cache a restart empties).
 * - readStream refuses a stream whose first events the server no longer returns (operator-set
 *   $maxCount / $maxAge / $tb): StreamTruncatedError.
 */
import { randomUUID } from 'node:crypto';
import {
  ANY,
  AccessDeniedError as EsdbAccessDeniedError,
  BACKWARDS,
  CancelledError as EsdbCancelledError,
  DeadlineExceededError as EsdbDeadlineExceededError,
  MaxAppendSizeExceededError as EsdbMaxAppendSizeExceededError,
  NotLeaderError as EsdbNotLeaderError,
  StreamDeletedError as EsdbStreamDeletedError,
  TimeoutError as EsdbTimeoutError,
  UnavailableError as EsdbUnavailableError,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError as EsdbStreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type Filter,
  type JSONType,
  type Position,
  type ReadPosition,
  type ReadRevision,
  type RecordedEvent as EsdbRecordedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  AppendTooLargeError,
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  IdempotencyConflictError,
  StreamDeletedError,
  StreamNotFoundError,
  StreamTruncatedError,
  WrongExpectedRevisionError,
  matchesFilter,
  type AppendResult,
  type EventFilter,
  type EventMetadata,
  type EventStore,
  type EventSubscription,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from '../event-store.port.js';

/** Metadata key that carries NewEvent.schemaVersion inside the ESDB event metadata. */
export const SCHEMA_VERSION_METADATA_KEY = '$schemaVersion';

const POSITION_DIGITS = 20;
const READ_ALL_BATCH = 256;
const HEAD_BATCH = 32;
const DISPOSE_TIMEOUT_MS = 5_000;
/** Waits before the 2nd and 3rd attempt of a retryable call (see the header). */
const RETRY_DELAYS_MS = [50, 250];

interface TrackedRead {
  destroy(error?: Error): unknown;
  once(event: 'close', listener: () => void): unknown;
}
type ReadTracker = <T extends TrackedRead>(stream: T) => T;

export interface ResubscribeBackoff {
  /** First delay after a drop (ms). Default 100. */
  initialDelayMs: number;
  /** Multiplier per consecutive failed attempt. Default 1.5. */
  factor: number;
  /** Upper bound (ms). Default 5000. */
  maxDelayMs: number;
}

export interface EventStoreDbEventStoreOptions {
  backoff?: Partial<ResubscribeBackoff>;
  /** Called whenever a subscription dropped and is about to be re-established (for logging/metrics). */
  onSubscriptionDropped?: (info: { error: unknown; attempt: number; delayMs: number; resumeFrom: string | 'start' | 'end' }) => void;
  /** Called before a call is retried (see the header): for logging and specs. */
  onRetry?: (info: { what: string; error: unknown; attempt: number }) => void;
}

/** Encodes an $all commit position as the port's opaque, sortable position string. */
export function formatPosition(commit: bigint): string {
  if (commit < 0n) throw new RangeError(`Negative $all position ${commit}`);
  return commit.toString(10).padStart(POSITION_DIGITS, '0');
}

/** Decodes a position string produced by formatPosition. */
export function parsePosition(position: string): Position {
  if (!/^\d{20}$/.test(position)) throw new RangeError(`Not an EventStoreDB position: "${position}"`);
  const commit = BigInt(position);
  return { commit, prepare: commit };
}

function isSystemEvent(event: Pick<EsdbRecordedEvent, 'type' | 'streamId'>): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0) throw new RangeError(`Invalid expected revision ${expected}`);
      return BigInt(expected);
  }
}

/** True for the expected revisions whose retries the server checks against the stream itself. */
function isExact(expected: ExpectedRevision): boolean {
  return typeof expected === 'number' || expected === 'no_stream';
}

/**
 * The port's error for a failure the client reports (others are returned unchanged). `operation`
 * and `streamId` only make the messages precise.
 */
export function translateError(error: unknown, operation: string, streamId?: string): unknown {
  if (error instanceof EsdbStreamDeletedError) return new StreamDeletedError(streamId ?? error.streamName ?? '(unknown stream)');
  if (error instanceof EsdbMaxAppendSizeExceededError) return new AppendTooLargeError(streamId ?? '(unknown stream)', error.maxAppendSize);
  if (error instanceof EsdbAccessDeniedError) return new EventStoreAccessDeniedError(operation, streamId);
  if (error instanceof EsdbNotLeaderError) {
    return new EventStoreUnavailableError(`the node is not the leader any more (leader: ${error.leader.address}:${error.leader.port})`, { cause: error });
  }
  if (error instanceof EsdbUnavailableError) return new EventStoreUnavailableError(`unreachable or not ready (${error.message})`, { cause: error });
  if (error instanceof EsdbDeadlineExceededError || error instanceof EsdbTimeoutError) {
    return new EventStoreUnavailableError(`${operation} timed out`, { cause: error });
  }
  if (error instanceof EsdbCancelledError) return new EventStoreUnavailableError(`${operation} was cancelled by the server`, { cause: error });
  return error;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function decodeJson(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    if (value.length === 0) return undefined;
    try {
      return JSON.parse(Buffer.from(value).toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }
  return value;
}

function toRecordedEvent(event: EsdbRecordedEvent): RecordedEvent {
  const rawMetadata = decodeJson(event.metadata);
  const metadata: EventMetadata =
    rawMetadata && typeof rawMetadata === 'object' && !Array.isArray(rawMetadata) ? { ...(rawMetadata as EventMetadata) } : {};
  const storedVersion = metadata[SCHEMA_VERSION_METADATA_KEY];
  delete metadata[SCHEMA_VERSION_METADATA_KEY];
  const data = decodeJson(event.data);
  if (!event.position) throw new Error(`Event ${event.id} in ${event.streamId} has no $all position`);
  return {
    id: event.id,
    type: event.type,
    schemaVersion: typeof storedVersion === 'number' && Number.isInteger(storedVersion) ? storedVersion : 1,
    data: data && typeof data === 'object' ? (data as Record<string, unknown>) : {},
    metadata,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: formatPosition(event.position.commit),
    recordedAt: event.created,
  };
}

export class EventStoreDbEventStore implements EventStore {
  readonly name = 'eventstoredb';
  private readonly client: EventStoreDBClient;
  private readonly subscriptions = new Set<EsdbAllSubscription>();
  /** Reads in progress, failed on close(): the client would leave them hanging after dispose(). */
  private readonly reads = new Set<TrackedRead>();
  private readonly track: ReadTracker = (stream) => {
    if (this.closed) {
      stream.destroy(new Error('EventStoreDbEventStore is closed'));
      return stream;
    }
    this.reads.add(stream);
    stream.once('close', () => this.reads.delete(stream));
    return stream;
  };
  private readonly backoff: ResubscribeBackoff;
  private closed = false;

  constructor(
    connectionString: string,
    private readonly options: EventStoreDbEventStoreOptions = {},
  ) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.backoff = { initialDelayMs: 100, factor: 1.5, maxDelayMs: 5_000, ...options.backoff };
  }

  async append(streamId: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision = 'any'): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new RangeError(`append to ${streamId} needs at least one event`);
    const expected = toEsdbExpected(expectedRevision);
    // The same ids on every attempt: that is what lets the server recognise a retry as already written.
    const ids = events.map((event) => event.id ?? randomUUID());
    const payload = events.map((event, index) =>
      jsonEvent({
        id: ids[index],
        type: event.type,
        data: event.data as JSONType,
        metadata: { ...event.metadata, [SCHEMA_VERSION_METADATA_KEY]: event.schemaVersion ?? 1 } as JSONType,
      }),
    );
    try {
      const result = await this.withRetry(`append to ${streamId}`, isExact(expectedRevision), () =>
        this.client.appendToStream(streamId, payload, { expectedRevision: expected }),
      );
      const nextRevision = Number(result.nextExpectedRevision);
      // Idempotent (already written) appends come back without a position from older servers: look it up.
      const commit = result.position?.commit ?? (await this.withRetry('read', true, () => this.positionOfRevision(streamId, nextRevision)));
      return { nextRevision, position: formatPosition(commit) };
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError) {
        throw await this.explainWrongExpectedVersion(streamId, events, ids, expectedRevision, error);
      }
      throw translateError(error, 'append', streamId);
    }
  }

  /**
   * Runs `call`; retries it (RETRY_DELAYS_MS) after a NotLeader answer, and, when `ambiguousIsSafe`,
   * after an unavailable / timed-out one. Throws the last failure untranslated.
   */
  private async withRetry<T>(what: string, ambiguousIsSafe: boolean, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const retryable =
          error instanceof EsdbNotLeaderError || (ambiguousIsSafe && translateError(error, what) instanceof EventStoreUnavailableError);
        if (!retryable || attempt >= RETRY_DELAYS_MS.length || this.closed) throw error;
        this.options.onRetry?.({ what, error, attempt: attempt + 1 });
        await delay(RETRY_DELAYS_MS[attempt]);
      }
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const direction = options.direction === 'backwards' ? BACKWARDS : FORWARDS;
    const fromRevision: ReadRevision =
      options.fromRevision !== undefined ? BigInt(options.fromRevision) : direction === BACKWARDS ? END : START;
    if (options.maxCount !== undefined && options.maxCount <= 0) {
      // ESDB has no "count 0"; still report a missing stream.
      await this.readStream(streamId, { ...options, maxCount: 1 });
      return [];
    }
    const events = await this.withRetry(`read of ${streamId}`, true, async () => {
      const read: RecordedEvent[] = [];
      try {
        for await (const resolved of this.track(this.client.readStream(streamId, { direction, fromRevision, maxCount: options.maxCount }))) {
          if (resolved.event) read.push(toRecordedEvent(resolved.event));
        }
      } catch (error) {
        // Thrown lazily, from the iteration, not from readStream() itself.
        if (error instanceof EsdbStreamNotFoundError) throw new StreamNotFoundError(streamId);
        throw error;
      }
      return read;
    }).catch((error: unknown) => {
      throw translateError(error, 'read', streamId);
    });
    this.assertComplete(streamId, options, events);
    return events;
  }

  /**
   * The server hides a stream's oldest events when its metadata says so ($maxCount, $maxAge, $tb) and
   * then simply starts the read later. A forwards read must start where asked (revision 0 by default),
   * a backwards read that reaches the start must end at revision 0; a forwards read from the start
   * that returns nothing although the stream exists (a missing one is StreamNotFound) means every
   * event is hidden.
   */
  private assertComplete(streamId: string, options: ReadStreamOptions, events: readonly RecordedEvent[]): void {
    if (options.direction === 'backwards') {
      const reachedStart = options.maxCount === undefined || events.length < options.maxCount;
      const last = events[events.length - 1];
      if (reachedStart && last && last.revision > 0) throw new StreamTruncatedError(streamId, 0, last.revision);
      return;
    }
    const expectedFirst = options.fromRevision ?? 0;
    if (events.length > 0 && events[0].revision > expectedFirst) throw new StreamTruncatedError(streamId, expectedFirst, events[0].revision);
    if (events.length === 0 && expectedFirst === 0) throw new StreamTruncatedError(streamId, 0, -1);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.withRetry('read of $all', true, () => this.readAllOnce(options)).catch((error: unknown) => {
      throw translateError(error, 'read of $all');
    });
  }

  private async readAllOnce(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? Number.POSITIVE_INFINITY;
    const result: RecordedEvent[] = [];
    if (limit <= 0) return result;
    // readAll forwards is inclusive of fromPosition: remember what to skip.
    let skipUpTo: bigint | undefined = options.after !== undefined ? parsePosition(options.after).commit : undefined;
    let from: ReadPosition = options.after !== undefined ? parsePosition(options.after) : START;
    // 6.2.1 has no server-side filter for readAll: page through $all and filter here.
    for (;;) {
      let received = 0;
      let last: Position | undefined;
      for await (const resolved of this.track(this.client.readAll({ fromPosition: from, direction: FORWARDS, maxCount: READ_ALL_BATCH }))) {
        received += 1;
        const event = resolved.event;
        if (!event?.position) continue;
        last = event.position;
        if (skipUpTo !== undefined && event.position.commit <= skipUpTo) continue;
        if (isSystemEvent(event) || result.length >= limit) continue;
        const recorded = toRecordedEvent(event);
        if (matchesFilter(recorded, options.filter)) result.push(recorded);
      }
      if (result.length >= limit || received < READ_ALL_BATCH || !last) return result;
      from = last;
      skipUpTo = last.commit;
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): EventSubscription {
    this.assertOpen();
    const subscription = new EsdbAllSubscription(this.client, this.track, options, this.backoff, this.options.onSubscriptionDropped, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  isPosition(position: string): boolean {
    return /^\d{20}$/.test(position);
  }

  async headPosition(): Promise<string | null> {
    this.assertOpen();
    const commit = await this.withRetry('read of $all', true, () => this.headCommit(false)).catch((error: unknown) => {
      throw translateError(error, 'read of $all');
    });
    return commit === null ? null : formatPosition(commit);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.close()));
    for (const read of this.reads) read.destroy(new Error('EventStoreDbEventStore is closed'));
    // dispose() waits for every open call to finish; a read abandoned mid-way (see positionOfRevision)
    // never does, so bound the wait.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.client.dispose(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, DISPOSE_TIMEOUT_MS);
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Newest $all commit position, of a user event or (includeSystem) of any event. */
  private async headCommit(includeSystem: boolean): Promise<bigint | null> {
    return newestCommit(this.client, includeSystem, this.track);
  }

  private async positionOfRevision(streamId: string, revision: number): Promise<bigint> {
    // Never leave a client read early: the abandoned gRPC stream never finishes and dispose() then hangs.
    let commit: bigint | undefined;
    for await (const resolved of this.track(this.client.readStream(streamId, { fromRevision: BigInt(revision), maxCount: 1 }))) {
      commit ??= resolved.event?.position?.commit;
    }
    if (commit === undefined) throw new Error(`Could not find the position of ${streamId}@${revision}`);
    return commit;
  }

  /**
   * The server reports both a plain conflict and a retried batch that only partly matches what the
   * stream holds ("corrupted idempotency") as WrongExpectedVersion. Tell them apart by looking at
   * the events where the batch would have landed.
   */
  private async explainWrongExpectedVersion(
    streamId: string,
    events: readonly NewEvent[],
    ids: readonly string[],
    expected: ExpectedRevision,
    error: InstanceType<typeof EsdbWrongExpectedVersionError>,
  ): Promise<Error> {
    const actual = error.actualVersion === 'no_stream' ? 'no_stream' : Number(error.actualVersion);
    const conflict = new WrongExpectedRevisionError(streamId, expected, actual);
    const callerIds = new Set(events.flatMap((event) => (event.id ? [event.id.toLowerCase()] : [])));
    if (callerIds.size === 0 || actual === 'no_stream') return conflict;
    try {
      if (expected === 'any' || expected === 'stream_exists') {
        // With ANY / STREAM_EXISTS on an existing stream the only cause is a partial id match.
        return new IdempotencyConflictError(streamId, ids[0]);
      }
      const firstRevision = expected === 'no_stream' ? 0 : expected + 1;
      if (firstRevision > actual) return conflict;
      const window = await this.readStream(streamId, { fromRevision: firstRevision, maxCount: events.length });
      const overlap = window.find((event) => callerIds.has(event.id.toLowerCase()));
      return overlap ? new IdempotencyConflictError(streamId, overlap.id) : conflict;
    } catch {
      return conflict;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('EventStoreDbEventStore is closed');
  }
}

async function newestCommit(client: EventStoreDBClient, includeSystem: boolean, track: ReadTracker): Promise<bigint | null> {
  let from: ReadPosition = END;
  for (;;) {
    let received = 0;
    let oldest: Position | undefined;
    let found: bigint | null = null;
    for await (const resolved of track(client.readAll({ fromPosition: from, direction: BACKWARDS, maxCount: HEAD_BATCH }))) {
      received += 1;
      const event = resolved.event;
      if (!event?.position) continue;
      oldest = event.position;
      if (found === null && (includeSystem || !isSystemEvent(event))) found = event.position.commit;
    }
    if (found !== null) return found;
    if (received < HEAD_BATCH || !oldest) return null;
    from = oldest; // backwards reads are exclusive of fromPosition
  }
}

function serverFilter(filter: EventFilter | undefined): Filter {
  if (filter?.streamPrefixes && filter.streamPrefixes.length > 0) {
    return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  }
  if (filter?.eventTypes && filter.eventTypes.length > 0) {
    // Prefixes are a superset of exact names; the exact check happens client-side.
    return eventTypeFilter({ prefixes: [...filter.eventTypes] });
  }
  return excludeSystemEvents();
}

type ResumePoint = { kind: 'start' } | { kind: 'end' } | { kind: 'after'; commit: bigint };

/**
 * Catch-up + live subscription to $all that survives drops: whenever the underlying client
 * subscription errors or ends, it subscribes again after the last event received (exclusive), after
 * a backoff of initialDelayMs × factor^attempt (capped). Delivered events are strictly increasing in
 * position, so a resubscription never delivers an event twice.
 *
 * Server checkpoints are deliberately not used as resume points: several server versions sent
 * checkpoints that could skip an event when used that way (KurrentDB #4035, #4975).
 */
class EsdbAllSubscription implements EventSubscription {
  private closed = false;
  private current: AllStreamSubscription | undefined;
  private resume: ResumePoint;
  /** For `after: 'end'`: the $all head when the subscription was requested, used if it drops before any event. */
  private readonly headAtStart: Promise<bigint | null | undefined> | undefined;
  private readonly serverFilter: Filter;
  private wakeUp: (() => void) | undefined;
  private iterating = false;

  constructor(
    private readonly client: EventStoreDBClient,
    track: ReadTracker,
    private readonly options: SubscribeOptions,
    private readonly backoff: ResubscribeBackoff,
    private readonly onDropped: EventStoreDbEventStoreOptions['onSubscriptionDropped'],
    private readonly onClosed: () => void,
  ) {
    this.serverFilter = serverFilter(options.filter);
    if (options.after === 'end') {
      this.resume = { kind: 'end' };
      this.headAtStart = newestCommit(client, true, track).catch(() => undefined);
    } else if (options.after !== undefined) {
      this.resume = { kind: 'after', commit: parsePosition(options.after).commit };
    } else {
      this.resume = { kind: 'start' };
    }
    // Subscribe right away, so 'end' means "after this call", not "after the first next()".
    this.current = this.open(this.fromPosition());
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    if (this.iterating) throw new Error('An EventStoreDB subscription can only be iterated once');
    this.iterating = true;
    return this.run();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeUp?.();
    const subscription = this.current;
    this.current = undefined;
    if (subscription) await this.dispose(subscription);
    this.onClosed();
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    let attempt = 0;
    try {
      while (!this.closed) {
        let subscription = this.current;
        if (!subscription) {
          subscription = this.open(await this.resolveFrom());
          if (this.closed) {
            await this.dispose(subscription);
            break;
          }
          this.current = subscription;
        }
        let failure: unknown;
        try {
          for await (const resolved of subscription as AsyncIterable<ResolvedEvent>) {
            if (this.closed) break;
            const event = resolved.event;
            if (!event?.position) continue;
            const commit = event.position.commit;
            if (this.resume.kind === 'after' && commit <= this.resume.commit) continue; // never twice
            this.resume = { kind: 'after', commit };
            attempt = 0;
            if (isSystemEvent(event)) continue;
            const recorded = toRecordedEvent(event);
            if (!matchesFilter(recorded, this.options.filter)) continue;
            yield recorded;
            if (this.closed) break;
          }
          failure = new Error('Subscription ended by the server');
        } catch (error) {
          failure = error;
        }
        if (this.current === subscription) this.current = undefined;
        await this.dispose(subscription);
        if (this.closed) break;

        attempt += 1;
        const delayMs = Math.min(
          this.backoff.maxDelayMs,
          this.backoff.initialDelayMs * this.backoff.factor ** (attempt - 1),
        );
        this.onDropped?.({ error: translateError(failure, 'subscription to $all'), attempt, delayMs, resumeFrom: this.describeResume() });
        await this.sleep(delayMs);
      }
    } finally {
      const subscription = this.current;
      this.current = undefined;
      this.closed = true;
      if (subscription) await this.dispose(subscription);
      this.onClosed();
    }
  }

  private open(fromPosition: ReadPosition): AllStreamSubscription {
    const subscription = this.client.subscribeToAll({ fromPosition, filter: this.serverFilter });
    // Client quirk: the Subscription *emits* gRPC errors instead of destroying itself, so an error
    // that arrives while nobody is iterating would be lost and a later for-await would hang.
    // Destroying with the error makes the next iteration throw it.
    subscription.on('error', (error: unknown) => {
      if (!subscription.destroyed) subscription.destroy(error instanceof Error ? error : new Error(String(error)));
    });
    return subscription;
  }

  private fromPosition(): ReadPosition {
    switch (this.resume.kind) {
      case 'start':
        return START;
      case 'end':
        return END;
      case 'after':
        return { commit: this.resume.commit, prepare: this.resume.commit };
    }
  }

  /** Like fromPosition, but a subscription from END that dropped before any event resumes from the head seen at start. */
  private async resolveFrom(): Promise<ReadPosition> {
    if (this.resume.kind === 'end' && this.headAtStart) {
      const head = await this.headAtStart;
      if (head === null) this.resume = { kind: 'start' };
      else if (head !== undefined) this.resume = { kind: 'after', commit: head };
    }
    return this.fromPosition();
  }

  private describeResume(): string | 'start' | 'end' {
    return this.resume.kind === 'after' ? formatPosition(this.resume.commit) : this.resume.kind;
  }

  private async dispose(subscription: AllStreamSubscription): Promise<void> {
    // Leaving for-await does not cancel the gRPC call: unsubscribe() does. destroy() ends a pending
    // iteration at once.
    const cancelled = subscription.unsubscribe().catch(() => undefined);
    subscription.destroy();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([cancelled, new Promise((resolve) => (timer = setTimeout(resolve, 1_000)))]).finally(() =>
      clearTimeout(timer),
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
