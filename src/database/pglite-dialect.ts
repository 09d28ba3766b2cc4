import type { PGlite, Transaction } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';

/**
 * kysely over an in-process PGlite. kysely ships this dialect from 0.29 on, and 0.29 asks for Node 22;
 * this is the same design for the 0.28 line, which supports the Node 20 we run on: PGlite is one
 * session, so the driver hands it to one caller at a time, and a transaction runs in PGlite's own
 * exclusive transaction, so nothing outside kysely (LISTEN) lands inside it.
 */
export class PGliteDialect implements Dialect {
  constructor(private readonly pglite: PGlite) {}

  createAdapter() {
    return new PGliteAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.pglite);
  }

  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

class PGliteAdapter extends PostgresAdapter {
  // The migrator holds the only session from lock to unlock: no advisory lock is needed (or possible
  // without deadlocking on ourselves).
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

class PGliteDriver implements Driver {
  readonly #connection: PGliteConnection;
  readonly #session = new SessionMutex();

  constructor(private readonly pglite: PGlite) {
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    if (this.pglite.closed) throw new Error('PGlite instance is already closed.');
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#session.lock();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#session.unlock();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).rollback();
  }

  async destroy(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}

class PGliteConnection implements DatabaseConnection {
  #transaction?: Transaction;
  #finish?: { commit: () => void; rollback: (reason: Error) => void };
  #closed?: Promise<unknown>;

  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { affectedRows, rows } = await (this.#transaction ?? this.pglite).query<R>(
      compiledQuery.sql,
      compiledQuery.parameters as unknown[],
      { rowMode: 'object' },
    );
    return { numAffectedRows: affectedRows == null ? undefined : BigInt(affectedRows), rows: rows ?? [] };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not supported by PGlite.');
  }

  async begin(): Promise<void> {
    let begun!: () => void;
    const started = new Promise<void>((resolve) => (begun = resolve));
    const finished = new Promise<void>((commit, rollback) => (this.#finish = { commit: () => commit(), rollback }));
    this.#closed = this.pglite.transaction(async (tx) => {
      this.#transaction = tx;
      begun();
      await finished; // a rejection rolls PGlite's transaction back
    });
    // If BEGIN itself fails, surface that instead of waiting forever.
    await Promise.race([started, this.#closed]);
  }

  async commit(): Promise<void> {
    this.#finish?.commit();
    try {
      await this.#closed;
    } finally {
      this.#reset();
    }
  }

  async rollback(): Promise<void> {
    this.#finish?.rollback(new Error('rolled back'));
    try {
      await this.#closed?.catch(() => undefined);
    } finally {
      this.#reset();
    }
  }

  #reset(): void {
    this.#transaction = undefined;
    this.#finish = undefined;
    this.#closed = undefined;
  }
}

/** Hands the single session to one caller at a time, in arrival order. */
class SessionMutex {
  #held?: Promise<void>;
  #release?: () => void;

  async lock(): Promise<void> {
    while (this.#held) await this.#held;
    this.#held = new Promise((resolve) => (this.#release = resolve));
  }

  unlock(): void {
    const release = this.#release;
    this.#held = undefined;
    this.#release = undefined;
    release?.();
  }
}
