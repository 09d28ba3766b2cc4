import { sql } from 'kysely';
import { isDomainRuleViolation, isValidationFailed } from '../domain-kernel/errors.js';
import { observableClock, type Clock } from '../domain-kernel/clock.js';
import type { Database } from '../database/database.js';
import type { CustomerCommandExecutor } from '../customers/application/customer-command-executor.js';
import { errorMessage, silentLogger, WakeSignal, yieldToEventLoop, type Logger } from '../projections-runtime/wake-signal.js';
import { DUE_ACTIONS_CHANNEL, toDueAction, type DueAction, type DueActionRow } from './due-actions.schema.js';
import type { DueActionRegistry } from './due-action-registry.js';
import { SYSTEM_ACTOR } from './system-actor.js';

export const AUTOMATION_RULES = {
  unknownKind: 'automation.unknown_kind',
  invalidAction: 'automation.invalid_action',
  attemptsExhausted: 'automation.attempts_exhausted',
} as const;

export interface DueActionRunnerOptions {
  database: Database;
  clock: Clock;
  registry: DueActionRegistry;
  executor: CustomerCommandExecutor;
  logger?: Logger;
  /** Rows claimed per statement (default 100). */
  batchSize?: number;
  /** How long a claim holds before another instance may take the row over (default 60 s). */
  leaseMs?: number;
  /** Longest sleep between two looks at the table, a fallback to the timer and NOTIFY (default 30 s). */
  pollMs?: number;
  /** Customers worked on at once within a batch (default 8 on PostgreSQL, 1 on PGlite). */
  concurrency?: number;
  /** Infrastructure failures of one row before it is marked failed (default 10). */
  maxAttempts?: number;
}

/** What one `runDue()` did. */
export interface RunSummary {
  done: number;
  failed: number;
  /** Rows left pending after an infrastructure error (retried later). */
  retried: number;
}

/**
 * Runs due actions. One loop per instance: it sleeps until the earliest pending due time (a timer,
 * re-armed on NOTIFY `chronicle_due_actions` from any instance and on moves of an observable
 * clock, with a `pollMs` fallback), then claims due rows in due order with `FOR UPDATE SKIP LOCKED`
 * (two instances never claim the same row; a claim is a lease, so a crashed instance's rows come
 * back), runs each through the customer decider as the system actor, and marks it done or failed.
 *
 * Exactly once: the events a row appends have ids derived from the row id and are appended at the
 * revision the decision read (CustomerCommandExecutor.runAutomatic). A run that appended and died
 * before marking the row is repeated by the next claim, which finds its events already in the
 * stream and only marks the row. Catch-up after downtime: overdue rows run oldest first; each
 * event's metadata records `dueAt` and `ranAt`. Rows of one customer run in due order; different
 * customers of a batch run side by side (`concurrency`).
 */
export class DueActionRunner {
  private readonly signal = new WakeSignal();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private chain: Promise<unknown> = Promise.resolve();
  private unlisten?: () => Promise<void>;
  private unwatchClock?: () => void;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly logger: Logger;

  constructor(private readonly options: DueActionRunnerOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 30_000;
    this.concurrency = options.concurrency ?? (options.database.kind === 'pglite' ? 1 : 8);
    this.maxAttempts = options.maxAttempts ?? 10;
    this.logger = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.unlisten = await this.options.database.listen(DUE_ACTIONS_CHANNEL, () => this.wake(), { onResume: () => this.wake() });
    const clock = this.options.clock;
    if (observableClock(clock)) this.unwatchClock = clock.onChange(() => this.wake());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.unwatchClock?.();
    await this.unlisten?.().catch(() => undefined);
    await this.loop;
    await this.chain.catch(() => undefined);
    this.loop = undefined;
  }

  /** Look again now (something was scheduled, the clock moved). */
  wake(): void {
    this.signal.wake();
  }

  /**
   * Runs every row due at the clock's now, in due order, and resolves when they are done (calls
   * are queued: one at a time per instance). Tests move the clock and await this.
   */
  runDue(): Promise<RunSummary> {
    const next = this.chain.then(() => this.drain());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The earliest due time no claim holds, or null when nothing is pending. */
  async nextDueAt(): Promise<Date | null> {
    const now = this.options.clock.now().toISOString();
    const { rows } = await sql<{ due_at: Date | string }>`SELECT due_at FROM due_actions
      WHERE state = 'pending' AND (claimed_until IS NULL OR claimed_until <= ${now}::timestamptz)
      ORDER BY due_at, id LIMIT 1`.execute(this.options.database.db);
    return rows.length ? new Date(rows[0].due_at) : null;
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      let delay = this.pollMs;
      try {
        await this.runDue();
        const next = await this.nextDueAt();
        if (next) delay = Math.min(this.pollMs, Math.max(0, next.getTime() - this.options.clock.now().getTime()));
      } catch (error) {
        if (signal.aborted) break;
        this.logger.warn(`Due actions: ${errorMessage(error)}; trying again in ${this.pollMs / 1000} s`);
      }
      // A due time reached a few ms early by the timer is picked up by the next round.
      await this.signal.wait(delay === 0 ? 0 : delay + 5, signal);
    }
  }

