import { sql } from 'kysely';
import { isDomainRuleViolation, isValidationFailed } from '../domain-kernel/errors.js';
import { observableClock, type Clock } from '../domain-kernel/clock.js';
import type { Database } from '../database/database.js';
import type { CustomerCommandExecutor } from '../customers/application/customer-command-executor.js';
import { errorMessage, silentLogger, WakeSignal, yieldToEventLoop, type Logger } from '../projections-runtime/wake-signal.js';
import { DUE_ACTIONS_CHANNEL, toDueAction, type DueAction, type DueActionRow } from './due-actions.schema.js';
import type { DueActionHandler, DueActionRegistry } from './due-action-registry.js';
import { SYSTEM_ACTOR } from '../common/system-actor.js';

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
 * event's metadata records `dueAt` and `ranAt`. Rows of one customer run strictly in due order,
 * one at a time, across instances (see `claim`); different customers of a batch run side by side
 * (`concurrency`), and a batch's outcomes are marked in one statement.
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
    // Bounded: at most 10,000 batches per call; the loop comes back for the rest. A claim takes one
    // row per customer, so a customer's next row comes in a later round: drain until none is due.
    for (let round = 0; round < 10_000 && !this.abort.signal.aborted; round++) {
      const claimed = await this.claim();
      if (claimed.length === 0) break;
      await this.processBatch(claimed, summary);
      await yieldToEventLoop();
    }
    return summary;
  }

  /**
   * Claims due rows, earliest first, and of each customer only its earliest pending row: a later
   * row of a customer is claimable once the earlier one is done / failed, by whichever instance.
   * So a customer's actions run strictly in due order across instances (after downtime too), and
   * never two of one customer at once; a row waiting for a retry holds its customer's later rows.
   */
  private async claim(): Promise<DueAction[]> {
    const now = this.options.clock.now().toISOString();
    const lease = new Date(this.options.clock.now().getTime() + this.leaseMs).toISOString();
    const { rows } = await sql<DueActionRow>`
      UPDATE due_actions SET claimed_until = ${lease}::timestamptz, attempts = attempts + 1
      WHERE id IN (
        SELECT d.id FROM due_actions d
        WHERE d.state = 'pending' AND d.due_at <= ${now}::timestamptz
          AND (d.claimed_until IS NULL OR d.claimed_until <= ${now}::timestamptz)
          AND NOT EXISTS (SELECT 1 FROM due_actions e
            WHERE e.customer_id = d.customer_id AND e.state = 'pending' AND (e.due_at, e.id) < (d.due_at, d.id))
        ORDER BY d.due_at, d.id
        LIMIT ${this.batchSize}
        FOR UPDATE OF d SKIP LOCKED)
      RETURNING *`.execute(this.options.database.db);
    return rows.map(toDueAction).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * One claimed batch (one row per customer): each kind's `prepare` once for the batch, the rows
   * side by side (`concurrency`, in due order), then every outcome marked in one statement.
   */
  private async processBatch(actions: DueAction[], summary: RunSummary): Promise<void> {
    const prepared = new Map<string, Promise<unknown>>();
    const preparedFor = (kind: string, handler: DueActionHandler): Promise<unknown> => {
      let value = prepared.get(kind);
      if (!value) {
        value = handler.prepare ? handler.prepare() : Promise.resolve(undefined);
        value.catch(() => undefined); // each row that needs it sees the failure
        prepared.set(kind, value);
      }
      return value;
    };
    const finished: Finished[] = [];
    let next = 0;
    const worker = async () => {
      while (next < actions.length) {
        const action = actions[next++];
        const outcome = await this.process(action, preparedFor);
        if (outcome) finished.push(outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, actions.length) }, worker));
    await this.finish(finished);
    for (const item of finished) summary[item.state === 'done' ? 'done' : 'failed']++;
    summary.retried += actions.length - finished.length;
  }

  /** Runs one row; answers how it ended, or undefined when it stays pending (retried later). */
  private async process(action: DueAction, preparedFor: (kind: string, handler: DueActionHandler) => Promise<unknown>): Promise<Finished | undefined> {
    const handler = this.options.registry.get(action.kind);
    const ranAt = this.options.clock.now();
    const ended = (state: Finished['state'], details: Omit<Finished, 'id' | 'state' | 'ranAt'>): Finished => ({ id: action.id, state, ranAt, ...details });
    if (!handler) return ended('failed', { rule: AUTOMATION_RULES.unknownKind, note: `No handler for due actions of kind ${action.kind}` });
    try {
      const prepared = await preparedFor(action.kind, handler);
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
      return ended('done', { note, result });
    } catch (error) {
      if (isDomainRuleViolation(error)) return ended('failed', { rule: error.rule, note: error.message });
      if (isValidationFailed(error)) {
        const detail = error.errors.map((item) => `${item.field}: ${item.message}`).join('; ');
        return ended('failed', { rule: AUTOMATION_RULES.invalidAction, note: detail });
      }
      if (action.attempts >= this.maxAttempts) {
        this.logger.error(`Due action ${action.id} failed ${action.attempts} times; giving up`, error);
        return ended('failed', { rule: AUTOMATION_RULES.attemptsExhausted, note: errorMessage(error) });
      }
      // The store or the database is in trouble: try again later (backing off), the row stays pending.
      this.logger.warn(`Due action ${action.id}: ${errorMessage(error)}; retried later`);
      const retryAt = new Date(ranAt.getTime() + Math.min(600_000, 1000 * 2 ** action.attempts)).toISOString();
      await sql`UPDATE due_actions SET claimed_until = ${retryAt}::timestamptz, note = ${errorMessage(error)}
        WHERE id = ${action.id} AND state = 'pending'`.execute(this.options.database.db).catch(() => undefined);
      return undefined;
    }
  }

  /** Marks a batch's rows done / failed in one statement (a row another instance finished first is left alone). */
  private async finish(rows: readonly Finished[]): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map((row) => ({
      id: row.id,
      state: row.state,
      ran_at: row.ranAt.toISOString(),
      rule: row.rule ?? null,
      note: row.note ?? null,
      result: row.result ? JSON.stringify(row.result) : null,
    }));
    await sql`UPDATE due_actions SET state = x.state, ran_at = x.ran_at, claimed_until = NULL, rule = x.rule, note = x.note, result = x.result::jsonb
      FROM jsonb_to_recordset(${JSON.stringify(values)}::text::jsonb)
        AS x(id text, state text, ran_at timestamptz, rule text, note text, result text)
      WHERE due_actions.id = x.id AND due_actions.state = 'pending'`.execute(this.options.database.db);
  }
}

/** How a row ended: marked by `finish`. */
interface Finished {
  id: string;
  state: 'done' | 'failed';
  ranAt: Date;
  rule?: string | null;
  note?: string | null;
  result?: Record<string, unknown> | null;
}
