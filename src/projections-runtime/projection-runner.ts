import { sql } from 'kysely';
import type { Database } from '../database/database.js';
import { AdvisoryLocks } from './advisory-locks.js';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port.js';
import { CheckpointConflictError, CheckpointStore, type CheckpointRow, type CheckpointStatus } from './checkpoint-store.js';
import { createProjectionIndexes, dropProjectionTables, positionReached, type Projection, type ProjectionTables } from './projection.js';
import { SharedTailReads } from './shared-tail-reads.js';
import { errorMessage, Linger, PositionWaiters, silentLogger, WakeSignal, yieldToEventLoop, type Logger } from './wake-signal.js';

export type RunnerState =
  | 'idle' // not started
  | 'starting' // started, not yet tried to take the lock
  | 'standby' // another session (instance) holds this version's lock; following its checkpoint
  | 'catching-up' // processing batches, behind the head
  | 'caught-up' // read everything visible; waiting for new events
  | 'rebuilding' // building a new version from zero in big batches
  | 'switching' // making this rebuilt version the active one
  | 'failing' // the last attempt threw; retrying with back-off
  | 'retired' // this version was replaced; the runner ended
  | 'stopped';

export interface RunnerStatus {
  name: string;
  version: number;
  state: RunnerState;
  /** The version's row status as this runner last saw it. */
  versionStatus: CheckpointStatus | null;
  position: string | null;
  eventsProcessed: number;
  /** Whether this runner holds the version's advisory lock (is the one processing it). */
  holdsLock: boolean;
  /** Consecutive failed attempts, and the last error while failing. */
  failures: number;
  error?: string;
}

export interface Lag {
  name: string;
  version: number;
  position: string | null;
  headPosition: string | null;
  caughtUp: boolean;
  /** Events after the checkpoint, counted up to a limit; null when not counted. */
  eventsBehind: number | null;
  /** True when counting stopped at the limit (there are at least `eventsBehind`). */
  eventsBehindAtLeast: boolean;
}

export interface BatchCommitted {
  name: string;
  version: number;
  versionStatus: CheckpointStatus;
  position: string;
  /** Events read in this batch (handled + ignored). */
  events: number;
  handled: number;
  eventsProcessed: number;
}

export interface ProjectionRunnerOptions {
  database: Database;
  store: EventStore;
  projection: Projection<any>;
  /** The version (row in projection_checkpoints) this runner drives. The row must exist. */
  version: number;
  checkpoints?: CheckpointStore;
  /** The lock session (shared by a runtime's runners); default: one of its own. */
  locks?: AdvisoryLocks;
  /** Shared "new events" signal (the runtime wakes it on the event store's NOTIFY). */
  wake?: WakeSignal;
  logger?: Logger;
  /** Poll for new events this often when caught up and no wake-up came (default 250 ms). */
  pollIntervalMs?: number;
  /**
   * Caught up, pause this long before each read (after a wake-up and after each batch), so events
   * appended meanwhile are committed in one batch (default 0). Ignored when `linger` is given.
   */
  lingerMs?: number;
  /** Shared pause (the runtime's), so its runners read together; ended early by a position waiter. */
  linger?: Linger;
  /** Shared tail reads (the runtime's); default: this runner's own. */
  reads?: SharedTailReads;
  /** Retry taking the lock this often while another instance runs this version (default 1,000 ms). */
  lockRetryMs?: number;
  /** Re-read the version's status this often while idle, to notice a retirement (default 5,000 ms). */
  statusCheckMs?: number;
  /**
   * Ends a back-off early: woken when the database is reachable again (the LISTEN connection came
   * back), so a runner that failed during an outage does not sleep on for seconds after it.
   */
  recovered?: WakeSignal;
  /** Back-off bounds after a failed batch (default 250 ms doubling to 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  batchSize?: number;
  rebuildBatchSize?: number;
  /** Called after each batch this runner committed. */
  onCommit?: (batch: BatchCommitted) => void;
  /** Called after this runner made its (rebuilt) version the active one. */
  onSwitch?: (change: { name: string; version: number; retired: CheckpointRow[] }) => void;
  /** Called when this runner's version turns out to be retired (the runner then ends). */
  onRetired?: (change: { name: string; version: number }) => void;
}