  private async drain(): Promise<RunSummary> {
    const summary: RunSummary = { done: 0, failed: 0, retried: 0 };
    // Bounded: at most 10,000 batches per call; the loop comes back for the rest.
    for (let round = 0; round < 10_000 && !this.abort.signal.aborted; round++) {
      const claimed = await this.claim();
      if (claimed.length === 0) break;
      await this.processBatch(claimed, summary);
      await yieldToEventLoop();
      if (claimed.length < this.batchSize) break;
    }
    return summary;
  }

  private async claim(): Promise<DueAction[]> {
    const now = this.options.clock.now();
    const lease = new Date(now.getTime() + this.leaseMs).toISOString();
    const { rows } = await sql<DueActionRow>`
      UPDATE due_actions SET claimed_until = ${lease}::timestamptz, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM due_actions
        WHERE state = 'pending' AND due_at <= ${now.toISOString()}::timestamptz
          AND (claimed_until IS NULL OR claimed_until <= ${now.toISOString()}::timestamptz)
        ORDER BY due_at, id
        LIMIT ${this.batchSize}
        FOR UPDATE SKIP LOCKED)
      RETURNING *`.execute(this.options.database.db);
    return rows.map(toDueAction).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private async processBatch(actions: DueAction[], summary: RunSummary): Promise<void> {
    // One queue per customer (in due order); customers side by side.
    const byCustomer = new Map<number, DueAction[]>();
    for (const action of actions) {
      const queue = byCustomer.get(action.customerId) ?? [];
      queue.push(action);
      byCustomer.set(action.customerId, queue);
    }
    const queues = [...byCustomer.values()];
    let next = 0;
    const worker = async () => {
      while (next < queues.length) {
        const queue = queues[next++];
        for (const action of queue) await this.process(action, summary);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queues.length) }, worker));
  }

  private async process(action: DueAction, summary: RunSummary): Promise<void> {
    const handler = this.options.registry.get(action.kind);
    const ranAt = this.options.clock.now();
    if (!handler) {
      await this.finish(action, 'failed', ranAt, { rule: AUTOMATION_RULES.unknownKind, note: `No handler for due actions of kind ${action.kind}` });
      summary.failed++;
      return;
    }
    try {
      const prepared = handler.prepare ? await handler.prepare(action) : undefined;
      const outcome = await this.options.executor.runAutomatic(action.customerId, (state) => handler.decide(action, state, ranAt, prepared), {
        seed: `due-action:${action.id}`,
        now: ranAt.toISOString(),
        metadata: {
          actor: { ...SYSTEM_ACTOR },
          causationId: action.causationId ?? action.id,
          correlationId: action.id,
          dueActionId: action.id,
          dueAt: action.dueAt.toISOString(),
          ranAt: ranAt.toISOString(),
        },
      });
      const note = outcome.kind === 'skipped' ? outcome.note : outcome.kind === 'already_applied' ? 'already applied by an earlier run' : null;
      const result = { outcome: outcome.kind, revision: outcome.revision, position: 'position' in outcome ? outcome.position : null };
      await this.finish(action, 'done', ranAt, { note, result });
      summary.done++;
    } catch (error) {
      if (isDomainRuleViolation(error)) {
        await this.finish(action, 'failed', ranAt, { rule: error.rule, note: error.message });
        summary.failed++;
      } else if (isValidationFailed(error)) {
        const detail = error.errors.map((item) => `${item.field}: ${item.message}`).join('; ');
        await this.finish(action, 'failed', ranAt, { rule: AUTOMATION_RULES.invalidAction, note: detail });
        summary.failed++;
      } else if (action.attempts >= this.maxAttempts) {
        this.logger.error(`Due action ${action.id} failed ${action.attempts} times; giving up`, error);
        await this.finish(action, 'failed', ranAt, { rule: AUTOMATION_RULES.attemptsExhausted, note: errorMessage(error) }).catch(() => undefined);
        summary.failed++;
      } else {
        // The store or the database is in trouble: try again later (backing off), the row stays pending.
        this.logger.warn(`Due action ${action.id}: ${errorMessage(error)}; retried later`);
        const retryAt = new Date(ranAt.getTime() + Math.min(600_000, 1000 * 2 ** action.attempts)).toISOString();
        await sql`UPDATE due_actions SET claimed_until = ${retryAt}::timestamptz, note = ${errorMessage(error)}
          WHERE id = ${action.id} AND state = 'pending'`.execute(this.options.database.db).catch(() => undefined);
        summary.retried++;
      }
    }
  }

  private async finish(
    action: DueAction,
    state: 'done' | 'failed',
    ranAt: Date,
    details: { rule?: string | null; note?: string | null; result?: Record<string, unknown> | null },
  ): Promise<void> {
    await sql`UPDATE due_actions SET state = ${state}, ran_at = ${ranAt.toISOString()}::timestamptz, claimed_until = NULL,
        rule = ${details.rule ?? null}, note = ${details.note ?? null}, result = ${details.result ? JSON.stringify(details.result) : null}::text::jsonb
      WHERE id = ${action.id} AND state = 'pending'`.execute(this.options.database.db);
  }
}
