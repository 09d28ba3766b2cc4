import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';

/** How long a key binds its first answer. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
/**
 * How long a claim holds without a heartbeat: a request in flight renews it every third of this, so
 * only a claim whose process died (SIGKILL, power loss) runs out and may be taken over by a retry.
 */
export const IDEMPOTENCY_LEASE_SECONDS = 30;

/**
 * The first answer of a POST that carried `Idempotency-Key`, per admin and key. A table of the read
 * database (PostgreSQL or PGlite), not an event: it holds across instances and restarts, and expires.
 *
 * - `state = 'pending'`: a request holds the key (`claim` is its token, `lease_until` its heartbeat);
 * - `state = 'done'`: `status`, `headers` and `body` are the answer to give every repeat.
 */
const migrations: Record<string, Migration> = {
  '0001_idempotency_keys': {
    async up(db) {
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('actor_id', 'text', (column) => column.notNull())
        .addColumn('key', 'text', (column) => column.notNull())
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('claim', 'text', (column) => column.notNull())
        .addColumn('status', 'integer')
        .addColumn('headers', 'jsonb')
        .addColumn('body', 'text')
        .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .addColumn('lease_until', 'timestamptz', (column) => column.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['actor_id', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_keys_created_at').on('idempotency_keys').column('created_at').execute();
    },
    async down(db) {
      await db.schema.dropTable('idempotency_keys').ifExists().execute();
    },
  },
  /** How often a claim was taken over from a holder that stopped renewing it (0: held by its first runner). */
  '0002_idempotency_takeovers': {
    async up(db) {
      await db.schema.alterTable('idempotency_keys').addColumn('takeovers', 'integer', (column) => column.notNull().defaultTo(0)).execute();
    },
    async down(db) {
      await db.schema.alterTable('idempotency_keys').dropColumn('takeovers').execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateIdempotency(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'idempotency_migrations', migrationLockTableName: 'idempotency_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Idempotency migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
}

/** The answer stored for a key: what a repeat gets. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  /** The JSON body as sent (null: no body). */
  body: string | null;
}

/** What claiming a key found. */
export type Claim =
  /**
   * `abandonedSince`: the key was taken over from a holder that stopped renewing it (its process
   * died, perhaps after its events committed); the time the first attempt claimed it. Absent: a
   * fresh claim, nothing can have been written under the key yet.
   */
  | { kind: 'claimed'; token: string; abandonedSince?: Date }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'reused' }
  | { kind: 'in_progress'; retryAfterSeconds: number };

interface KeyRow {
  fingerprint: string;
  state: string;
  status: number | null;
  headers: Record<string, string> | string | null;
  body: string | null;
  lease_seconds_left: number | string;
}

export class IdempotencyStore {
  constructor(private readonly db: Kysely<any>) {}

  /**
   * One statement decides who holds the key: a new key is claimed; an expired one (older than 24 h),
   * or a pending one whose holder stopped renewing it with the same fingerprint, is taken over;
   * otherwise the row as it is says replay, reused or in progress. Atomic on both stores (the
   * primary key serialises concurrent claims), so two instances never both run one key.
   */
  async claim(actorId: string, key: string, fingerprint: string): Promise<Claim> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const token = randomUUID();
      // A takeover of a dead holder's claim keeps `created_at` (when the first attempt began: what a
      // look for its committed events starts from) and counts itself in `takeovers`.
      const claimed = await sql<{ claim: string; takeovers: number; created_at: Date | string }>`
        INSERT INTO idempotency_keys (actor_id, key, fingerprint, state, claim, created_at, lease_until)
        VALUES (${actorId}, ${key}, ${fingerprint}, 'pending', ${token}, now(), now() + make_interval(secs => ${IDEMPOTENCY_LEASE_SECONDS}))
        ON CONFLICT (actor_id, key) DO UPDATE SET
          fingerprint = excluded.fingerprint, state = 'pending', claim = excluded.claim, status = NULL,
          headers = NULL, body = NULL, lease_until = excluded.lease_until,
          takeovers = CASE WHEN idempotency_keys.created_at < now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS}) THEN 0 ELSE idempotency_keys.takeovers + 1 END,
          created_at = CASE WHEN idempotency_keys.created_at < now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS}) THEN now() ELSE idempotency_keys.created_at END
        WHERE idempotency_keys.created_at < now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS})
           OR (idempotency_keys.state = 'pending' AND idempotency_keys.lease_until < now()
               AND idempotency_keys.fingerprint = excluded.fingerprint)
        RETURNING claim, takeovers, created_at`.execute(this.db);
      const row = claimed.rows[0];
      if (row?.claim === token) {
        return Number(row.takeovers) > 0 ? { kind: 'claimed', token, abandonedSince: new Date(row.created_at) } : { kind: 'claimed', token };
      }
      const found = await sql<KeyRow>`
        SELECT fingerprint, state, status, headers, body,
               extract(epoch FROM lease_until - now()) AS lease_seconds_left
        FROM idempotency_keys WHERE actor_id = ${actorId} AND key = ${key}`.execute(this.db);
      const current = found.rows[0];
      if (!current) continue; // cleaned up in between: claim again
      if (current.fingerprint !== fingerprint) return { kind: 'reused' };
      if (current.state === 'done' && current.status !== null) {
        const headers = typeof current.headers === 'string' ? (JSON.parse(current.headers) as Record<string, string>) : (current.headers ?? {});
        return { kind: 'replay', answer: { status: current.status, headers, body: current.body } };
      }
      const left = Math.ceil(Number(current.lease_seconds_left));
      return { kind: 'in_progress', retryAfterSeconds: Math.min(IDEMPOTENCY_LEASE_SECONDS, Math.max(1, Number.isFinite(left) ? left : 1)) };
    }
    return { kind: 'in_progress', retryAfterSeconds: 1 };
  }

  /** The holder is still at work: pushes its lease on (false when it lost the key). */
  async renew(actorId: string, key: string, token: string): Promise<boolean> {
    const result = await sql`
      UPDATE idempotency_keys SET lease_until = now() + make_interval(secs => ${IDEMPOTENCY_LEASE_SECONDS})
      WHERE actor_id = ${actorId} AND key = ${key} AND claim = ${token} AND state = 'pending'`.execute(this.db);
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  /** Binds the key to its first answer. */
  async complete(actorId: string, key: string, token: string, answer: StoredAnswer): Promise<void> {
    await sql`
      UPDATE idempotency_keys SET state = 'done', status = ${answer.status}, headers = ${JSON.stringify(answer.headers)}::jsonb,
        body = ${answer.body}, lease_until = now()
      WHERE actor_id = ${actorId} AND key = ${key} AND claim = ${token}`.execute(this.db);
  }

  /**
   * The holder gives the key up without running (it could not tell whether a dead holder's events
   * committed): the claim stays pending with its lease run out, so the next retry takes it over and
   * looks again.
   */
  async abandon(actorId: string, key: string, token: string): Promise<void> {
    await sql`UPDATE idempotency_keys SET lease_until = now() - interval '1 second'
      WHERE actor_id = ${actorId} AND key = ${key} AND claim = ${token} AND state = 'pending'`.execute(this.db);
  }

  /** The request was refused (nothing written): the key is free again, so a retry runs anew. */
  async release(actorId: string, key: string, token: string): Promise<void> {
    await sql`DELETE FROM idempotency_keys WHERE actor_id = ${actorId} AND key = ${key} AND claim = ${token} AND state = 'pending'`.execute(this.db);
  }

  /** Deletes expired keys, at most `batch` per statement and `maxBatches` statements (bounded). Answers how many. */
  async deleteExpired(batch = 1000, maxBatches = 10): Promise<number> {
    let deleted = 0;
    for (let round = 0; round < maxBatches; round++) {
      const result = await sql`
        DELETE FROM idempotency_keys WHERE (actor_id, key) IN (
          SELECT actor_id, key FROM idempotency_keys
          WHERE created_at < now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS})
          ORDER BY created_at LIMIT ${batch})`.execute(this.db);
      const count = Number(result.numAffectedRows ?? 0);
      deleted += count;
      if (count < batch) break;
    }
    return deleted;
  }
}