export function projectionLockKey(name: string, version: number): string {
  return `projection:${name}:${version}`;
}

/**
 * Drives ONE version of ONE projection. Across app instances only the holder of the session-level
 * advisory lock `hashtext('projection:<name>:<version>')` (see AdvisoryLocks) processes; the others
 * stand by, follow its checkpoint and take over when it goes away.
 *
 * Processing loop: read up to `batchSize` events after the checkpoint (unfiltered, so the checkpoint
 * also passes events the projection ignores); in ONE transaction compare-and-set the checkpoint,
 * apply the handled events and queue a NOTIFY; repeat. When caught up, wait for a wake-up (NOTIFY on
 * the event store's channel) or poll, and before each read pause `lingerMs` so the events of a burst
 * share one batch (a position waiter ends the pause at once). A 'rebuilding' version uses bigger
 * batches and, once caught up, switches itself to active (retiring and dropping the previous
 * version) in one transaction, then goes on as the live runner.
 */
export class ProjectionRunner {
  readonly name: string;
  readonly version: number;
  private readonly database: Database;
  private readonly store: EventStore;
  private readonly projection: Projection<any>;
  private readonly checkpoints: CheckpointStore;
  private readonly locks: AdvisoryLocks;
  private readonly ownLocks: boolean;
  private readonly wakeSignal: WakeSignal;
  private readonly linger: Linger;
  private readonly reads: SharedTailReads;
  private readonly logger: Logger;
  private readonly handles?: ReadonlySet<string>;
  private readonly options: Required<
    Pick<
      ProjectionRunnerOptions,
      'pollIntervalMs' | 'lockRetryMs' | 'statusCheckMs' | 'minBackoffMs' | 'maxBackoffMs' | 'batchSize' | 'rebuildBatchSize'
    >
  >;
  private readonly waiters = new PositionWaiters();
  /** Wakes a standby runner early (someone started waiting for a position). */
  private readonly standbyWake = new WakeSignal();

  private state: RunnerState = 'idle';
  private versionStatus: CheckpointStatus | null = null;
  private checkpoint: string | null = null;
  private processed = 0;
  private holdsLock = false;
  private failures = 0;
  private lastError?: string;
  private abort?: AbortController;
  private loop?: Promise<void>;

  constructor(private readonly runnerOptions: ProjectionRunnerOptions) {
    this.database = runnerOptions.database;
    this.store = runnerOptions.store;
    this.projection = runnerOptions.projection;
    this.name = runnerOptions.projection.name;
    this.version = runnerOptions.version;
    this.checkpoints = runnerOptions.checkpoints ?? new CheckpointStore();
    this.ownLocks = !runnerOptions.locks;
    this.locks = runnerOptions.locks ?? new AdvisoryLocks(runnerOptions.database, { logger: runnerOptions.logger });
    this.wakeSignal = runnerOptions.wake ?? new WakeSignal();
    this.linger = runnerOptions.linger ?? new Linger(runnerOptions.lingerMs ?? 0, () => this.waiters.size > 0);
    this.reads = runnerOptions.reads ?? new SharedTailReads(runnerOptions.store);
    this.logger = runnerOptions.logger ?? silentLogger;
    this.handles = runnerOptions.projection.handles ? new Set(runnerOptions.projection.handles) : undefined;
    this.options = {
      pollIntervalMs: runnerOptions.pollIntervalMs ?? 250,
      lockRetryMs: runnerOptions.lockRetryMs ?? 1000,
      statusCheckMs: runnerOptions.statusCheckMs ?? 5000,
      minBackoffMs: runnerOptions.minBackoffMs ?? 250,
      maxBackoffMs: runnerOptions.maxBackoffMs ?? 30_000,
      batchSize: runnerOptions.batchSize ?? runnerOptions.projection.batchSize ?? 500,
      rebuildBatchSize: runnerOptions.rebuildBatchSize ?? runnerOptions.projection.rebuildBatchSize ?? 1000,
    };
  }

