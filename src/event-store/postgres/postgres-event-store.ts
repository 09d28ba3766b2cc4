import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../database/database.js';
import {
  IdempotencyConflictError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventFilter,
  type EventStore,
  type EventSubscription,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadByStreamOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from '../event-store.port.js';
import { newEventId } from '../event-id.js';

/** Channel on which appends are announced. The payload is empty: it is only a wake-up. */
export const EVENTS_CHANNEL = 'chronicle_events';

export interface PostgresEventStoreOptions {
  /** How long a live subscription waits for a wake-up before it polls anyway (ms). */
  pollIntervalMs?: number;
  /** Events a subscription fetches per query while catching up. */
  subscriptionBatchSize?: number;
  /** Least time between two NOTIFYs this store sends to other processes (ms). */
  announceIntervalMs?: number;
}

/**
 * Event store on PostgreSQL or PGlite (schema: `migrateEventStore`). Appends are one call to the
 * `es_append` function. Reads across streams see only events of transactions older than the oldest
 * one still running, so the order they return, (transaction id, sequence), never changes later.
 * Closing the store ends its subscriptions; the Database stays open (the caller owns it).
 * Built on a Database whose `db` is a kysely transaction, it appends inside that transaction.
 */
export class PostgresEventStore implements EventStore {
  readonly name = 'postgres';
  private readonly pollIntervalMs: number;
  private readonly subscriptionBatchSize: number;
  private readonly wakeUps: WakeUps;
  private readonly announcer: AppendAnnouncer;
  private readonly subscriptions = new Set<PostgresSubscription>();
  private closed = false;

  constructor(
    private readonly database: Database,
    options: PostgresEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.subscriptionBatchSize = options.subscriptionBatchSize ?? 500;
    this.wakeUps = new WakeUps(database);
    this.announcer = new AppendAnnouncer(database, options.announceIntervalMs ?? 5);
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision = 'any',
  ): Promise<AppendResult> {
    assertStreamId(streamId);
    const expected = expectedRevisionParameter(expectedRevision);
    const payload = JSON.stringify(toAppendPayload(events));
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await sql<{ result: AppendOutcome }>`
          SELECT es_append(${streamId}, ${expected}, ${payload}::text::jsonb) AS result
        `.execute(this.database.db);
        return await this.appendResult(streamId, expectedRevision, rows[0].result);
      } catch (error) {
        // es_append met a stored event id on its write path (see there): a retried batch, or a
        // twin sent at the same time. Inside a caller's transaction there is no second chance.
        if (!isUniqueViolation(error) || attempt >= 3 || this.database.db.isTransaction) throw error;
        const { rows } = await sql<{ result: AppendOutcome | null }>`
          SELECT es_replayed_append(${streamId}, ${payload}::text::jsonb) AS result
        `.execute(this.database.db);
        if (rows[0].result) return this.appendResult(streamId, expectedRevision, rows[0].result);
        // The stored twin was rolled back meanwhile: append again.
      }
    }
  }

  /**
   * Appends to several streams in ONE transaction with ONE statement: all batches or none. Each
   * batch keeps its own expected-revision check; the first that fails (WrongExpectedRevisionError,
   * IdempotencyConflictError) rolls the whole call back. Results come in the order of `batches`.
   * The same stream may appear more than once (its batches apply in the given order). Batches are
   * applied in stream-id order (stable), so two concurrent calls lock stream rows in the same order
   * and cannot deadlock. Use it to commit many commands at once (one WAL flush for all of them).
   * A retried call with the same event ids answers as the first time, as `append` does.
   */
  async appendMany(batches: readonly AppendManyBatch[]): Promise<AppendResult[]> {
    if (batches.length === 0) return [];
    const items = batches.map((batch, index) => {
      assertStreamId(batch.streamId);
      return {
        index,
        stream_id: batch.streamId,
        expected: expectedRevisionParameter(batch.expectedRevision ?? 'any'),
        events: toAppendPayload(batch.events),
      };
    });
    const seen = new Set<string>();
    for (const item of items) {
      for (const event of item.events) {
        const id = event.id.toLowerCase();
        if (seen.has(id)) throw new TypeError(`Event id ${event.id} appears twice in one appendMany`);
        seen.add(id);
      }
    }
    // Stable: batches of one stream keep their order.
    const ordered = [...items].sort((a, b) => (a.stream_id < b.stream_id ? -1 : a.stream_id > b.stream_id ? 1 : a.index - b.index));
    const payload = JSON.stringify(ordered);
    const inCallerTransaction = this.database.db.isTransaction;
    for (let attempt = 1; ; attempt++) {
      const replaying = attempt > 1;
      try {
        const outcomes = inCallerTransaction
          ? await this.appendManyIn(this.database.db, payload, replaying)
          : await this.database.db.transaction().execute(async (trx) => {
              const answered = await this.appendManyIn(trx, payload, replaying);
              const failed = answered.find(({ outcome }) => outcome[0] !== 'appended' && outcome[0] !== 'replayed');
              if (failed) throw new AppendManyRefused(failed.index, failed.outcome);
              return answered;
            });
        const results: AppendResult[] = new Array(items.length);
        let appended = false;
        for (const { index, outcome } of outcomes) {
          const batch = items[index];
          if (outcome[0] === 'appended') {
            appended = true;
            results[index] = { nextRevision: Number(outcome[1]), position: outcome[2]! };
          } else {
            // Inside a caller's transaction a refusal surfaces here (rolling back is theirs to do).
            results[index] = await this.appendResult(batch.stream_id, batches[index].expectedRevision ?? 'any', outcome);
          }
        }
        if (appended) await this.announce();
        return results;
      } catch (error) {
        if (error instanceof AppendManyRefused) {
          return this.appendResult(items[error.index].stream_id, batches[error.index].expectedRevision ?? 'any', error.outcome) as never;
        }
        // A stored event id met on the write path: a retry. Again, asking each batch first.
        if (!isUniqueViolation(error) || attempt >= 3 || inCallerTransaction) throw error;
      }
    }
  }

  /** One statement: es_append per batch (or, on a retry, es_replayed_append first), in array order. */
  private async appendManyIn(db: Database['db'], payload: string, replaying: boolean): Promise<Array<{ index: number; outcome: AppendOutcome }>> {
    const call = replaying
      ? sql`coalesce(es_replayed_append(x.stream_id, x.events), es_append(x.stream_id, x.expected, x.events))`
      : sql`es_append(x.stream_id, x.expected, x.events)`;
    const { rows } = await sql<{ index: number; result: AppendOutcome }>`
      SELECT x.index, ${call} AS result
      FROM jsonb_to_recordset(${payload}::text::jsonb) AS x("index" integer, stream_id text, expected text, events jsonb)
    `.execute(db);
    return rows.map((row) => ({ index: Number(row.index), outcome: row.result }));
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision;
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const { rows } = await sql<EventRow>`
      SELECT ${eventColumns} FROM es_events
      WHERE stream_id = ${streamId}
      ${from === undefined ? sql`` : backwards ? sql`AND revision <= ${from}` : sql`AND revision >= ${from}`}
      ORDER BY revision ${backwards ? sql`DESC` : sql`ASC`}
      ${limit(options.maxCount)}
    `.execute(this.database.db);
    if (rows.length === 0 && !(await this.streamExists(streamId))) throw new StreamNotFoundError(streamId);
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const { rows } = await sql<EventRow>`
      SELECT ${eventColumnsFor(options.withMetadata)} FROM es_events
      WHERE ${visibleAfter(options.after ?? null)} ${filterCondition(options.filter)}
      ORDER BY transaction_id, global_position
      ${limit(options.maxCount)}
    `.execute(this.database.db);
    return rows.map(toRecordedEvent);
  }

  /**
   * Events at or before `upTo` in (stream_id, revision) order (the primary key). Every transaction
   * with a position at or before a head position had ended when that head was read, so the rows
   * matched here never change between pages.
   */
  async readByStream(options: ReadByStreamOptions): Promise<RecordedEvent[]> {
    if (options.maxCount <= 0) return [];
    const { transactionId, globalPosition } = parsePosition(options.upTo);
    const after = options.after;
    const { rows } = await sql<EventRow>`
      SELECT ${eventColumnsFor(options.withMetadata)} FROM es_events
      WHERE (transaction_id, global_position) <= (${transactionId}::text::xid8, ${globalPosition}::text::bigint)
      ${after ? sql`AND (stream_id, revision) > (${after.streamId}::text, ${after.revision}::bigint)` : sql``}
      ORDER BY stream_id, revision
      ${limit(options.maxCount)}
    `.execute(this.database.db);
    return rows.map(toRecordedEvent);
  }

  isPosition(position: string): boolean {
    return positionPattern.test(position);
  }

  async headPosition(): Promise<string | null> {
    const { rows } = await sql<{ position: string }>`
      SELECT ${positionColumn} AS position FROM es_events
      WHERE ${visibleAfter(null)}
      ORDER BY transaction_id DESC, global_position DESC
      LIMIT 1
    `.execute(this.database.db);
    return rows[0]?.position ?? null;
  }

  subscribeToAll(options: SubscribeOptions = {}): EventSubscription {
    if (this.closed) throw new Error('The event store is closed');
    if (options.after !== undefined && options.after !== 'end') parsePosition(options.after);
    const subscription = new PostgresSubscription({
      options,
      batchSize: this.subscriptionBatchSize,
      pollIntervalMs: this.pollIntervalMs,
      wakeUps: this.wakeUps,
      readBatch: (after, filter) => this.readSubscriptionBatch(after, filter),
      headPosition: () => this.headPosition(),
      onClosed: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.announcer.close();
  }

  private async appendResult(streamId: string, expected: ExpectedRevision, outcome: AppendOutcome): Promise<AppendResult> {
    const [kind, value, position] = outcome;
    switch (kind) {
      case 'appended':
        await this.announce();
        return { nextRevision: Number(value), position: position! };
      case 'replayed':
        return { nextRevision: Number(value), position: position! };
      case 'wrong_expected_revision':
        throw new WrongExpectedRevisionError(streamId, expected, value === null ? 'no_stream' : Number(value));
      case 'idempotency_conflict':
        throw new IdempotencyConflictError(streamId, value!);
      default:
        throw new Error(`Unexpected answer from es_append: ${JSON.stringify(outcome)}`);
    }
  }

  private async announce(): Promise<void> {
    if (this.database.db.isTransaction) {
      // Inside the caller's transaction: delivered at its commit, dropped on rollback.
      await sql`SELECT pg_notify(${EVENTS_CHANNEL}, '')`.execute(this.database.db);
      return;
    }
    this.wakeUps.wakeLocal();
    this.announcer.announce();
  }

  private async streamExists(streamId: string): Promise<boolean> {
    const { rows } = await sql`SELECT 1 FROM es_streams WHERE stream_id = ${streamId}`.execute(this.database.db);
    return rows.length > 0;
  }

  /**
   * Next events for a subscription, plus, from the same snapshot, the visible head and whether
   * newer committed events are held back by an older open transaction. When the batch is not
   * full the subscription may skip ahead to that head: every event committed later sorts after
   * it, so a rarely matching filter does not rescan the same rows on every poll.
   */
  private async readSubscriptionBatch(after: string | null, filter: EventFilter | undefined): Promise<SubscriptionBatch> {
    const { rows } = await sql<EventRow & { head: string | null; latest: string | null }>`
      SELECT horizon.head, horizon.latest, batch.*
      FROM (
        SELECT
          (SELECT ${positionColumn} FROM es_events
           WHERE ${visibleAfter(null)}
           ORDER BY transaction_id DESC, global_position DESC LIMIT 1) AS head,
          (SELECT ${positionColumn} FROM es_events
           ORDER BY transaction_id DESC, global_position DESC LIMIT 1) AS latest
      ) horizon
      LEFT JOIN LATERAL (
        SELECT ${eventColumns}, transaction_id, global_position FROM es_events
        WHERE ${visibleAfter(after)} ${filterCondition(filter)}
        ORDER BY transaction_id, global_position
        LIMIT ${this.subscriptionBatchSize}
      ) batch ON true
      ORDER BY batch.transaction_id, batch.global_position
    `.execute(this.database.db);
    const head = rows[0]?.head ?? null;
    const latest = rows[0]?.latest ?? null;
    return {
      events: rows.filter((row) => row.event_id !== null).map(toRecordedEvent),
      head,
      heldBack: latest !== null && latest !== head,
    };
  }
}

/** One stream's part of `appendMany`. */
export interface AppendManyBatch {
  streamId: string;
  events: readonly NewEvent[];
  expectedRevision?: ExpectedRevision;
}

/** Carries a refused batch out of the appendMany transaction (so it rolls back). */
class AppendManyRefused extends Error {
  constructor(
    readonly index: number,
    readonly outcome: AppendOutcome,
  ) {
    super(`appendMany: batch ${index} refused (${outcome[0]})`);
  }
}

/** What es_append / es_replayed_append answer: a kind, then its values (see the migration). */
type AppendOutcome = [
  kind: 'appended' | 'replayed' | 'wrong_expected_revision' | 'idempotency_conflict',
  value: string | null,
  position?: string,
];

interface EventRow {
  event_id: string;
  event_type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  stream_id: string;
  revision: string | number;
  position: string;
  recorded_at: Date | string;
}

interface SubscriptionBatch {
  events: RecordedEvent[];
  /** Newest visible position when the batch was read (null: the store is empty). */
  head: string | null;
  /** Committed events exist beyond the head, waiting for an older transaction to end. */
  heldBack: boolean;
}

// ---------------------------------------------------------------------------------------------
// SQL fragments

/** "<transaction id, 20 digits>:<sequence, 19 digits>": sorts as text in delivery order. */
const positionColumn = sql`lpad(transaction_id::text, 20, '0') || ':' || lpad(global_position::text, 19, '0')`;

/** The columns of a RecordedEvent; `withMetadata: false` leaves metadata unread (rebuilds that never look at it). */
function eventColumnsFor(withMetadata?: boolean): RawBuilder<unknown> {
  return sql`event_id, event_type, schema_version, data, ${withMetadata === false ? sql`NULL::jsonb AS metadata` : sql`metadata`},
  stream_id, revision, ${positionColumn} AS position, recorded_at`;
}

const eventColumns = eventColumnsFor();

/** Rows of finished transactions only (see the class comment), strictly after `after`. */
function visibleAfter(after: string | null): RawBuilder<unknown> {
  const visible = sql`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;
  if (after === null) return visible;
  const { transactionId, globalPosition } = parsePosition(after);
  return sql`${visible} AND (transaction_id, global_position) > (${transactionId}::text::xid8, ${globalPosition}::text::bigint)`;
}

function filterCondition(filter: EventFilter | undefined): RawBuilder<unknown> {
  const conditions: RawBuilder<unknown>[] = [];
  if (filter?.eventTypes) {
    conditions.push(
      filter.eventTypes.length === 0
        ? sql`false`
        : sql`event_type IN (${sql.join(filter.eventTypes.map((type) => sql`${type}::text`))})`,
    );
  }
  if (filter?.streamPrefixes) {
    conditions.push(
      filter.streamPrefixes.length === 0
        ? sql`false`
        : sql`(${sql.join(
            filter.streamPrefixes.map((prefix) => sql`starts_with(stream_id, ${prefix}::text)`),
            sql` OR `,
          )})`,
    );
  }
  return conditions.length === 0 ? sql`` : sql`AND ${sql.join(conditions, sql` AND `)}`;
}

function limit(maxCount: number | undefined): RawBuilder<unknown> {
  return maxCount === undefined ? sql`` : sql`LIMIT ${Math.floor(maxCount)}`;
}

// ---------------------------------------------------------------------------------------------
// Values in and out

const positionPattern = /^(\d{20}):(\d{19})$/;

function parsePosition(position: string): { transactionId: string; globalPosition: string } {
  const match = positionPattern.exec(position);
  if (!match) throw new RangeError(`Not a PostgreSQL event-store position: ${JSON.stringify(position)}`);
  // Without the padding: xid8 input reads a leading zero as an octal prefix.
  return { transactionId: BigInt(match[1]).toString(), globalPosition: BigInt(match[2]).toString() };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toAppendPayload(events: readonly NewEvent[]) {
  if (events.length === 0) throw new RangeError('An append needs at least one event');
  const seen = new Set<string>();
  return events.map((event) => {
    // Time-ordered, so the unique index on event ids grows at its right edge (see event-id.ts).
    const id = event.id ?? newEventId();
    if (!uuidPattern.test(id)) throw new TypeError(`Event id must be a UUID: ${JSON.stringify(id)}`);
    if (seen.has(id.toLowerCase())) throw new TypeError(`Event id ${id} appears twice in one append`);
    seen.add(id.toLowerCase());
    if (!event.type) throw new TypeError('Event type is required');
    return {
      id,
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data ?? {},
      metadata: event.metadata ?? {},
    };
  });
}

function expectedRevisionParameter(expected: ExpectedRevision): string {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
  if (Number.isSafeInteger(expected) && expected >= 0) return String(expected);
  throw new RangeError(`Invalid expected revision: ${String(expected)}`);
}

function assertStreamId(streamId: string): void {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('Stream id must be a non-empty string');
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata ?? {},
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: row.position,
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
  };
}

// ---------------------------------------------------------------------------------------------
// Waking subscriptions

/**
 * One LISTEN per store, shared by its subscriptions and held only while any is open. Appends in
 * this process also wake them directly, without waiting for the round trip through the server.
 */
class WakeUps {
  private readonly listeners = new Set<() => void>();
  private unlisten: Promise<() => Promise<void>> | null = null;

  constructor(private readonly database: Database) {}

  /** Registers `onWake`; resolves (once LISTEN is active) to its release function. */
  async add(onWake: () => void): Promise<() => Promise<void>> {
    this.listeners.add(onWake);
    // After a lost LISTEN connection, wake everyone once: appends notified meanwhile were missed.
    this.unlisten ??= this.database.listen(EVENTS_CHANNEL, () => this.wakeLocal(), { onResume: () => this.wakeLocal() });
    const unlisten = this.unlisten;
    try {
      await unlisten;
    } catch (error) {
      await this.remove(onWake, unlisten);
      throw error;
    }
    return once(() => this.remove(onWake, unlisten));
  }

  wakeLocal(): void {
    for (const listener of this.listeners) listener();
  }

  private async remove(onWake: () => void, unlisten: Promise<() => Promise<void>>): Promise<void> {
    this.listeners.delete(onWake);
    if (this.listeners.size > 0 || this.unlisten !== unlisten) return;
    this.unlisten = null;
    await unlisten.then((stop) => stop()).catch(() => undefined);
  }
}

/**
 * Announces appends to other processes with NOTIFY, outside the append transaction, at most one
 * every `minIntervalMs` (the first of a quiet spell goes out at once). A NOTIFY in the append
 * transaction would hold a database-wide lock from its commit until the commit is flushed, which
 * serialises all appends behind the WAL flush (measured: 16 writers fell from ~12k to ~4k inserts/s).
 * Subscribers also poll, so a lost announcement (a crash right after commit) only delays them.
 */
class AppendAnnouncer {
  private pending = false;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastSentAt = -Infinity;

  constructor(
    private readonly database: Database,
    private readonly minIntervalMs: number,
  ) {}

  announce(): void {
    this.pending = true;
    if (this.inFlight || this.timer) return;
    // A monotonic clock: the wall clock can move back (NTP, or the demo seeder's history), and a wait of
    // months would overflow setTimeout.
    const wait = this.lastSentAt + this.minIntervalMs - performance.now();
    if (wait <= 0) {
      this.send();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.send();
    }, wait);
    this.timer.unref();
  }

  /** Sends what is still pending, then waits for it. */
  async close(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.send();
    }
    await this.inFlight;
  }

  private send(): void {
    this.pending = false;
    this.lastSentAt = performance.now();
    // Nothing to make durable: the tiny transaction need not wait for a flush.
    this.inFlight = sql`SELECT set_config('synchronous_commit', 'off', true), pg_notify(${EVENTS_CHANNEL}, '')`
      .execute(this.database.db)
      .then(
        () => undefined,
        () => undefined, // best effort: subscribers poll as well
      )
      .finally(() => {
        this.inFlight = null;
        if (this.pending) this.announce();
      });
  }
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

interface SubscriptionDependencies {
  options: SubscribeOptions;
  batchSize: number;
  pollIntervalMs: number;
  wakeUps: WakeUps;
  readBatch(after: string | null, filter: EventFilter | undefined): Promise<SubscriptionBatch>;
  headPosition(): Promise<string | null>;
  onClosed(subscription: PostgresSubscription): void;
}

const HELD_BACK_FIRST_DELAY_MS = 20;

/** Catch-up in batches, then live: woken by NOTIFY or a local append, polling as a fallback. */
class PostgresSubscription implements EventSubscription {
  private readonly started: Promise<{ after: string | null; release: () => Promise<void> }>;
  private closed = false;
  private closing: Promise<void> | null = null;
  private iterated = false;
  /** Set by every wake-up; cleared before each read, so a wake-up during a read is not lost. */
  private woken = false;
  private endWait: (() => void) | null = null;

  constructor(private readonly dependencies: SubscriptionDependencies) {
    // Started now, not on first iteration, so 'end' means the head at subscribe time.
    this.started = this.start();
    this.started.catch(() => undefined); // reported by the iteration
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    if (this.iterated) throw new Error('A subscription can be iterated only once');
    this.iterated = true;
    const { readBatch, batchSize, pollIntervalMs, options } = this.dependencies;
    try {
      let { after } = await this.started;
      let heldBackDelay = HELD_BACK_FIRST_DELAY_MS;
      while (!this.closed) {
        this.woken = false;
        const batch = await readBatch(after, options.filter);
        for (const event of batch.events) {
          if (this.closed) return;
          yield event;
          after = event.position;
        }
        if (batch.events.length >= batchSize) continue;
        if (batch.events.length > 0) heldBackDelay = HELD_BACK_FIRST_DELAY_MS;
        if (batch.head !== null && (after === null || batch.head > after)) after = batch.head;
        if (this.woken) continue;
        if (batch.heldBack) {
          // No announcement comes when the blocking transaction ends: look again soon, backing off.
          await this.wait(Math.min(heldBackDelay, pollIntervalMs));
          heldBackDelay *= 2;
        } else {
          heldBackDelay = HELD_BACK_FIRST_DELAY_MS;
          await this.wait(pollIntervalMs);
        }
      }
    } catch (error) {
      if (!this.closed) throw error; // a read cut short by close() is not an error
    } finally {
      await this.close();
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    this.endWait?.();
    try {
      const { release } = await this.started;
      await release();
    } catch {
      // never started: nothing to release
    }
    this.dependencies.onClosed(this);
  }

  private async start(): Promise<{ after: string | null; release: () => Promise<void> }> {
    const { wakeUps, options, headPosition } = this.dependencies;
    const release = await wakeUps.add(() => this.wake());
    try {
      const after = options.after === 'end' ? await headPosition() : (options.after ?? null);
      return { after, release };
    } catch (error) {
      await release();
      throw error;
    }
  }

  private wake(): void {
    this.woken = true;
    this.endWait?.();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.endWait = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.endWait = finish;
    });
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | null = null;
  return () => (result ??= fn());
}
