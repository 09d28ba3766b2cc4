import { sql, type Kysely } from 'kysely';
import type { Database } from '../database/database.js';
import type { EventStore } from '../event-store/event-store.port.js';
// The NOTIFY channel the PostgreSQL store's append signals on: runners wake on it instead of waiting a poll.
import { EVENTS_CHANNEL } from '../event-store/postgres/postgres-event-store.js';
import { AdvisoryLocks } from './advisory-locks.js';
import {
  CheckpointStore,
  migrateProjectionRuntime,
  PROJECTION_CHANNEL,
  type CheckpointNotice,
  type CheckpointRow,
} from './checkpoint-store.js';
import {
  createProjectionIndexes,
  dropProjectionTables,
  positionReached,
  ProjectionNotReadyError,
  UnknownProjectionError,
  type Projection,
  type ProjectionTables,
} from './projection.js';
import { measureLag, ProjectionRunner, projectionLockKey, type RunnerState } from './projection-runner.js';
import { SharedTailReads } from './shared-tail-reads.js';
import { canRebuildByStream, foldStreamsUpToHead } from './stream-rebuild.js';
import { errorMessage, Linger, PositionWaiters, silentLogger, sleep, WakeSignal, yieldToEventLoop, type Logger } from './wake-signal.js';

export interface ProjectionRuntimeOptions {
  database: Database;
  store: EventStore;
  projections: readonly Projection<any>[];
  logger?: Logger;
  /**
   * When the active version was built by an older `projection.version`, build the new version in the
   * background and switch when caught up (default true). When false, the projection stays on its
   * old tables, unprocessed, until `projections:rebuild` is run.
   */
  autoRebuild?: boolean;
  /** Poll for new events / checkpoints this often when no NOTIFY arrives (default 250 ms). */
  pollIntervalMs?: number;
  /** Caught-up runners gather new events this long before reading, together (default 5 ms; see ProjectionRunner). */
  lingerMs?: number;
  /** Standby runners retry the advisory lock this often (default 1,000 ms). */
  lockRetryMs?: number;
  /** Re-check versions (new rebuilds, switches by other instances) this often (default 5,000 ms). */
  reconcileIntervalMs?: number;
  /** How long a resolved active table name is trusted without a NOTIFY (default 5,000 ms). */
  cacheTtlMs?: number;
  batchSize?: number;
  rebuildBatchSize?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ProjectionStatus {
  name: string;
  /** `projection.version` of the running code. */
  codeVersion: number;
  /** The version readers use (null: none yet). */
  activeVersion: number | null;
  /** State of this instance's runner for the active version ('not-running': none here). */
  state: RunnerState | 'not-running';
  /** Whether this instance is the one processing the active version (holds its advisory lock). */
  processingHere: boolean;
  position: string | null;
  headPosition: string | null;
  caughtUp: boolean;
  eventsBehind: number | null;
  eventsBehindAtLeast: boolean;
  eventsProcessed: number;
  /** A version being built from zero, if any. */
  rebuilding?: { version: number; position: string | null; eventsProcessed: number; state: RunnerState | 'not-running' };
  /** Set when the projection is failing or cannot run here (health turns down). */
  error?: string;
  /** Informational (e.g. the active version was built by newer code, run by other instances). */
  note?: string;
}

export interface RebuildProgress {
  name: string;
  version: number;
  phase: 'waiting-for-lock' | 'rebuilding' | 'switching' | 'done';
  /** Events read past by this version so far (including before a resume). */
  eventsDone: number;
  /** Estimated events in the store when the rebuild started (null until known). */
  totalEstimate: number | null;
  /** Average over this run. */
  eventsPerSecond: number;
  elapsedMs: number;
  /** Estimated remaining time (null when the total is unknown). */
  etaMs: number | null;
  position: string | null;
  /** The last error, while batches are failing and being retried. */
  error?: string;
}

export interface RebuildOptions {
  onProgress?: (progress: RebuildProgress) => void;
  /** How often onProgress is called (default 250 ms). */
  progressIntervalMs?: number;
  /** Events per transaction (default: the projection's rebuildBatchSize, else 1,000). */
  batchSize?: number;
  /** Abandon an unfinished rebuild of this code version and start again from zero (default: resume it). */
  restart?: boolean;
  /**
   * Total estimate: a function, 'scan' (count the events by reading them, in the background), or
   * 'none'. Default: the store's `countEvents()` / `estimateEventCount()` when it has one, else 'scan'.
   */
  total?: 'scan' | 'none' | (() => Promise<number | null>);
  /** Give up after this many consecutive failed batches (default 5); the rebuild can be resumed. */
  maxFailures?: number;
  /** Stops the rebuild after the current batch; it resumes from its checkpoint next time. */
  signal?: AbortSignal;
}

export interface RebuildResult {
  name: string;
  /** Version active before (null: none). */
  fromVersion: number | null;
  version: number;
  /** True when an interrupted rebuild of this version was resumed. */
  resumed: boolean;
  /** Events processed by this run, and by the version in total. */
  eventsProcessed: number;
  totalEventsProcessed: number;
  durationMs: number;
  eventsPerSecond: number;
  position: string | null;
  /** Versions retired by the switch (their tables were dropped). */
  retiredVersions: number[];
  droppedTables: string[];
}

export class RebuildAbortedError extends Error {
  constructor(
    readonly projection: string,
    readonly version: number,
    readonly position: string | null,
    reason: string,
  ) {
    super(`Rebuild of ${projection} v${version} stopped at ${position ?? '(start)'}: ${reason}. Run it again to resume.`);
    this.name = 'RebuildAbortedError';
  }
}

interface ActiveEntry {
  version: number;
  tables: ProjectionTables;
  position: string | null;
  fetchedAt: number;
}

/**
 * Runs every registered projection: one runner per (projection, version) per instance, of which
 * only the advisory-lock holder across instances processes. Also the read side's entry point:
 * - `tables(projection)` / `read(projection, fn)`: the ACTIVE version's physical table names;
 * - `waitForPosition(position, { projections, timeoutMs })`: read-your-writes;
 * - `status()`: lag and errors for /health;
 * - `rebuildProjection(name)`: blue/green rebuild from zero, with progress.
 */
export class ProjectionRuntime {
  private readonly database: Database;
  private readonly store: EventStore;
  private readonly registry = new Map<string, Projection<any>>();
  private readonly checkpoints = new CheckpointStore();
  private readonly logger: Logger;
  private readonly wake = new WakeSignal();
  /** Woken when the LISTEN connection is back after a loss: failing runners retry at once. */
  private readonly recovered = new WakeSignal();
  /** Shared by the runners, so they read the tail together and once (SharedTailReads). */
  private readonly linger: Linger;
  private readonly tailReads: SharedTailReads;
  private readonly runners = new Map<string, ProjectionRunner>();
  /** One dedicated session holds the advisory locks of all this runtime's runners. */
  private readonly locks: AdvisoryLocks;
  private readonly active = new Map<string, ActiveEntry>();
  private readonly waiters = new PositionWaiters();
  /** Projections whose last set-up attempt failed, with the error (shown by status()). */
  private readonly setupErrors = new Map<string, string>();
  private readonly unlisteners: Array<() => Promise<void>> = [];
  private migrated?: Promise<void>;
  private started = false;
  private stopping = false;
  private reconciling: Promise<void> = Promise.resolve();
  private reconcileTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private refreshChain: Promise<void> = Promise.resolve();
  private queuedRefresh?: Promise<void>;

