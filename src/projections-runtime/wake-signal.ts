/**
 * A broadcast "something changed" signal: `wait(ms)` resolves on the next `wake()` or after `ms`,
 * whichever comes first. The runtime wakes it on every NOTIFY from the event store, so runners that
 * are caught up react at once and only poll (every `ms`) as a fallback.
 */
export class WakeSignal {
  private waiters = new Set<() => void>();

  wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiters) resolve();
  }

  /** Resolves on the next `wake()`, after `ms`, or when `signal` aborts, whichever comes first. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** Resolves after `ms` or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new WakeSignal().wait(ms, signal);
}

/**
 * Lets timers and I/O run. PGlite answers queries without ever returning to the event loop (only
 * microtasks), so a loop of queries would otherwise starve every timer and socket in the process
 * (measured: 300 queries, ~270 ms, and a 10 ms timer never fired). Call it between batches.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Logger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export const silentLogger: Logger = { log: () => undefined, warn: () => undefined, error: () => undefined };

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Pending `waitForPosition` calls: each resolves true once `current()` reaches its target, false on timeout. */
export class PositionWaiters {
  private readonly pending = new Set<{ reached: () => boolean; finish: (ok: boolean) => void }>();

  get size(): number {
    return this.pending.size;
  }

  wait(reached: () => boolean, timeoutMs: number): Promise<boolean> {
    if (reached()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const entry = {
        reached,
        finish: (ok: boolean) => {
          clearTimeout(timer);
          this.pending.delete(entry);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => entry.finish(entry.reached()), Math.max(0, timeoutMs));
      this.pending.add(entry);
    });
  }

  /** Re-checks every waiter (call after the position moved). */
  check(): void {
    for (const entry of [...this.pending]) if (entry.reached()) entry.finish(true);
  }

  /** Settles every waiter with its current answer (on stop). */
  flush(): void {
    for (const entry of [...this.pending]) entry.finish(entry.reached());
  }
}

/**
 * A shared, coalescing pause before a caught-up runner reads again: every `wait()` made while a
 * window is open ends with that window's single timer, so the runners of an instance read together
 * (one shared read, see SharedTailReads) and each commits the events of the whole window in one
 * transaction instead of one per event. `release()` ends the window at once (someone waits for a
 * position: read-your-writes must not pay the pause). `ms` 0: no pause.
 */
export class Linger {
  private readonly waiters = new Set<() => void>();
  private timer?: NodeJS.Timeout;

  /** `urgent`: while it answers true there is no pause (e.g. someone waits for a position). */
  constructor(
    readonly ms: number,
    private readonly urgent: () => boolean = () => false,
  ) {}

  wait(signal?: AbortSignal): Promise<void> {
    if (this.ms <= 0 || signal?.aborted || this.urgent()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        if (this.waiters.size === 0) {
          clearTimeout(this.timer); // the last pause ended early (abort): no timer left behind
          this.timer = undefined;
        }
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
      this.timer ??= setTimeout(() => this.release(), this.ms);
    });
  }

  /** How many callers are pausing now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Ends the open window now (no-op when none is open). */
  release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const done of [...this.waiters]) done();
  }
}
