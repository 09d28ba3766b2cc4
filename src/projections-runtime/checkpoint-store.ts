import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely';
import type { ProjectionTables } from './projection.js';

/**
 * `projection_checkpoints`: one row per projection VERSION. The position is the global position of
 * the last event whose effects are committed in that version's tables; it is written in the same
 * transaction as those effects (compare-and-set, see `advance`).
 *
 * status: 'active' — the version readers use (at most one per name, enforced by a partial unique
 * index); 'rebuilding' — being built from zero, switched to active when caught up; 'retired' —
 * replaced, tables dropped (the row stays as history).
 */
export type CheckpointStatus = 'active' | 'rebuilding' | 'retired';

export interface CheckpointRow {
  name: string;
  version: number;
  /** `projection.version` of the code that created this version's tables. */
  codeVersion: number;
  status: CheckpointStatus;
  /** Last processed global position; null: nothing processed yet. */
  position: string | null;
  /** Events read past (handled or not) by this version, across restarts. */
  eventsProcessed: number;
  tables: ProjectionTables;
  createdAt: Date;
  updatedAt: Date;
}

/** NOTIFY channel for checkpoint moves and version switches (payload: JSON `CheckpointNotice`). */
export const PROJECTION_CHANNEL = 'chronicle_projections';

export interface CheckpointNotice {
  name: string;
  version: number;
  /** 'checkpoint': a batch was committed; 'status': a version was created, switched or retired. */
  kind: 'checkpoint' | 'status';
  position?: string | null;
}

/** Another session moved the checkpoint (or retired the version) since this batch was read. */
export class CheckpointConflictError extends Error {
  constructor(
    readonly projection: string,
    readonly version: number,
    readonly expected: string | null,
  ) {
    super(`Checkpoint of projection ${projection} v${version} is no longer at ${expected ?? '(start)'}`);
    this.name = 'CheckpointConflictError';
  }
}

export const CHECKPOINT_MIGRATIONS: Record<string, Migration> = {
  '2025_01_001_projection_checkpoints': {
    async up(db) {
      await db.schema
        .createTable('projection_checkpoints')
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('version', 'integer', (column) => column.notNull())
        .addColumn('code_version', 'integer', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('position', 'text')
        .addColumn('events_processed', 'bigint', (column) => column.notNull().defaultTo(0))
        .addColumn('tables', 'jsonb', (column) => column.notNull())
        .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('projection_checkpoints_pk', ['name', 'version'])
        .addCheckConstraint('projection_checkpoints_status', sql`status in ('active', 'rebuilding', 'retired')`)
        .execute();
      await db.schema
        .createIndex('projection_checkpoints_one_active')
        .on('projection_checkpoints')
        .column('name')
        .unique()
        .where(sql.ref('status'), '=', 'active')
        .execute();
    },
  },
};

/** Creates/updates the runtime's own table (idempotent; safe to run from several instances). */
export async function migrateProjectionRuntime(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => CHECKPOINT_MIGRATIONS },
    migrationTableName: 'projection_runtime_migrations',
    migrationLockTableName: 'projection_runtime_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Projection runtime migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
}

const COLUMNS = sql`name, version, code_version, status, position, events_processed::float8 as events_processed,
  tables, created_at, updated_at`;

interface RawRow {
  name: string;
  version: number;
  code_version: number;
  status: CheckpointStatus;
  position: string | null;
  events_processed: number | string;
  tables: ProjectionTables | string;
  created_at: Date | string;
  updated_at: Date | string;
}

function toRow(raw: RawRow): CheckpointRow {
  return {
    name: raw.name,
    version: Number(raw.version),
    codeVersion: Number(raw.code_version),
    status: raw.status,
    position: raw.position,
    eventsProcessed: Number(raw.events_processed),
    tables: typeof raw.tables === 'string' ? (JSON.parse(raw.tables) as ProjectionTables) : raw.tables,
    createdAt: new Date(raw.created_at),
    updatedAt: new Date(raw.updated_at),
  };
}

/**
 * Reads and writes `projection_checkpoints`. Every method takes the executor to run on (the pool,
 * a dedicated session or the batch transaction), because the checkpoint write must join the
 * transaction that holds the projection's writes.
 */
