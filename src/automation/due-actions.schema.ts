import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';

/**
 * Timers as data: one row per thing that falls due (a scheduled change, an automatic block…), in
 * PostgreSQL and PGlite alike. The id is stable, derived from what scheduled it
 * (`scheduled-change:<changeId>:start`), so scheduling the same thing twice is one row, and the
 * event ids the runner appends are derived from it (a repeated run appends nothing).
 *
 * States: pending → done | failed | cancelled (terminal). A pending row being worked on carries a
 * lease (`claimed_until`); a lease that ran out (a crashed instance) makes it claimable again.
 * The partial index on `due_at` over pending rows is all the runner reads: an idle tick is one
 * index probe, whatever the number of customers.
 */
export const DUE_ACTIONS_TABLE = 'due_actions';
/** NOTIFY channel: a row was scheduled or moved; every instance re-arms its timer. */
export const DUE_ACTIONS_CHANNEL = 'chronicle_due_actions';

export type DueActionState = 'pending' | 'done' | 'failed' | 'cancelled';

/** A due row as the runner and handlers see it. */
export interface DueAction {
  id: string;
  kind: string;
  customerId: number;
  dueAt: Date;
  payload: Record<string, unknown>;
  /** The event (or entry) that scheduled it; the automatic event's causationId. */
  causationId: string | null;
  state: DueActionState;
  attempts: number;
  ranAt: Date | null;
  /** The rule a refusal answered (state failed). */
  rule: string | null;
  /** Why it was skipped / failed, or what it did, in words. */
  note: string | null;
  /** Revision and position of what it appended. */
  result: Record<string, unknown> | null;
}

/** What a scheduler hands in. */
export interface DueActionInput {
  id: string;
  kind: string;
  customerId: number;
  dueAt: Date | string;
  payload?: Record<string, unknown>;
  causationId?: string | null;
}

/**
 * Creates the table and its indexes unless they exist. Two callers: the automation migration, and
 * the scheduled-change timers projection (which may run first: the projection runtime starts
 * before module init, and `projections:rebuild` has no automation module). A transaction-level
 * advisory lock keeps two instances starting at once from racing on the DDL.
 */
export async function createDueActionsTable(db: Kysely<any>): Promise<void> {
  const create = async (trx: Kysely<any>) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('chronicle:due_actions:ddl'))`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS due_actions (
      id text PRIMARY KEY,
      kind text NOT NULL,
      customer_id bigint NOT NULL,
      due_at timestamptz NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}'::jsonb,
      causation_id text,
      state text NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      claimed_until timestamptz,
      ran_at timestamptz,
      rule text,
      note text,
      result jsonb,
      scheduled_at timestamptz NOT NULL DEFAULT now())`.execute(trx);
    await sql`CREATE INDEX IF NOT EXISTS due_actions_pending_due ON due_actions (due_at, id) WHERE state = 'pending'`.execute(trx);
    await sql`CREATE INDEX IF NOT EXISTS due_actions_customer ON due_actions (customer_id)`.execute(trx);
    await sql`CREATE INDEX IF NOT EXISTS due_actions_kind_due ON due_actions (kind, due_at)`.execute(trx);
    await createPendingByCustomerIndex(trx);
  };
  if (db.isTransaction) await create(db);
  else await db.transaction().execute(create);
}

const migrations: Record<string, Migration> = {
  '0001_due_actions': {
    up: (db) => createDueActionsTable(db),
    async down(db) {
      await db.schema.dropTable(DUE_ACTIONS_TABLE).ifExists().execute();
    },
  },
  '0002_due_actions_pending_customer': {
    up: (db) => createPendingByCustomerIndex(db),
    async down(db) {
      await sql`DROP INDEX IF EXISTS due_actions_pending_customer`.execute(db);
    },
  },
};

/** The claim's check "no earlier pending row of this customer" (see DueActionRunner.claim) is one index probe. */
async function createPendingByCustomerIndex(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS due_actions_pending_customer ON due_actions (customer_id, due_at, id) WHERE state = 'pending'`.execute(db);
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateDueActions(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'automation_migrations', migrationLockTableName: 'automation_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Automation migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}

function iso(value: Date | string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`due action: invalid dueAt ${String(value)}`);
  return date.toISOString();
}

/**
 * Upserts rows by id: a new id is inserted pending; an existing PENDING row takes the new due time,
 * kind and payload (merged into the old one: new keys win) (and its lease is dropped); a done / failed / cancelled row is left alone, so a
 * replay of whatever scheduled it changes nothing. Works in any executor (a projection's transaction too).
 */
export async function scheduleDueActions(db: Kysely<any>, rows: readonly DueActionInput[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    customer_id: row.customerId,
    due_at: iso(row.dueAt),
    payload: JSON.stringify(row.payload ?? {}),
    causation_id: row.causationId ?? null,
  }));
  await sql`
    INSERT INTO due_actions (id, kind, customer_id, due_at, payload, causation_id)
    SELECT x.id, x.kind, x.customer_id, x.due_at, x.payload::jsonb, x.causation_id
    FROM jsonb_to_recordset(${JSON.stringify(values)}::text::jsonb)
      AS x(id text, kind text, customer_id bigint, due_at timestamptz, payload text, causation_id text)
    ON CONFLICT (id) DO UPDATE SET
      kind = excluded.kind, due_at = excluded.due_at, payload = due_actions.payload || excluded.payload,
      causation_id = coalesce(excluded.causation_id, due_actions.causation_id), claimed_until = NULL
    WHERE due_actions.state = 'pending'`.execute(db);
}

/** Pending rows of these ids become cancelled (others are left alone). */
export async function cancelDueActions(db: Kysely<any>, ids: readonly string[], note: string | null = null): Promise<void> {
  if (ids.length === 0) return;
  await sql`UPDATE due_actions SET state = 'cancelled', note = ${note}, claimed_until = NULL
    WHERE state = 'pending' AND id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::text::jsonb))`.execute(db);
}

/** Tells every instance (LISTEN) that the due times changed. */
export async function notifyDueActions(db: Kysely<any>): Promise<void> {
  await sql`SELECT pg_notify(${DUE_ACTIONS_CHANNEL}, '')`.execute(db);
}

export interface DueActionRow {
  id: string;
  kind: string;
  customer_id: string | number;
  due_at: Date | string;
  payload: Record<string, unknown> | string | null;
  causation_id: string | null;
  state: DueActionState;
  attempts: number;
  ran_at: Date | string | null;
  rule: string | null;
  note: string | null;
  result: Record<string, unknown> | string | null;
}

function json(value: Record<string, unknown> | string | null): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : value;
}

export function toDueAction(row: DueActionRow): DueAction {
  return {
    id: row.id,
    kind: row.kind,
    customerId: Number(row.customer_id),
    dueAt: new Date(row.due_at),
    payload: json(row.payload) ?? {},
    causationId: row.causation_id,
    state: row.state,
    attempts: Number(row.attempts),
    ranAt: row.ran_at === null ? null : new Date(row.ran_at),
    rule: row.rule,
    note: row.note,
    result: json(row.result),
  };
}

export async function readDueActions(db: Kysely<any>, ids: readonly string[]): Promise<DueAction[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<DueActionRow>`SELECT * FROM due_actions
    WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::text::jsonb)) ORDER BY due_at, id`.execute(db);
  return rows.map(toDueAction);
}
