/**
 * The event-store port. Semantics follow EventStoreDB so both adapters behave the same:
 * revisions are 0-based per stream; the global position is an opaque string whose
 * lexicographic order is the order subscribers receive events in.
 */

export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface Actor {
  id: string;
  name: string;
  role: string;
}

export interface EventMetadata {
  actor?: Actor;
  correlationId?: string;
  causationId?: string;
  ip?: string;
  userAgent?: string;
  occurredAt?: string;
  /** Why the change was made, as the write's body said (`reason`); absent when it gave none. */
  reason?: string;
  [key: string]: unknown;
}

/**
 * An event to append. `id` makes a retried append idempotent, but only when the retry carries an
 * EXACT expected revision (a number, or 'no_stream'): see EventStore.append.
 */
export interface NewEvent<Type extends string = string, Data = Record<string, unknown>> {
  id?: string;
  type: Type;
  schemaVersion?: number;
  data: Data;
  metadata?: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = Record<string, unknown>> {
  id: string;
  type: Type;
  schemaVersion: number;
  data: Data;
  metadata: EventMetadata;
  streamId: string;
  revision: number;
  /** Opaque, sortable global position (compare as strings). */
  position: string;
  recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the last event now in the stream (what to pass as expected revision next). */
  nextRevision: number;
  /** Global position of the last appended event. */
  position: string;
  /**
   * The stream's hash-chain head after the append, when the store linked the events again over
   * the form it stores (the personal-data encryption does: the chain covers the ciphertext).
   * Absent: the links the caller gave are the stored ones.
   */
  chainHead?: string | null;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; default the start (forwards) or the end (backwards). */
  fromRevision?: number;
  maxCount?: number;
}

export interface EventFilter {
  /** Only these event types. */
  eventTypes?: readonly string[];
  /** Only streams whose id starts with one of these (e.g. 'customer-'). */
  streamPrefixes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omitted: from the start. */
  after?: string;
  maxCount?: number;
  filter?: EventFilter;
  /**
   * false: `metadata` is not read and comes back as `{}` (rebuilds of projections that never look at
   * it read less). Default true.
   */
  withMetadata?: boolean;
}

/**
 * A read of every event up to a position in (stream id, revision) order, page by page: what a
 * rebuild uses to fold each stream's whole history at once (see Projection.applyStreams).
 */
export interface ReadByStreamOptions {
  /**
   * Inclusive: only events at or before this position. Pass a position `headPosition()` returned:
   * nothing can be recorded at or before it any more, so paging sees a fixed set and a read in
   * global order `after` it continues without a gap or a double.
   */
  upTo: string;
  /** Exclusive start in (stream id, revision) order: the last event of the previous page. */
  after?: { streamId: string; revision: number };
  maxCount: number;
  /** As in ReadAllOptions. */
  withMetadata?: boolean;
}

export interface SubscribeOptions {
  /** Exclusive start position; omitted: from the start; 'end': only new events. */
  after?: string | 'end';
  filter?: EventFilter;
}

/** Catch-up then live. Iterate with for-await; `close()` ends the iteration. */
export interface EventSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  readonly name: string;
  /**
   * The store as it holds the events, when this one changes them on the way (the personal-data
   * encryption: this one reads plain values, `stored` the ciphertext the hash chain covers).
   */
  readonly stored?: EventStore;
  /**
   * Appends `events` to `streamId` if the stream is at `expectedRevision`.
   *
   * Idempotency contract (the same on every adapter, and as EventStoreDB really keeps it): a retry of
   * a batch with the same event ids is recognised as already written, and writes nothing, only when it
   * carries an EXACT expected revision (a number, or 'no_stream'): the store then compares the ids
   * with the events stored at expected+1.. in the stream itself, which survives restarts and leader
   * changes. With 'any' or 'stream_exists' EventStoreDB recognises a retry only from a bounded
   * in-memory cache of recent event ids that a restart or a leader change empties: such a late retry
   * is written twice. So every path that retries an append (the command runner, the EventStoreDB
   * adapter's own retry after an ambiguous failure) retries with the exact revision it decided on.
   *
   * Failures besides the ones below: StreamDeletedError, AppendTooLargeError,
   * EventStoreAccessDeniedError, EventStoreUnavailableError (retry later).
   */
  append(streamId: string, events: readonly NewEvent[], expectedRevision?: ExpectedRevision): Promise<AppendResult>;
  /**
   * Throws StreamNotFoundError when the stream has no events, StreamTruncatedError when the store
   * no longer returns the stream's first events (operator-set $maxCount / $maxAge / $tb on
   * EventStoreDB): a decider must never fold a partial history.
   */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Optional (stores that can page by stream cheaply): see ReadByStreamOptions. */
  readByStream?(options: ReadByStreamOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeOptions): EventSubscription;
  /** Position of the newest event subscribers can see, or null when the store is empty. */
  headPosition(): Promise<string | null>;
  /** Optional: whether `position` has this store's form (it may still be beyond the head). */
  isPosition?(position: string): boolean;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's current revision, or 'no_stream'. */
    readonly actual: number | 'no_stream',
  ) {
    super(`Wrong expected revision on stream ${streamId}: expected ${expected}, actual ${actual}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export class StreamNotFoundError extends Error {
  constructor(readonly streamId: string) {
    super(`Stream ${streamId} not found`);
    this.name = 'StreamNotFoundError';
  }
}

/** A retried append whose event ids only partly match what the stream holds. */
export class IdempotencyConflictError extends Error {
  constructor(readonly streamId: string, readonly eventId: string) {
    super(`Event ${eventId} was already appended to ${streamId} with a different batch`);
    this.name = 'IdempotencyConflictError';
  }
}

/**
 * The stream was deleted for good in the store (an EventStoreDB tombstone, by an operator): it can
 * be neither read nor written again. Not retryable; an operator has to act.
 */
export class StreamDeletedError extends Error {
  constructor(readonly streamId: string) {
    super(`Stream ${streamId} is deleted (tombstoned) in the event store: it can no longer be read or written`);
    this.name = 'StreamDeletedError';
  }
}

/**
 * A read of a stream that should start at `expectedFirstRevision` came back starting at
 * `firstRevision`: the store dropped the stream's oldest events (EventStoreDB stream metadata
 * $maxCount, $maxAge or $tb set by an operator). Refused so nothing is decided on a partial history.
 */
export class StreamTruncatedError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedFirstRevision: number,
    /** -1: the read returned none of the stream's events. */
    readonly firstRevision: number,
  ) {
    super(
      `Stream ${streamId} is truncated in the event store: the read should start at revision ${expectedFirstRevision} but ` +
        (firstRevision < 0 ? 'returns none of its events ' : `starts at ${firstRevision} `) +
        '(stream metadata $maxCount / $maxAge / $tb set on it?). Refusing to use a partial history; remove the metadata and restore the events.',
    );
    this.name = 'StreamTruncatedError';
  }
}

/** The append is larger than the store accepts in one append (EventStoreDB: MaxAppendSize, 1 MiB by default). */
export class AppendTooLargeError extends Error {
  constructor(
    readonly streamId: string,
    readonly maxAppendSize: number,
  ) {
    super(`Append to ${streamId} is larger than the event store accepts (${maxAppendSize} bytes)`);
    this.name = 'AppendTooLargeError';
  }
}

/** The store's user lacks a permission the app needs (e.g. reading $all on a secure EventStoreDB). A configuration error. */
export class EventStoreAccessDeniedError extends Error {
  constructor(
    readonly operation: string,
    readonly streamId?: string,
  ) {
    super(
      `The event store denied access to ${operation}${streamId ? ` of ${streamId}` : ''}: ` +
        "the connection's user needs to read and write the app's streams and read $all (see README, EventStoreDB)",
    );
    this.name = 'EventStoreAccessDeniedError';
  }
}

/**
 * The store cannot serve right now (restarting, unreachable, a leader election, timed out): retry
 * shortly. The HTTP layer answers 503 with Retry-After.
 */
export class EventStoreUnavailableError extends Error {
  constructor(
    /** Short, for logs and /health: "not the leader any more (leader is now host:port)". */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`The event store is unavailable: ${reason}`, options);
    this.name = 'EventStoreUnavailableError';
  }
}

/** Seconds a client should wait before retrying while the event store is unavailable. */
export const EVENT_STORE_RETRY_AFTER_SECONDS = 2;

export function matchesFilter(event: Pick<RecordedEvent, 'type' | 'streamId'>, filter?: EventFilter): boolean {
  if (!filter) return true;
  if (filter.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix))) return false;
  return true;
}
