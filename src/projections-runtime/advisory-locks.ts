import { sql, type Kysely } from 'kysely';
import type { Database } from '../database/database.js';
import { errorMessage, silentLogger, type Logger } from './wake-signal.js';

/** Keys held in this process, per database: PGlite is one session, where advisory locks are re-entrant. */
const heldInProcess = new WeakMap<Database, Set<string>>();

/**
 * Session-level advisory locks (`pg_try_advisory_lock(hashtext(key))`) held on ONE dedicated
 * session shared by all the runners of a runtime, so running N projections pins one pool
 * connection, not N. The batches themselves run on the pool: the checkpoint compare-and-set, not
 * the lock, is what makes their effects exactly-once; the lock only keeps a second instance from
 * doing the same work.
 *
 * If the session dies, its locks are gone (the server released them): a heartbeat notices it
 * (`heartbeatMs`), `holds()` turns false, runners stop at their next batch and try again on a new
 * session. Until then another instance may have taken over; the compare-and-set makes the
 * slower of the two roll its batch back.
 */
export class AdvisoryLocks {
  private session?: Promise<{ db: Kysely<any>; release: () => void }>;
  private readonly held = new Set<string>();
  private heartbeat?: NodeJS.Timeout;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly options: { heartbeatMs?: number; logger?: Logger } = {},
  ) {}

  /** Takes the lock if free (false if another session holds it, here or in another instance). */
  async tryAcquire(key: string): Promise<boolean> {
    const inProcess = this.inProcess();
    if (inProcess.has(key)) return false;
    inProcess.add(key);
    try {
      const locked = await this.run(async (db) => {
        const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(hashtext(${key})) as locked`.execute(db);
        return rows[0]?.locked === true;
      });
      if (!locked) {
        inProcess.delete(key);
        return false;
      }
      this.held.add(key);
      this.startHeartbeat();
      return true;
    } catch (error) {
      inProcess.delete(key);
      await this.reset(error);
      throw error;
    }
  }

  holds(key: string): boolean {
    return this.held.has(key);
  }

  async release(key: string): Promise<void> {
    if (!this.held.delete(key)) return;
    this.inProcess().delete(key);
    await this.run((db) => sql`select pg_advisory_unlock(hashtext(${key}))`.execute(db)).catch(() => undefined);
    if (this.held.size === 0) await this.closeSession();
  }

  /** Releases every lock and gives the session back to the pool. */
  async close(): Promise<void> {
    await Promise.all([...this.held].map((key) => this.release(key)));
    await this.closeSession();
  }

  private inProcess(): Set<string> {
    let keys = heldInProcess.get(this.database);
    if (!keys) heldInProcess.set(this.database, (keys = new Set()));
    return keys;
  }

  /** Runs one statement on the lock session, one at a time. */
  private run<T>(fn: (db: Kysely<any>) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => fn((await this.open()).db));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private open(): Promise<{ db: Kysely<any>; release: () => void }> {
    this.session ??= new Promise((resolve, reject) => {
      let release!: () => void;
      const held = new Promise<void>((done) => (release = done));
      this.database
        .withSession(async (db) => {
          resolve({ db, release });
          await held;
        })
        .catch((error: unknown) => {
          this.session = undefined;
          reject(error);
        });
    });
    return this.session;
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (session) (await session.catch(() => undefined))?.release();
  }



  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      void this.run((db) => sql`select 1`.execute(db)).catch((error: unknown) => this.reset(error));
    }, this.options.heartbeatMs ?? 5000);
  }

  /**
   * A statement on the lock session failed: most likely the session broke, and the server released
   * its locks. Forget them, make sure none stays held (a live session is never handed back to the
   * pool holding a lock), and open a new session next time.
   */
  private async reset(error: unknown): Promise<void> {
    const keys = [...this.held];
    if (keys.length > 0) {
      (this.options.logger ?? silentLogger).warn(`Projection lock session failed (${errorMessage(error)}); runners will re-acquire`);
    }
    const inProcess = this.inProcess();
    for (const key of keys) inProcess.delete(key);
    this.held.clear();
    const session = this.session;
    this.session = undefined;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const open = session ? await session.catch(() => undefined) : undefined;
    if (!open) return;
    if (this.database.kind === 'postgres') {
      // A dedicated session: every advisory lock on it is ours.
      await sql`select pg_advisory_unlock_all()`.execute(open.db).catch(() => undefined);
    } else {
      for (const key of keys) await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(open.db).catch(() => undefined);
    }
    open.release();
  }
}
