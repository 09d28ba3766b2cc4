import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from './pglite-dialect.js';
import pg from 'pg';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { NotificationListener, type ListenerHealth, type ListenOptions } from './notification-listener.js';

export type { ListenerHealth, ListenOptions } from './notification-listener.js';

/**
 * One PostgreSQL database, reached either through a pg pool (a real server) or in-process through
 * PGlite (the embedded default). Both expose kysely plus LISTEN, which kysely does not cover.
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  // Tables differ per module; each module narrows this with its own table types.
  readonly db: Kysely<any>;
  /**
   * Calls `onNotify` for every NOTIFY on `channel`; resolves to an unlisten function. On a server
   * the LISTEN connection reconnects by itself after a loss, then calls `options.onResume` (what
   * was notified meanwhile is lost: catch up there).
   */
  listen(channel: string, onNotify: (payload: string) => void, options?: ListenOptions): Promise<() => Promise<void>>;
  /** The LISTEN connection's state, for /health and /metrics. */
  listenerHealth(): ListenerHealth;
  /** Runs `fn` on one dedicated session (needed for session-level advisory locks). */
  withSession<T>(fn: (session: Kysely<any>) => Promise<T>): Promise<T>;
  /** The exclusive lock on the PGlite data folder (none in memory or on a server). */
  readonly lock?: DataDirLock;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… for a real server; omitted for PGlite. */
  connectionString?: string;
  /** PGlite data folder; omitted (with no connectionString) for an in-memory PGlite. */
  dataDir?: string;
  poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.connectionString
    ? openPostgres(options.connectionString, options.poolSize ?? 10)
    : openPGlite(options.dataDir);
}

async function openPostgres(connectionString: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    // Without it, a request during an outage where connecting hangs (no RST) would wait forever.
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    // An idle-in-transaction session holds back the snapshot xmin that event readers wait on.
    idle_in_transaction_session_timeout: 60_000,
  } as pg.PoolConfig);
  pool.on('error', () => undefined); // a dropped idle client is replaced on next use
  // A checked-out client (e.g. the projection lock session) that loses its server connection emits
  // 'error' itself; without a listener that would crash the process instead of failing its query.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const listener = new NotificationListener(connectionString);
  return {
    kind: 'postgres',
    db,
    listen: (channel, onNotify, options) => listener.listen(channel, onNotify, options),
    listenerHealth: () => listener.health(),
    async withSession(fn) {
      return db.connection().execute(fn);
    },
    async close() {
      await listener.close();
      await db.destroy();
    },
  };
}

async function openPGlite(dataDir?: string): Promise<Database> {
  // Two processes on one folder corrupt it: taken before PGlite touches a file, or DataDirLockedError.
  const lock = dataDir ? lockDataDir(dataDir) : undefined;
  let pglite: PGlite;
  try {
    // pg_trgm: substring search in the customer list (projections/customer-list).
    pglite = new PGlite({ dataDir, extensions: { pg_trgm } });
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = new Kysely<any>({ dialect: new PGliteDialect(pglite) });
  return {
    kind: 'pglite',
    db,
    lock,
    async listen(channel, onNotify) {
      return pglite.listen(channel, onNotify); // in-process: never lost, nothing to resume
    },
    listenerHealth: () => ({ state: 'listening', channels: [], reconnects: 0 }),
    async withSession(fn) {
      // PGlite is a single session already.
      return fn(db);
    },
    async close() {
      try {
        await db.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

export async function serverVersion(database: Database): Promise<string> {
  const result = await sql<{ version: string }>`select version()`.execute(database.db);
  return result.rows[0].version;
}