export class CheckpointStore {
  async get(db: Kysely<any>, name: string, version: number): Promise<CheckpointRow | undefined> {
    const { rows } = await sql<RawRow>`select ${COLUMNS} from projection_checkpoints
      where name = ${name} and version = ${version}`.execute(db);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** All versions of one projection (or of all), oldest first. */
  async list(db: Kysely<any>, name?: string): Promise<CheckpointRow[]> {
    const { rows } = name
      ? await sql<RawRow>`select ${COLUMNS} from projection_checkpoints where name = ${name} order by version`.execute(db)
      : await sql<RawRow>`select ${COLUMNS} from projection_checkpoints order by name, version`.execute(db);
    return rows.map(toRow);
  }

  async active(db: Kysely<any>, name: string): Promise<CheckpointRow | undefined> {
    const { rows } = await sql<RawRow>`select ${COLUMNS} from projection_checkpoints
      where name = ${name} and status = 'active'`.execute(db);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  async create(
    db: Kysely<any>,
    row: { name: string; version: number; codeVersion: number; status: Exclude<CheckpointStatus, 'retired'>; tables: ProjectionTables },
  ): Promise<void> {
    await sql`insert into projection_checkpoints (name, version, code_version, status, position, tables)
      values (${row.name}, ${row.version}, ${row.codeVersion}, ${row.status}, null, ${JSON.stringify(row.tables)}::jsonb)`.execute(db);
    await notify(db, { name: row.name, version: row.version, kind: 'status' });
  }

  /**
   * Compare-and-set of the checkpoint, to run FIRST in the batch transaction: moves it from
   * `expected` to `next` only if it is still at `expected` and the version is not retired, else
   * throws CheckpointConflictError (the caller's transaction then rolls back). Taking the row lock
   * before touching the projection's tables gives every writer of this row (batches and the
   * version switch) the same lock order, so they cannot deadlock.
   */
  async advance(
    trx: Kysely<any>,
    move: { name: string; version: number; expected: string | null; next: string; events: number },
  ): Promise<void> {
    const result = await sql`update projection_checkpoints
      set position = ${move.next}, events_processed = events_processed + ${move.events}, updated_at = now()
      where name = ${move.name} and version = ${move.version} and status <> 'retired'
        and position is not distinct from ${move.expected}::text`.execute(trx);
    if (Number(result.numAffectedRows ?? 0) !== 1) throw new CheckpointConflictError(move.name, move.version, move.expected);
  }

  /**
   * `advance` and its NOTIFY (so other instances' `waitForPosition` wake up) in one statement (one round trip), optionally also making the
   * caller's transaction commit without waiting for the WAL flush (`SET LOCAL synchronous_commit = off`,
   * PostgreSQL only). Throws CheckpointConflictError as `advance` does (the queued NOTIFY then rolls back with it).
   */
  async advanceAndNotify(
    trx: Kysely<any>,
    move: { name: string; version: number; expected: string | null; next: string; events: number },
    options: { asynchronousCommit?: boolean } = {},
  ): Promise<void> {
    const notice: CheckpointNotice = { name: move.name, version: move.version, kind: 'checkpoint', position: move.next };
    const { rows } = await sql<{ moved: number }>`with moved as (
        update projection_checkpoints
        set position = ${move.next}, events_processed = events_processed + ${move.events}, updated_at = now()
        where name = ${move.name} and version = ${move.version} and status <> 'retired'
          and position is not distinct from ${move.expected}::text
        returning 1
      )
      select (select count(*) from moved)::int as moved, pg_notify(${PROJECTION_CHANNEL}, ${JSON.stringify(notice)})
        ${options.asynchronousCommit ? sql`, set_config('synchronous_commit', 'off', true)` : sql``}`.execute(trx);
    if (Number(rows[0]?.moved) !== 1) throw new CheckpointConflictError(move.name, move.version, move.expected);
  }

  /**
   * Makes `version` the active one, in the caller's transaction: locks every row of the projection,
   * checks `version` is still rebuilding at `expectedPosition`, marks it active and every other
   * active or older rebuilding version retired. Returns the rows it retired (their tables are to be
   * dropped in the same transaction).
   */
  async switchActive(trx: Kysely<any>, name: string, version: number, expectedPosition: string | null): Promise<CheckpointRow[]> {
    const { rows } = await sql<RawRow>`select ${COLUMNS} from projection_checkpoints
      where name = ${name} order by version for update`.execute(trx);
    const all = rows.map(toRow);
    const target = all.find((row) => row.version === version);
    if (!target || target.status !== 'rebuilding' || target.position !== expectedPosition) {
      throw new CheckpointConflictError(name, version, expectedPosition);
    }
    const retiring = all.filter(
      (row) => row.version !== version && (row.status === 'active' || (row.status === 'rebuilding' && row.version < version)),
    );
    for (const row of retiring) {
      await sql`update projection_checkpoints set status = 'retired', updated_at = now()
        where name = ${name} and version = ${row.version}`.execute(trx);
    }
    await sql`update projection_checkpoints set status = 'active', updated_at = now()
      where name = ${name} and version = ${version}`.execute(trx);
    await notify(trx, { name, version, kind: 'status', position: expectedPosition });
    return retiring;
  }

  /** Retires one version (e.g. an abandoned rebuild); returns the row as it was, if it existed. */
  async retire(trx: Kysely<any>, name: string, version: number): Promise<CheckpointRow | undefined> {
    const { rows } = await sql<RawRow>`select ${COLUMNS} from projection_checkpoints
      where name = ${name} and version = ${version} for update`.execute(trx);
    if (!rows[0]) return undefined;
    await sql`update projection_checkpoints set status = 'retired', updated_at = now()
      where name = ${name} and version = ${version}`.execute(trx);
    await notify(trx, { name, version, kind: 'status' });
    return toRow(rows[0]);
  }
}

async function notify(db: Kysely<any>, notice: CheckpointNotice): Promise<void> {
  await sql`select pg_notify(${PROJECTION_CHANNEL}, ${JSON.stringify(notice)})`.execute(db);
}