  constructor(private readonly options: ProjectionRuntimeOptions) {
    this.database = options.database;
    this.store = options.store;
    this.logger = options.logger ?? silentLogger;
    this.locks = new AdvisoryLocks(options.database, { logger: this.logger });
    this.linger = new Linger(options.lingerMs ?? 5, () => this.waiters.size > 0);
    this.tailReads = new SharedTailReads(options.store);
    for (const projection of options.projections) this.register(projection);
  }

  /** Adds a projection (before `start()`; later ones start at the next reconcile). */
  register(projection: Projection<any>): void {
    if (this.registry.has(projection.name)) throw new Error(`Projection "${projection.name}" is registered twice`);
    this.registry.set(projection.name, projection);
  }

  get projections(): Projection<any>[] {
    return [...this.registry.values()];
  }

  projection(name: string): Projection<any> {
    const projection = this.registry.get(name);
    if (!projection) throw new UnknownProjectionError(name);
    return projection;
  }

  /** Creates the checkpoint table (once per runtime; idempotent across instances). */
  migrate(): Promise<void> {
    this.migrated ??= migrateProjectionRuntime(this.database.db).catch((error) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  /**
   * Migrates, creates the tables of projections seen for the first time (so queries work at once),
   * then runs every projection in the background. Resolves before they are caught up.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    await this.migrate();
    await this.listen(EVENTS_CHANNEL, () => this.wake.wake(), () => this.onResume());
    // A store that does not NOTIFY on append (EventStoreDB): wake the runners from a live subscription instead of waiting a poll.
    if (this.store.name !== 'postgres') this.unlisteners.push(this.wakeOnNewEvents());
    await this.listen(PROJECTION_CHANNEL, (payload) => this.onNotice(payload));
    await this.reconcile();
    this.reconcileTimer = setInterval(() => void this.reconcile().catch(() => undefined), this.options.reconcileIntervalMs ?? 5000);
  }

  /** Stops every runner (each finishes or rolls back its batch and releases its lock). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    clearInterval(this.reconcileTimer);
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    await this.reconciling.catch(() => undefined);
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    this.runners.clear();
    await this.locks.close();
    await Promise.all(this.unlisteners.splice(0).map((unlisten) => unlisten().catch(() => undefined)));
    this.waiters.flush();
  }

  // ---------------------------------------------------------------- read side

  /** The active version of a projection (null: not built yet). */
  async activeVersion(name: string): Promise<number | null> {
    this.projection(name);
    return (await this.activeEntry(name))?.version ?? null;
  }

  /**
   * Physical table names of the ACTIVE version, e.g. `{ summary: 'stream_summary_v2' }`. Cached;
   * refreshed on a switch (NOTIFY) and at least every `cacheTtlMs`. Prefer `read()`, which also
   * survives the instant of a switch.
   */
  async tables<Tables extends ProjectionTables>(projection: Projection<Tables> | string): Promise<Tables> {
    const name = typeof projection === 'string' ? projection : projection.name;
    this.projection(name);
    const entry = await this.activeEntry(name);
    if (!entry) throw new ProjectionNotReadyError(name);
    return entry.tables as Tables;
  }

  /**
   * Runs a query against the active version's tables. If the version was switched (and its tables
   * dropped) between resolving the names and running the query, resolves again and retries once,
   * so reads see no downtime across a rebuild.
   */
  async read<Tables extends ProjectionTables, Result>(
    projection: Projection<Tables> | string,
    query: (tables: Tables) => Promise<Result>,
  ): Promise<Result> {
    const name = typeof projection === 'string' ? projection : projection.name;
    const tables = await this.tables<Tables>(name);
    try {
      return await query(tables);
    } catch (error) {
      if (!isUndefinedTable(error)) throw error;
      this.active.delete(name);
      const fresh = await this.tables<Tables>(name);
      if (sameTables(fresh, tables)) throw error;
      return query(fresh);
    }
  }

  /** Last known checkpoint of the active version. */
  async position(name: string): Promise<string | null> {
    this.projection(name);
    return (await this.activeEntry(name))?.position ?? null;
  }

  /**
   * Waits (at most `timeoutMs`) until the listed projections have processed the event store's newest
   * event, so a read covers every write committed before the call. `head` is null on an empty store.
   */
  async waitForHead(options: { projections?: readonly string[]; timeoutMs: number }): Promise<{ head: string | null; reached: boolean }> {
    const head = await this.store.headPosition();
    if (head === null) return { head, reached: true };
    return { head, reached: await this.waitForPosition(head, options) };
  }

  /**
   * Resolves true once every listed projection's ACTIVE version has processed `position` (a global
   * position from a command's answer), false after `timeoutMs`. Default: all projections.
   * Works on every instance: checkpoints of the instance that processes arrive by NOTIFY, with a
   * poll as fallback.
   */
  async waitForPosition(position: string, options: { projections?: readonly string[]; timeoutMs: number }): Promise<boolean> {
    const names = options.projections ?? [...this.registry.keys()];
    for (const name of names) this.projection(name);
    const started = Date.now();
    await Promise.all(names.map((name) => this.activeEntry(name)));
    const reached = () => names.every((name) => positionReached(this.active.get(name)?.position, position));
    const waiting = this.waiters.wait(reached, options.timeoutMs - (Date.now() - started));
    if (!reached()) this.linger.release(); // read-your-writes does not wait out the runners' pause
    this.ensurePolling();
    return waiting;
  }

  /** Lag of the active version behind the store's head. */
  async lag(name: string, countLimit = 1000) {
    const entry = await this.activeEntry(name);
    const position = this.localRunner(name, entry?.version)?.position() ?? entry?.position ?? null;
    return { name, version: entry?.version ?? null, ...(await measureLag(this.store, position, countLimit)) };
  }

  /** One entry per projection, for /health and operators. */
  async status(countLimit = 1000): Promise<ProjectionStatus[]> {
    await this.migrate();
    const rows = await this.checkpoints.list(this.database.db);
    const headPosition = await this.store.headPosition();
    const result: ProjectionStatus[] = [];
    for (const projection of this.registry.values()) {
      const mine = rows.filter((row) => row.name === projection.name);
      const active = mine.find((row) => row.status === 'active');
      const runner = active ? this.runners.get(runnerKey(projection.name, active.version)) : undefined;
      const runnerStatus = runner?.status();
      const position = runnerStatus?.holdsLock ? runnerStatus.position : (active?.position ?? null);
      const lag =
        headPosition === null || positionReached(position, headPosition)
          ? { eventsBehind: 0, eventsBehindAtLeast: false }
          : await measureLag(this.store, position, countLimit);
      const building = mine.find((row) => row.status === 'rebuilding' && row.codeVersion === projection.version);
      const buildingRunner = building ? this.runners.get(runnerKey(projection.name, building.version)) : undefined;
      const status: ProjectionStatus = {
        name: projection.name,
        codeVersion: projection.version,
        activeVersion: active?.version ?? null,
        state: runnerStatus?.state ?? 'not-running',
        processingHere: runnerStatus?.holdsLock ?? false,
        position,
        headPosition,
        caughtUp: headPosition === null || positionReached(position, headPosition),
        eventsBehind: lag.eventsBehind,
        eventsBehindAtLeast: lag.eventsBehindAtLeast,
        eventsProcessed: runnerStatus?.holdsLock ? runnerStatus.eventsProcessed : (active?.eventsProcessed ?? 0),
      };
      if (building) {
        const buildingStatus = buildingRunner?.status();
        status.rebuilding = {
          version: building.version,
          position: buildingStatus?.holdsLock ? buildingStatus.position : building.position,
          eventsProcessed: buildingStatus?.holdsLock ? buildingStatus.eventsProcessed : building.eventsProcessed,
          state: buildingStatus?.state ?? 'not-running',
        };
      }
      const error = this.setupErrors.get(projection.name) ?? runnerStatus?.error ?? buildingRunner?.status().error;
      if (error) status.error = error;
      if (active && active.codeVersion > projection.version) {
        status.note = `v${active.version} was built by newer code (version ${active.codeVersion}); instances running it process it`;
      } else if (active && active.codeVersion < projection.version && !building) {
        status.error = `v${active.version} was built by code version ${active.codeVersion}; this code is version ${projection.version}: run \`npm run projections:rebuild -- ${projection.name}\``;
      }
      result.push(status);
    }
    return result;
  }

  // ---------------------------------------------------------------- rebuild

  /**
   * Blue/green rebuild from zero: creates the tables of a NEW version (active + 1), processes every
   * event in batches (each its own transaction), and when caught up switches atomically: the new
   * version active, the old one retired and its tables dropped. Readers keep reading the old
   * version meanwhile. An interrupted rebuild (crash, Ctrl-C, `signal`) resumes from its own
   * checkpoint on the next call (or is finished by a running app instance, which picks it up).
   */
  async rebuildProjection(name: string, options: RebuildOptions = {}): Promise<RebuildResult> {
    const projection = this.projection(name);
    await this.migrate();
    const startedAt = Date.now();
    const { row: target, resumed, fromVersion, liveBefore } = await this.prepareRebuild(projection, options.restart ?? false);
    const key = runnerKey(name, target.version);
    const startEvents = target.eventsProcessed;
    let retired: CheckpointRow[] = [];
    let switchedHere = false;

    let runner: ProjectionRunner | undefined;
    let total: number | null = null;
    const counting = new AbortController();
    void this.estimateTotal(options.total, counting.signal).then(
      (count) => (total = count),
      () => undefined,
    );
    // By-stream phase (Projection.applyStreams) before the runner goes on in global order.
    let streamPhase: { eventsProcessed: number } | null = null;
    const report = (phase: RebuildProgress['phase']): RebuildProgress => {
      const status = runner?.status() ?? { eventsProcessed: streamPhase?.eventsProcessed ?? startEvents, position: null, error: undefined };
      const elapsedMs = Date.now() - startedAt;
      const done = Math.max(0, status.eventsProcessed - startEvents);
      const eventsPerSecond = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
      const totalEstimate = total === null ? null : Math.max(total, status.eventsProcessed);
      const progress: RebuildProgress = {
        name,
        version: target.version,
        phase,
        eventsDone: status.eventsProcessed,
        totalEstimate,
        eventsPerSecond,
        elapsedMs,
        etaMs: totalEstimate !== null && eventsPerSecond > 0 ? ((totalEstimate - status.eventsProcessed) * 1000) / eventsPerSecond : null,
        position: status.position,
        ...(status.error ? { error: status.error } : {}),
      };
      options.onProgress?.(progress);
      return progress;
    };
    if (!this.runners.has(key) && canRebuildByStream(this.store, projection, target.position)) {
      try {
        await this.rebuildByStream(
          projection,
          target,
          options,
          (eventsProcessed) => (streamPhase = { eventsProcessed }),
          () => report('rebuilding'),
        );
      } catch (error) {
        counting.abort();
        throw error;
      }
    }

    // Looked up after the by-stream phase: a started runtime's reconcile may have created it meanwhile.
    runner = this.runners.get(key);
    const ownRunner = !runner;
    if (!runner) {
      runner = this.createRunner(projection, target.version, {
        rebuildBatchSize: options.batchSize,
        onSwitch: (change) => {
          retired = change.retired;
          switchedHere = true;
        },
      });
      if (this.started) this.runners.set(key, runner);
      runner.start();
    }
    const driver = runner;

    const maxFailures = options.maxFailures ?? 5;
    // Ctrl-C: our own runner stops at once (the batch in flight commits or rolls back).
    const stopOwnRunner = () => void driver.stop();
    if (ownRunner) options.signal?.addEventListener('abort', stopOwnRunner, { once: true });
    try {
      for (;;) {
        const status = driver.status();
        if (status.versionStatus === 'active') break;
        if (status.state === 'retired') {
          throw new RebuildAbortedError(name, target.version, status.position, 'it was retired (superseded by another version)');
        }
        if (options.signal?.aborted) throw new RebuildAbortedError(name, target.version, status.position, 'interrupted');
        if (status.failures >= maxFailures) {
          throw new RebuildAbortedError(name, target.version, status.position, `${status.failures} failed attempts: ${status.error}`);
        }
        report(status.state === 'standby' ? 'waiting-for-lock' : status.state === 'switching' ? 'switching' : 'rebuilding');
        await sleep(options.progressIntervalMs ?? 250, options.signal);
      }
    } finally {
      options.signal?.removeEventListener('abort', stopOwnRunner);
      counting.abort();
      if (ownRunner && !(this.started && driver.status().versionStatus === 'active')) {
        // CLI (or a failed rebuild): stop our runner; a started runtime keeps the new active one.
        await driver.stop();
        if (this.runners.get(key) === driver) this.runners.delete(key);
      }
    }

    if (!switchedHere) {
      // Switched by another instance that held the lock: the versions live before that are retired now.
      const rows = await this.checkpoints.list(this.database.db, name);
      retired = rows.filter((row) => row.status === 'retired' && liveBefore.includes(row.version));
    }
    this.active.delete(name);
    if (total === null) total = driver.status().eventsProcessed;
    const final = report('done');
    if (this.started) void this.reconcile().catch(() => undefined);
    return {
      name,
      fromVersion,
      version: target.version,
      resumed,
      eventsProcessed: Math.max(0, final.eventsDone - startEvents),
      totalEventsProcessed: final.eventsDone,
      durationMs: final.elapsedMs,
      eventsPerSecond: final.eventsPerSecond,
      position: final.position,
      retiredVersions: retired.map((row) => row.version),
      droppedTables: retired.flatMap((row) => Object.values(row.tables)),
    };
  }

  /**
   * The by-stream phase (stream-rebuild.ts) under the version's advisory lock. When another session
   * holds the lock (an app instance already driving this version), it is skipped: the runner follows.
   * An interrupted phase leaves the checkpoint null, so the next attempt starts it again from zero.
   */
  private async rebuildByStream(
    projection: Projection<any>,
    target: CheckpointRow,
    options: RebuildOptions,
    onEvents: (eventsProcessed: number) => void,
    report: () => void,
  ): Promise<void> {
    const key = projectionLockKey(projection.name, target.version);
    if (!(await this.locks.tryAcquire(key))) return;
    let lastReport = 0;
    try {
      await foldStreamsUpToHead({
        database: this.database,
        store: this.store,
        projection,
        version: target.version,
        tables: target.tables,
        checkpoints: this.checkpoints,
        // An explicit batch size also sizes the pages (default: 20,000 events per page).
        pageSize: options.batchSize,
        signal: options.signal,
        onProgress: (events) => {
          onEvents(target.eventsProcessed + events);
          if (Date.now() - lastReport < (options.progressIntervalMs ?? 250)) return;
          lastReport = Date.now();
          report();
        },
      });
    } catch (error) {
      const reason = options.signal?.aborted ? 'interrupted' : errorMessage(error);
      throw new RebuildAbortedError(projection.name, target.version, null, `${reason} (in the by-stream phase, which starts again from zero)`);
    } finally {
      await this.locks.release(key);
    }
  }

  /** Creates the next version for a rebuild, or finds the unfinished one to resume. */
  private async prepareRebuild(
    projection: Projection<any>,
    restart: boolean,
  ): Promise<{ row: CheckpointRow; resumed: boolean; fromVersion: number | null; liveBefore: number[] }> {
    let resumed = false;
    let fromVersion: number | null = null;
    let liveBefore: number[] = [];
    const row = await this.withSetupLock(projection.name, async (trx, rows) => {
      fromVersion = rows.find((candidate) => candidate.status === 'active')?.version ?? null;
      liveBefore = rows.filter((candidate) => candidate.status !== 'retired').map((candidate) => candidate.version);
      const unfinished = rows.find((candidate) => candidate.status === 'rebuilding' && candidate.codeVersion === projection.version);
      if (unfinished && !restart) {
        resumed = true;
        return unfinished;
      }
      if (unfinished) {
        // The runner driving it (here or elsewhere) notices the retirement at its next batch.
        await this.checkpoints.retire(trx, projection.name, unfinished.version);
        await this.dropTables(trx, projection, unfinished);
      }
      return this.createVersion(trx, projection, rows, 'rebuilding');
    });
    return { row, resumed, fromVersion, liveBefore: liveBefore.filter((version) => version !== row.version) };
  }

  private async estimateTotal(total: RebuildOptions['total'], signal: AbortSignal): Promise<number | null> {
    if (total === 'none') return null;
    if (typeof total === 'function') return total();
    const store = this.store as EventStore & { countEvents?: () => Promise<number>; estimateEventCount?: () => Promise<number> };
    if (total === undefined && typeof store.countEvents === 'function') return store.countEvents();
    if (total === undefined && typeof store.estimateEventCount === 'function') return store.estimateEventCount();
    // Count by reading up to the head as of now (in the background, in big pages).
    const head = await this.store.headPosition();
    if (head === null) return 0;
    let count = 0;
    let after: string | undefined;
    while (!signal.aborted) {
      await yieldToEventLoop();
      const events = await this.store.readAll({ after, maxCount: 5000 });
      if (events.length === 0) break;
      const last = events[events.length - 1].position;
      count += last <= head ? events.length : events.filter((event) => event.position <= head).length;
      if (last >= head) break;
      after = last;
    }
    return signal.aborted ? null : count;
  }

  // ---------------------------------------------------------------- supervision

  /**
   * Makes the running set match the checkpoint table: first start creates a projection's initial
   * (active) version; a code version bump starts a background rebuild (autoRebuild); unfinished
   * rebuilds of this code version are resumed (or followed, when another instance drives them);
   * runners of retired versions end.
   */
  reconcile(): Promise<void> {
    const next = this.reconciling.then(() => this.reconcileNow());
    this.reconciling = next.catch((error) => this.logger.error(`Projection reconcile failed: ${errorMessage(error)}`, error));
    return next;
  }

  private async reconcileNow(): Promise<void> {
    if (!this.started || this.stopping) return;
    const wanted = new Set<string>();
    for (const projection of this.registry.values()) {
      try {
        await this.reconcileProjection(projection, wanted);
        this.setupErrors.delete(projection.name);
      } catch (error) {
        // One projection failing to set up (e.g. its createTables) must not hold back the others.
        this.setupErrors.set(projection.name, errorMessage(error));
        this.logger.error(`Projection ${projection.name} could not be set up: ${errorMessage(error)}`, error);
        for (const key of this.runners.keys()) if (key.startsWith(`${projection.name}:`)) wanted.add(key);
      }
    }
    for (const [key, runner] of this.runners) {
      if (wanted.has(key) && runner.status().state !== 'retired') continue;
      this.runners.delete(key);
      await runner.stop();
    }
    await this.refreshActive();
  }

  private async reconcileProjection(projection: Projection<any>, wanted: Set<string>): Promise<void> {
    let rows = await this.checkpoints.list(this.database.db, projection.name);
    const needsInitial = (all: CheckpointRow[]) =>
      !all.some((row) => row.status === 'active') && !all.some((row) => row.status === 'rebuilding' && row.codeVersion === projection.version);
    const needsUpgrade = (all: CheckpointRow[]) => {
      const active = all.find((row) => row.status === 'active');
      return (
        (this.options.autoRebuild ?? true) &&
        active !== undefined &&
        active.codeVersion < projection.version &&
        !all.some((row) => row.status === 'rebuilding' && row.codeVersion === projection.version)
      );
    };
    if (needsInitial(rows) || needsUpgrade(rows)) {
      await this.withSetupLock(projection.name, async (trx, locked) => {
        if (needsInitial(locked)) {
          await this.createVersion(trx, projection, locked, 'active');
        } else if (needsUpgrade(locked)) {
          const created = await this.createVersion(trx, projection, locked, 'rebuilding');
          this.logger.log(`Projection ${projection.name}: code version ${projection.version} is new; rebuilding as v${created.version}`);
        }
      });
      rows = await this.checkpoints.list(this.database.db, projection.name);
    }
    for (const row of rows) {
      const runnable = row.codeVersion === projection.version && (row.status === 'active' || row.status === 'rebuilding');
      if (runnable) wanted.add(runnerKey(projection.name, row.version));
    }
    for (const row of rows) {
      const key = runnerKey(projection.name, row.version);
      if (!wanted.has(key) || this.runners.has(key)) continue;
      const runner = this.createRunner(projection, row.version, {});
      this.runners.set(key, runner);
      runner.start();
    }
  }

  private createRunner(
    projection: Projection<any>,
    version: number,
    extra: { rebuildBatchSize?: number; onSwitch?: (change: { retired: CheckpointRow[] }) => void },
  ): ProjectionRunner {
    return new ProjectionRunner({
      database: this.database,
      store: this.store,
      projection,
      version,
      checkpoints: this.checkpoints,
      locks: this.locks,
      wake: this.wake,
      recovered: this.recovered,
      linger: this.linger,
      reads: this.tailReads,
      logger: this.logger,
      pollIntervalMs: this.options.pollIntervalMs,
      lockRetryMs: this.options.lockRetryMs,
      batchSize: this.options.batchSize,
      rebuildBatchSize: extra.rebuildBatchSize ?? this.options.rebuildBatchSize,
      minBackoffMs: this.options.minBackoffMs,
      maxBackoffMs: this.options.maxBackoffMs,
      onCommit: (batch) => {
        if (batch.versionStatus === 'active') this.advanceActive(batch.name, batch.version, batch.position);
      },
      onSwitch: (change) => {
        this.active.delete(change.name);
        extra.onSwitch?.(change);
        void this.refreshActive().catch(() => undefined);
        if (this.started) void this.reconcile().catch(() => undefined);
      },
      onRetired: () => {
        if (this.started) void this.reconcile().catch(() => undefined);
      },
    });
  }

  /** Runs `fn` in a transaction holding the projection's setup lock, with its rows read under it. */
  private async withSetupLock<T>(name: string, fn: (trx: Kysely<any>, rows: CheckpointRow[]) => Promise<T>): Promise<T> {
    return this.database.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`projection-setup:${name}`}))`.execute(trx);
      return fn(trx, await this.checkpoints.list(trx, name));
    });
  }

  /** New version = max(existing) + 1 (at least the code's version): its tables and its checkpoint row. */
  private async createVersion(
    trx: Kysely<any>,
    projection: Projection<any>,
    rows: CheckpointRow[],
    status: 'active' | 'rebuilding',
  ): Promise<CheckpointRow> {
    const version = Math.max(projection.version, ...rows.map((row) => row.version + 1));
    const tables = projection.tables(version);
    await projection.createTables(trx, tables, version);
    // A live version gets its secondary indexes at once; a rebuilding one before its switch (runner).
    if (status === 'active') await createProjectionIndexes(trx, projection, tables, version);
    await this.checkpoints.create(trx, { name: projection.name, version, codeVersion: projection.version, status, tables });
    return (await this.checkpoints.get(trx, projection.name, version))!;
  }

  private async dropTables(trx: Kysely<any>, projection: Projection<any>, row: CheckpointRow): Promise<void> {
    if (projection.dropTables) await projection.dropTables(trx, row.tables, row.version);
    else await dropProjectionTables(trx, row.tables);
  }

  private localRunner(name: string, version: number | undefined): ProjectionRunner | undefined {
    return version === undefined ? undefined : this.runners.get(runnerKey(name, version));
  }

  private async activeEntry(name: string): Promise<ActiveEntry | undefined> {
    const entry = this.active.get(name);
    if (entry && Date.now() - entry.fetchedAt < (this.options.cacheTtlMs ?? 5000)) return entry;
    await this.refreshActive();
    return this.active.get(name);
  }

  /**
   * Reloads every active version. Calls queue behind a load in flight (which may have read before the
   * change that prompted them) and join a load that is queued but not started yet.
   */
  private refreshActive(): Promise<void> {
    if (this.queuedRefresh) return this.queuedRefresh;
    const load = this.refreshChain.then(() => {
      this.queuedRefresh = undefined;
      return this.loadActive();
    });
    this.queuedRefresh = load;
    this.refreshChain = load.catch(() => undefined);
    return load;
  }

  private async loadActive(): Promise<void> {
    await this.migrate();
    const rows = (await this.checkpoints.list(this.database.db)).filter((row) => row.status === 'active');
    const now = Date.now();
    for (const name of this.registry.keys()) {
      const row = rows.find((candidate) => candidate.name === name);
      if (!row) {
        this.active.delete(name);
        continue;
      }
      const previous = this.active.get(name);
      const position =
        previous?.version === row.version && previous.position !== null && (row.position === null || previous.position > row.position)
          ? previous.position
          : row.position;
      this.active.set(name, { version: row.version, tables: row.tables, position, fetchedAt: now });
    }
    this.waiters.check();
  }

  private advanceActive(name: string, version: number, position: string | null | undefined): void {
    const entry = this.active.get(name);
    if (!entry || entry.version !== version || position == null) return;
    if (entry.position === null || position > entry.position) entry.position = position;
    this.waiters.check();
  }

  /** While someone waits for a position, poll the checkpoints (fallback for a lost or absent NOTIFY). */
  private ensurePolling(): void {
    if (this.pollTimer || this.waiters.size === 0) return;
    this.pollTimer = setInterval(() => {
      if (this.waiters.size === 0) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
        return;
      }
      void this.refreshActive().catch(() => undefined);
    }, this.options.pollIntervalMs ?? 250);
  }

  /** Wakes the runners on every new event of a live subscription; returns its closer. Polling stays the fallback. */
  private wakeOnNewEvents(): () => Promise<void> {
    const subscription = this.store.subscribeToAll({ after: 'end' });
    void (async () => {
      try {
        for await (const _event of subscription) this.wake.wake();
      } catch (error) {
        this.logger.warn(`projections: the new-events subscription ended (${errorMessage(error)}); polling only`);
      }
    })();
    return () => subscription.close();
  }

  private async listen(channel: string, onNotify: (payload: string) => void, onResume?: () => void): Promise<void> {
    try {
      this.unlisteners.push(await this.database.listen(channel, onNotify, { onResume }));
    } catch (error) {
      this.logger.warn(`Cannot LISTEN on ${channel} (${errorMessage(error)}); polling instead`);
    }
  }

  /**
   * The LISTEN connection is back after a loss: every notification in between is lost. Runners read
   * what was appended, failing ones retry now, and checkpoints / versions are read again.
   */
  private onResume(): void {
    this.logger.log('LISTEN is active again after a lost database connection; catching up');
    this.recovered.wake();
    this.wake.wake();
    this.active.clear();
    void this.refreshActive().catch(() => undefined);
    if (this.started) void this.reconcile().catch(() => undefined);
  }

  private onNotice(payload: string): void {
    let notice: CheckpointNotice;
    try {
      notice = JSON.parse(payload) as CheckpointNotice;
    } catch {
      return;
    }
    if (!this.registry.has(notice.name)) return;
    if (notice.kind === 'checkpoint') {
      this.advanceActive(notice.name, notice.version, notice.position);
      this.runners.get(runnerKey(notice.name, notice.version))?.observe(notice.position);
      return;
    }
    // A version was created, switched or retired (maybe by another instance or the CLI).
    this.active.delete(notice.name);
    void this.refreshActive().catch(() => undefined);
    if (this.started) void this.reconcile().catch(() => undefined);
  }
}

function runnerKey(name: string, version: number): string {
  return `${name}:${version}`;
}

function sameTables(a: ProjectionTables, b: ProjectionTables): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** 42P01 undefined_table (a dropped version's table), also when wrapped. */
export function isUndefinedTable(error: unknown): boolean {
  for (let current = error as { code?: string; cause?: unknown } | undefined, depth = 0; current && depth < 5; depth++) {
    if (current.code === '42P01') return true;
    current = current.cause as typeof current;
  }
  return false;
}
