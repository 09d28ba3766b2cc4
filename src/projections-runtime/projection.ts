import { sql, type Kysely, type Transaction } from 'kysely';
import type { RecordedEvent } from '../event-store/event-store.port.js';

/**
 * Physical table names of one projection version, keyed by a logical name the projection picks:
 * `{ summary: 'stream_summary_v3' }`. The runtime records them with the version's checkpoint, so a
 * reader always finds the tables of the ACTIVE version and a retired version's tables can be dropped.
 */
export type ProjectionTables = Readonly<Record<string, string>>;

/**
 * The contract every read-model projection in projections/ implements. The runtime (not the
 * projection) decides which version is active, feeds it batches of events in global order and
 * commits the projection's writes and its checkpoint in ONE transaction, so a crash replays a batch
 * and never skips or doubles one.
 *
 * Versions and blue/green: every version writes its own tables (`tables(version)`). A rebuild builds
 * version N+1 from the first event while version N keeps serving reads, then switches atomically
 * once N+1 has caught up. Bump `version` when the tables' shape or the meaning of `apply` changes:
 * on the next start the runtime rebuilds the new version in the background and switches when it has
 * caught up (the old tables keep serving the old, now frozen, data meanwhile).
 */
export interface Projection<Tables extends ProjectionTables = ProjectionTables> {
  /** Unique, `[a-z][a-z0-9_]*` (at most 40 characters): it is used in table names and lock keys. */
  readonly name: string;
  /** Version of the code: the shape of its tables and the meaning of `apply`. A positive integer. */
  readonly version: number;
  /**
   * Event types `apply` receives; omitted: every event. The runtime still reads every event and
   * moves the checkpoint past ignored ones, so read-your-writes works for any position.
   */
  readonly handles?: readonly string[];
  /** Physical table names for a version, e.g. `{ list: versionedTable('customer_list', version) }`. */
  tables(version: number): Tables;
  /**
   * Creates the (empty) tables of one version with their primary keys: the projection's migration.
   * Runs inside a transaction, once per version, before any event is applied to that version.
   */
  createTables(db: Kysely<any>, tables: Tables, version: number): Promise<void>;
  /**
   * Creates the secondary indexes (those no write of `apply` relies on). A version built live from
   * the start gets them right after `createTables`; a rebuilding version only once it has caught
   * up, before its switch (building an index over the rows is far cheaper than maintaining it on
   * every batch), followed by one more catch-up pass. Must be idempotent (`create index if not
   * exists`): a rebuild interrupted after it runs it again. Default: none.
   */
  createIndexes?(db: Kysely<any>, tables: Tables, version: number): Promise<void>;
  /**
   * Optional rebuild shortcut for projections whose rows depend only on each stream's own history,
   * not on the order of events across streams (e.g. one row per customer). A rebuild from zero then
   * takes the head position H, passes every stream's whole history up to H (only `handles` types,
   * in revision order, each stream exactly once, pages of streams in stream id order) to this
   * method on the still empty tables, sets the checkpoint to H in the last page's transaction, and
   * goes on with `apply` in global order after H. Each row is written once instead of once per event.
   */
  applyStreams?(trx: Transaction<any>, streams: ReadonlyArray<readonly RecordedEvent[]>, tables: Tables): Promise<void>;
  /** False when neither `apply` nor `applyStreams` reads `event.metadata`: it is then not read at all. */
  readonly needsMetadata?: boolean;
  /**
   * Applies a batch of events (in global order) to the tables, using ONLY `trx`: the runtime writes
   * the checkpoint in the same transaction. Throwing rolls the whole batch back; it is retried.
   * Prefer a few multi-row statements per batch over one statement per event (rebuilds pass
   * batches of 1,000). Keep it replay-safe (guard upserts by the stream revision) even though the
   * runtime already guarantees each event's effects are committed exactly once.
   */
  apply(trx: Transaction<any>, events: readonly RecordedEvent[], tables: Tables): Promise<void>;
  /** Drops a retired version's tables. Default: `DROP TABLE IF EXISTS … CASCADE` for each of them. */
  dropTables?(db: Kysely<any>, tables: Tables, version: number): Promise<void>;
  /** Events per transaction while following live events (default 500). */
  readonly batchSize?: number;
  /** Events per transaction while rebuilding from zero (default 1,000). */
  readonly rebuildBatchSize?: number;
}

/**
 * Runs the projection's createIndexes (if any) in a transaction, or in `db` when it is one. `sortMemory`
 * (PostgreSQL `maintenance_work_mem`, e.g. '256MB') lets a big index build sort in one pass.
 */
export async function createProjectionIndexes(
  db: Kysely<any>,
  projection: Projection<any>,
  tables: ProjectionTables,
  version: number,
  sortMemory?: string,
): Promise<void> {
  if (!projection.createIndexes) return;
  const create = async (trx: Kysely<any>) => {
    if (sortMemory) await sql`select set_config('maintenance_work_mem', ${sortMemory}, true)`.execute(trx);
    await projection.createIndexes!(trx, tables, version);
  };
  if (db.isTransaction) await create(db);
  else await db.transaction().execute(create);
}

const PROJECTION_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** Checks a projection's name and version and keeps its table types for readers (`runtime.tables(p)`). */
export function defineProjection<Tables extends ProjectionTables>(projection: Projection<Tables>): Projection<Tables> {
  if (!PROJECTION_NAME.test(projection.name)) {
    throw new Error(`Projection name "${projection.name}" must match ${PROJECTION_NAME} (it is used in table names)`);
  }
  if (!Number.isInteger(projection.version) || projection.version < 1) {
    throw new Error(`Projection ${projection.name}: version must be a positive integer, got ${projection.version}`);
  }
  return projection;
}

/** `versionedTable('customer_list', 2)` → `customer_list_v2`. */
export function versionedTable(base: string, version: number): string {
  const name = `${base}_v${version}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || name.length > 63) throw new Error(`Invalid table name ${name}`);
  return name;
}

/** The default `dropTables`. */
export async function dropProjectionTables(db: Kysely<any>, tables: ProjectionTables): Promise<void> {
  for (const table of Object.values(tables)) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  }
}

/** Lexicographic position order, with null (nothing processed yet) before everything. */
export function positionReached(checkpoint: string | null | undefined, target: string): boolean {
  return checkpoint != null && checkpoint >= target;
}

export class UnknownProjectionError extends Error {
  constructor(readonly projection: string) {
    super(`Unknown projection "${projection}"`);
    this.name = 'UnknownProjectionError';
  }
}

/** A projection has no active version yet (its tables do not exist). */
export class ProjectionNotReadyError extends Error {
  constructor(readonly projection: string) {
    super(`Projection "${projection}" has no active version yet`);
    this.name = 'ProjectionNotReadyError';
  }
}