  /** Starts the loop in the background (no-op when running). */
  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.state = 'starting';
    this.loop = this.run(this.abort.signal).finally(() => {
      this.waiters.flush();
    });
  }

  /** Stops after the batch in flight (if any) commits or rolls back, and releases the lock. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
    if (this.ownLocks) await this.locks.close();
  }

  /** Resolves when the loop has ended (stopped, or the version was retired). */
  get finished(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  get running(): boolean {
    return this.loop !== undefined && this.state !== 'retired' && this.state !== 'stopped';
  }

  /** The checkpoint: global position of the last event whose effects are committed (null: none yet). */
  position(): string | null {
    return this.checkpoint;
  }

  status(): RunnerStatus {
    return {
      name: this.name,
      version: this.version,
      state: this.state,
      versionStatus: this.versionStatus,
      position: this.checkpoint,
      eventsProcessed: this.processed,
      holdsLock: this.holdsLock,
      failures: this.failures,
      ...(this.state === 'failing' && this.lastError ? { error: this.lastError } : {}),
    };
  }

  /** How far the checkpoint is behind the store's head (events counted up to `countLimit`). */
  async lag(countLimit = 1000): Promise<Lag> {
    return { name: this.name, version: this.version, ...(await measureLag(this.store, this.checkpoint, countLimit)) };
  }

  /**
   * True as soon as the checkpoint reaches `position` (string order), false after `timeoutMs`.
   * Works on a standby instance too: it follows the lock holder's checkpoint.
   */
  waitForPosition(position: string, timeoutMs: number): Promise<boolean> {
    const waiting = this.waiters.wait(() => positionReached(this.checkpoint, position), timeoutMs);
    if (!positionReached(this.checkpoint, position)) this.linger.release(); // read-your-writes does not wait out the pause
    if (!this.holdsLock) this.standbyWake.wake(); // a standby runner refreshes its view at once, then polls faster
    return waiting;
  }

  /** Waits until the checkpoint reaches the store's head as of now. */
  async waitForCatchUp(timeoutMs: number): Promise<boolean> {
    const head = await this.store.headPosition();
    return head === null ? true : this.waitForPosition(head, timeoutMs);
  }

  /** Lets the runtime feed a checkpoint seen elsewhere (NOTIFY from the instance holding the lock). */
  observe(position: string | null | undefined): void {
    if (this.holdsLock || position == null) return;
    if (this.checkpoint === null || position > this.checkpoint) {
      this.checkpoint = position;
      this.waiters.check();
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    const key = projectionLockKey(this.name, this.version);
    while (!signal.aborted) {
      let outcome: 'locked-elsewhere' | 'released' | 'retired';
      try {
        outcome = await this.runOnce(key, signal);
        // Standby: follow the lock holder's checkpoint (and notice a retirement).
        if (outcome === 'locked-elsewhere' && (await this.refreshStandby())) outcome = 'retired';
      } catch (error) {
        this.failures++;
        this.lastError = errorMessage(error);
        this.state = 'failing';
        const backoff = Math.min(this.options.maxBackoffMs, this.options.minBackoffMs * 2 ** Math.min(this.failures - 1, 16));
        this.logger.error(`Projection ${this.name} v${this.version} failed (attempt ${this.failures}, retrying in ${backoff} ms): ${this.lastError}`, error);
        await (this.runnerOptions.recovered ?? new WakeSignal()).wait(backoff, signal);
        continue;
      }
      if (outcome === 'retired') {
        this.state = 'retired';
        this.logger.log(`Projection ${this.name} v${this.version} is retired; its runner stops`);
        this.runnerOptions.onRetired?.({ name: this.name, version: this.version });
        return;
      }
      if (outcome === 'locked-elsewhere') {
        this.state = 'standby';
        // Poll faster while someone waits for a position, so read-your-writes stays snappy.
        await this.standbyWake.wait(this.waiters.size ? this.options.pollIntervalMs : this.options.lockRetryMs, signal);
      }
    }
    this.state = 'stopped';
  }

  /** Standby: adopt the lock holder's checkpoint. Returns true when the version is retired (or gone). */
  private async refreshStandby(): Promise<boolean> {
    const row = await this.checkpoints.get(this.database.db, this.name, this.version);
    if (!row || row.status === 'retired') return true;
    this.versionStatus = row.status;
    this.processed = row.eventsProcessed;
    this.observe(row.position);
    return false;
  }

  private async runOnce(key: string, signal: AbortSignal): Promise<'locked-elsewhere' | 'released' | 'retired'> {
    if (!(await this.locks.tryAcquire(key))) return 'locked-elsewhere';
    this.holdsLock = true;
    try {
      return await this.processWhileLocked(key, signal);
    } finally {
      this.holdsLock = false;
      await this.locks.release(key);
    }
  }

  private async processWhileLocked(key: string, signal: AbortSignal): Promise<'released' | 'retired'> {
    const db = this.database.db;
    let row = await this.checkpoints.get(db, this.name, this.version);
    if (!row || row.status === 'retired') return 'retired';
    this.adopt(row);
    let tables = row.tables;
    let lastStatusCheck = Date.now();
    let indexesCreated = !this.projection.createIndexes;

    while (!signal.aborted && this.locks.holds(key)) {
      await yieldToEventLoop();
      const rebuilding = this.versionStatus === 'rebuilding';
      const batchSize = rebuilding ? this.options.rebuildBatchSize : this.options.batchSize;
      const phase = rebuilding ? 'rebuilding' : 'catching-up';
      // A failing runner stays 'failing' (and health keeps its error) until a batch commits again.
      if (this.state !== 'failing' && (this.state !== 'caught-up' || rebuilding)) this.state = phase;
      const events = await this.reads.readAll(this.checkpoint, batchSize, this.projection.needsMetadata !== false);
      if (signal.aborted) break;

      if (events.length > 0) {
        if (this.state !== 'failing') this.state = phase;
        try {
          await this.commitBatch(events, tables);
        } catch (error) {
          if (!(error instanceof CheckpointConflictError)) throw error;
          // Someone else moved or retired this version (e.g. our lock was lost): start over from the row.
          row = await this.checkpoints.get(db, this.name, this.version);
          if (!row || row.status === 'retired') return 'retired';
          this.logger.warn(`Projection ${this.name} v${this.version}: checkpoint moved elsewhere; resuming from ${row.position}`);
          this.adopt(row);
          tables = row.tables;
          continue;
        }
        this.failures = 0;
        this.lastError = undefined;
        this.state = phase;
        lastStatusCheck = Date.now();
      }

      if (events.length < batchSize) {
        // Everything visible at read time is committed: caught up.
        if (rebuilding && !indexesCreated) {
          // A rebuilt version gets its secondary indexes once its rows are in; then one more pass.
          await createProjectionIndexes(db, this.projection, tables, this.version, this.database.kind === 'postgres' ? '256MB' : undefined);
          indexesCreated = true;
          continue;
        }
        if (rebuilding) {
          await this.switchToActive();
          continue;
        }
        this.state = 'caught-up';
        this.failures = 0;
        this.lastError = undefined;
        if (events.length === 0) {
          if (Date.now() - lastStatusCheck >= this.options.statusCheckMs) {
            lastStatusCheck = Date.now();
            row = await this.checkpoints.get(db, this.name, this.version);
            if (!row || row.status === 'retired') return 'retired';
          }
          await this.wakeSignal.wait(this.options.pollIntervalMs, signal);
        }
        // After a wake-up, and after a batch (more may have arrived meanwhile): gather before reading,
        // so a burst of appends becomes one batch and one transaction, not one per event.
        await this.linger.wait(signal);
      }
    }
    return 'released';
  }

  private adopt(row: CheckpointRow): void {
    this.versionStatus = row.status;
    this.checkpoint = row.position;
    this.processed = row.eventsProcessed;
    this.waiters.check();
  }

  private async commitBatch(events: RecordedEvent[], tables: ProjectionTables): Promise<void> {
    const expected = this.checkpoint;
    const next = events[events.length - 1].position;
    // A copy: the events array may be shared with the other runners (SharedTailReads).
    const handled = this.handles ? events.filter((event) => this.handles!.has(event.type)) : [...events];
    await this.database.db.transaction().execute(async (trx) => {
      // Derived data committed with its checkpoint: after a crash, batches whose commit record had not
      // reached disk are replayed from the event store, never skipped or doubled. Not waiting for the
      // WAL flush per batch halves the commits that wait (BENCHMARKS.md, 2 and 3). Appends stay synchronous.
      // Checkpoint first: it takes the row lock before any table lock (same order as the switch). One
      // statement with the NOTIFY and the commit setting: fewer round trips per batch.
      const move = { name: this.name, version: this.version, expected, next, events: events.length };
      await this.checkpoints.advanceAndNotify(trx, move, { asynchronousCommit: this.database.kind === 'postgres' });
      if (handled.length > 0) await this.projection.apply(trx, handled, tables);
    });
    this.checkpoint = next;
    this.processed += events.length;
    this.waiters.check();
    this.runnerOptions.onCommit?.({
      name: this.name,
      version: this.version,
      versionStatus: this.versionStatus ?? 'active',
      position: next,
      events: events.length,
      handled: handled.length,
      eventsProcessed: this.processed,
    });
  }

  /**
   * Blue/green switch, one transaction: this version becomes active, the previous active one (and
   * older unfinished rebuilds) retired, and their tables dropped. `lock_timeout` keeps a long read
   * of the old tables from stalling everyone behind the DROP's lock; the switch is then retried.
   */
  private async switchToActive(): Promise<void> {
    this.state = 'switching';
    const retired = await this.database.db.transaction().execute(async (trx) => {
      await sql`set local lock_timeout = '5s'`.execute(trx);
      const rows = await this.checkpoints.switchActive(trx, this.name, this.version, this.checkpoint);
      for (const row of rows) {
        if (this.projection.dropTables) await this.projection.dropTables(trx, row.tables, row.version);
        else await dropProjectionTables(trx, row.tables);
      }
      return rows;
    });
    this.versionStatus = 'active';
    this.state = 'caught-up';
    const from = retired.find((row) => row.status === 'active');
    this.logger.log(
      `Projection ${this.name} v${this.version} is now active${from ? ` (replacing v${from.version}, whose tables were dropped)` : ''}`,
    );
    this.runnerOptions.onSwitch?.({ name: this.name, version: this.version, retired });
  }
}

/** Checkpoint versus the store's head; counts the events in between up to `countLimit` (0: don't count). */
export async function measureLag(
  store: EventStore,
  position: string | null,
  countLimit = 1000,
): Promise<Omit<Lag, 'name' | 'version'>> {
  const headPosition = await store.headPosition();
  const caughtUp = headPosition === null || positionReached(position, headPosition);
  if (caughtUp) return { position, headPosition, caughtUp, eventsBehind: 0, eventsBehindAtLeast: false };
  if (countLimit <= 0) return { position, headPosition, caughtUp, eventsBehind: null, eventsBehindAtLeast: false };
  let counted = 0;
  let after = position;
  while (counted < countLimit) {
    await yieldToEventLoop();
    const events = await store.readAll({ after: after ?? undefined, maxCount: Math.min(1000, countLimit - counted) });
    if (events.length === 0) break;
    counted += events.length;
    after = events[events.length - 1].position;
    if (after >= headPosition) break;
  }
  return { position, headPosition, caughtUp, eventsBehind: counted, eventsBehindAtLeast: counted >= countLimit };
}
