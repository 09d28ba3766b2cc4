import { sql, type Kysely, type Transaction } from 'kysely';
import { openDatabase, type Database } from '../../src/database/database.js';
import type { EventStore, ReadAllOptions, RecordedEvent } from '../../src/event-store/event-store.port.js';
import { migrateEventStore } from '../../src/event-store/postgres/event-store-migrations.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.js';
import { EventStoreDbEventStore } from '../../src/event-store/esdb/esdb-event-store.js';
import { defineProjection, versionedTable, type Projection } from '../../src/projections-runtime/projection.js';
import { startEsdbFixture, type EsdbServerMode } from '../esdb/esdb-fixture.js';
import { databaseBackends, openTestPGlite, type TestDatabase } from '../support/test-databases.js';

export interface Fixture {
  database: Database;
  store: EventStore;
  /** Set on PostgreSQL: a second "app instance" can open its own pool on it. */
  url?: string;
  close(): Promise<void>;
}

/**
 * Where the runtime specs run: the PostgreSQL event store on every database backend, and the
 * EventStoreDB adapter on the in-process fixture in the 24.10 mode docker-compose runs, with the read
 * tables on PGlite (the database backend changes nothing for that adapter). The server modes differ
 * in how appends travel (BatchAppend or the older Append); reads and subscriptions, all the runtime
 * uses, are the same calls in both, and test/esdb proves the adapter on each mode.
 */
export const PROJECTION_ESDB_MODE: EsdbServerMode = '24.10';
export const projectionBackends: Array<{ name: string; open: () => Promise<TestDatabase>; esdb?: EsdbServerMode }> = [
  ...databaseBackends,
  { name: `EventStoreDB fixture (${PROJECTION_ESDB_MODE}) + PGlite`, open: () => openTestPGlite(), esdb: PROJECTION_ESDB_MODE },
];

/**
 * A fresh database with the PostgreSQL event store migrated on it, or (`esdb`) with the EventStoreDB
 * adapter on a fresh fixture as the event store.
 */
export async function openFixture(open: () => Promise<TestDatabase>, esdb?: EsdbServerMode): Promise<Fixture> {
  if (esdb) {
    const test = await open();
    const server = await startEsdbFixture({ mode: esdb, systemEventEvery: 7 });
    const store = new EventStoreDbEventStore(server.connectionString, { backoff: { initialDelayMs: 20, factor: 1.5, maxDelayMs: 200 } });
    return {
      database: test.database,
      store,
      async close() {
        await store.close();
        await server.stop();
        await test.close();
      },
    };
  }
  const test = await open();
  await migrateEventStore(test.database.db);
  const store = new PostgresEventStore(test.database, { pollIntervalMs: 50 });
  return {
    database: test.database,
    store,
    url: test.url,
    async close() {
      await store.close();
      await test.close();
    },
  };
}

/** Another app instance on the same PostgreSQL database: its own pool and its own store object. */
export async function openSecondInstance(url: string): Promise<{ database: Database; store: EventStore; close(): Promise<void> }> {
  const database = await openDatabase({ connectionString: url, poolSize: 10 });
  const store = new PostgresEventStore(database, { pollIntervalMs: 50 });
  return {
    database,
    store,
    async close() {
      await store.close();
      await database.close();
    },
  };
}

const TYPES = ['Opened', 'Renamed', 'Noted', 'Closed'];

/**
 * Appends `count` events round-robin over `streams` streams (`<prefix>-<n>`), in appends of up to
 * `perAppend` events. Returns the position of the last one once readers can see it: the PostgreSQL
 * store hides events until every older transaction in the CLUSTER has ended (its gap-free order),
 * and other suites running on the same server hold such transactions now and then.
 */
export async function appendEvents(
  store: EventStore,
  count: number,
  options: { streams?: number; prefix?: string; perAppend?: number; offset?: number } = {},
): Promise<string> {
  const streams = options.streams ?? 10;
  const prefix = options.prefix ?? 'account';
  const perAppend = options.perAppend ?? 5;
  let last = '';
  let appended = 0;
  let round = options.offset ?? 0;
  while (appended < count) {
    const stream = `${prefix}-${round % streams}`;
    const size = Math.min(perAppend, count - appended);
    const events = Array.from({ length: size }, (_, index) => ({
      type: TYPES[(appended + index) % TYPES.length],
      data: { n: appended + index },
    }));
    last = (await store.append(stream, events, 'any')).position;
    appended += size;
    round++;
  }
  if (!(await eventually(async () => ((await store.headPosition()) ?? '') >= last, 30_000, 10))) {
    throw new Error(`appended events are still not visible to readers after 30 s (last: ${last})`);
  }
  return last;
}

export async function readEverything(store: EventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const batch = await store.readAll({ after, maxCount: 2000 });
    if (batch.length === 0) return all;
    all.push(...batch);
    after = batch[batch.length - 1].position;
  }
}

/** Full contents of a table in a deterministic order; Dates as ISO strings, `numeric` columns as numbers. */
export async function tableContents(
  db: Kysely<any>,
  table: string,
  orderBy: string[],
  numeric: string[] = [],
): Promise<Record<string, unknown>[]> {
  let query: any = db.selectFrom(table).selectAll();
  for (const column of orderBy) query = query.orderBy(sql.ref(column));
  const rows: Record<string, unknown>[] = await query.execute();
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [
        key,
        value instanceof Date ? value.toISOString() : numeric.includes(key) && value !== null ? Number(value) : value,
      ]),
    ),
  );
}

export async function tableExists(db: Kysely<any>, table: string): Promise<boolean> {
  const { rows } = await sql<{ exists: boolean }>`select to_regclass(${table}) is not null as exists`.execute(db);
  return rows[0].exists;
}

/** Polls `check` until it returns true; false after `timeoutMs` (a bound, not an assertion by sleeping). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface Gate {
  /** Resolves when something is waiting at the gate. */
  reached: Promise<void>;
  open(): void;
}

export function gate(): Gate & { wait(): Promise<void> } {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
  return {
    reached: reachedPromise,
    open,
    wait() {
      reached();
      return opened;
    },
  };
}

/** The store, with a hook run before each readAll (to hold a rebuild between two batches). */
export function hookedStore(store: EventStore, beforeReadAll: (options: ReadAllOptions | undefined) => Promise<void>): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'readAll') {
        return async (options?: ReadAllOptions) => {
          await beforeReadAll(options);
          return target.readAll(options);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export interface EventLogHooks {
  /** Runs inside the batch transaction after half of the batch's log rows are written. */
  midBatch?: (trx: Transaction<any>, events: readonly RecordedEvent[], batchNumber: number) => Promise<void>;
}

/**
 * A deliberately NOT idempotent test projection: one log row per event (no key) and a counter per
 * event type incremented blindly. Any batch applied twice, or half-applied, shows in its tables.
 */
export function eventLogProjection(name = 'event_log', hooks: EventLogHooks = {}, version = 1): Projection<{ log: string; counts: string }> {
  let batchNumber = 0;
  return defineProjection({
    name,
    version,
    tables: (v: number) => ({ log: versionedTable(`${name}_log`, v), counts: versionedTable(`${name}_counts`, v) }),
    async createTables(db, { log, counts }) {
      await db.schema
        .createTable(log)
        .addColumn('position', 'text', (column) => column.notNull())
        .addColumn('stream_id', 'text', (column) => column.notNull())
        .addColumn('revision', 'integer', (column) => column.notNull())
        .addColumn('type', 'text', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable(counts)
        .addColumn('type', 'text', (column) => column.primaryKey())
        .addColumn('n', 'integer', (column) => column.notNull())
        .execute();
    },
    async apply(trx, events, { log, counts }) {
      batchNumber++;
      const insertLog = (slice: readonly RecordedEvent[]) =>
        slice.length === 0
          ? Promise.resolve()
          : trx
              .insertInto(log)
              .values(slice.map((event) => ({ position: event.position, stream_id: event.streamId, revision: event.revision, type: event.type })))
              .execute();
      const half = Math.ceil(events.length / 2);
      await insertLog(events.slice(0, half));
      await hooks.midBatch?.(trx, events, batchNumber);
      await insertLog(events.slice(half));
      const perType = new Map<string, number>();
      for (const event of events) perType.set(event.type, (perType.get(event.type) ?? 0) + 1);
      await trx
        .insertInto(counts)
        .values([...perType].map(([type, n]) => ({ type, n })))
        .onConflict((conflict) => conflict.column('type').doUpdateSet({ n: sql`${sql.ref(`${counts}.n`)} + excluded.n` }))
        .execute();
    },
  });
}

/** What the event-log projection must contain after processing `events`. */
export function expectedEventLog(events: readonly RecordedEvent[], handles?: readonly string[]) {
  const handled = handles ? events.filter((event) => handles.includes(event.type)) : events;
  const perType = new Map<string, number>();
  for (const event of handled) perType.set(event.type, (perType.get(event.type) ?? 0) + 1);
  return {
    log: handled.map((event) => ({ position: event.position, stream_id: event.streamId, revision: event.revision, type: event.type })),
    counts: [...perType].sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, n]) => ({ type, n })),
  };
}
