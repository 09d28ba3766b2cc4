import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { SecretBox } from './secret-box.js';

/**
 * The per-customer data keys of crypto-shredding: one random AES-256 key per customer, wrapped
 * (sealed) by the master key ENCRYPTION_KEY and kept in its own table, `personal_data_keys`,
 * OUTSIDE the event tables (always in PostgreSQL / PGlite, also when events live in
 * EventStoreDB). Erasure destroys a key: its row keeps the customer id and when, the wrapped
 * key becomes NULL, and what was encrypted with it can never be read again. A destroyed key is
 * never replaced (the tombstone row refuses a new one), so an erased customer stays erased.
 *
 * Each row names the master key that wraps it (`master_key_id`, a fingerprint, never the key),
 * so a rotation (src/cli/keys-rotate.ts) can re-wrap row by row and resume, and a start with the
 * wrong ENCRYPTION_KEY is refused instead of showing every customer as erased.
 */
export const PERSONAL_DATA_KEYS_TABLE = 'personal_data_keys';

const migrations: Record<string, Migration> = {
  '0001_personal_data_keys': {
    async up(db) {
      await db.schema
        .createTable(PERSONAL_DATA_KEYS_TABLE)
        .addColumn('customer_id', 'bigint', (column) => column.primaryKey())
        // NULL once destroyed (erased).
        .addColumn('wrapped_key', 'text')
        .addColumn('master_key_id', 'text', (column) => column.notNull())
        .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .addColumn('rewrapped_at', 'timestamptz')
        .addColumn('erased_at', 'timestamptz')
        .execute();
    },
    async down(db) {
      await db.schema.dropTable(PERSONAL_DATA_KEYS_TABLE).ifExists().execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migratePersonalDataKeys(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'personal_data_keys_migrations', migrationLockTableName: 'personal_data_keys_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Personal data keys migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
}

/** A master key's public name: the first 16 hex digits of a domain-separated sha256 (the key cannot be derived from it). */
export function masterKeyId(masterKey: Buffer): string {
  return createHash('sha256').update('chronicle personal-data master key\u0000').update(masterKey).digest('hex').slice(0, 16);
}

/** The key of a customer as a read sees it: the key, 'erased' (destroyed), or absent (none made yet: nothing encrypted). */
export type DataKeyState = Buffer | 'erased';

/** Thrown when an encrypting write meets a destroyed key (the decider refuses such writes before). */
export class PersonalDataErasedError extends Error {
  constructor(readonly customerId: number) {
    super(`The personal data of customer ${customerId} was erased; its data key is destroyed`);
    this.name = 'PersonalDataErasedError';
  }
}

/** Rows wrapped by a master key this process does not hold (a wrong ENCRYPTION_KEY, or a rotation half done). */
export class ForeignMasterKeyError extends Error {
  constructor(readonly counts: Readonly<Record<string, number>>) {
    super(
      `${Object.values(counts).reduce((sum, count) => sum + count, 0)} customer data keys are wrapped by another master key ` +
        `(id ${Object.keys(counts).join(', ')}): set ENCRYPTION_KEY to that key (or list it in ENCRYPTION_KEY_PREVIOUS), or finish the rotation with npm run keys:rotate`,
    );
    this.name = 'ForeignMasterKeyError';
  }
}

interface KeyRow {
  customer_id: string | number;
  wrapped_key: string | null;
  master_key_id: string;
}

interface CachedKey {
  state: DataKeyState;
  at: number;
}

/**
 * How long a key read from the table is trusted for decryption. Erasure on this instance evicts
 * at once; on another instance the erasure event, which every instance's live tail reads through
 * the encrypting store, evicts it too: the bound only matters when that tail lags.
 */
export const KEY_CACHE_TTL_MS = 5_000;
const KEY_CACHE_SIZE = 20_000;

export class PersonalDataKeys {
  private readonly box: SecretBox;
  private readonly currentId: string;
  private readonly knownIds: ReadonlySet<string>;
  private readonly cache = new Map<number, CachedKey>();

  constructor(
    private readonly db: Kysely<any>,
    masterKey: Buffer,
    previousMasterKeys: readonly Buffer[] = [],
    private readonly now: () => number = Date.now,
  ) {
    this.box = new SecretBox(masterKey, previousMasterKeys);
    this.currentId = masterKeyId(masterKey);
    this.knownIds = new Set([masterKey, ...previousMasterKeys].map(masterKeyId));
  }

  /** Refuses (ForeignMasterKeyError) when live keys are wrapped by a master key this process does not hold. */
  async assertMasterKey(): Promise<void> {
    const rows = await this.db
      .selectFrom(PERSONAL_DATA_KEYS_TABLE)
      .select(['master_key_id', sql<string>`count(*)`.as('n')])
      .where('wrapped_key', 'is not', null)
      .groupBy('master_key_id')
      .execute();
    const foreign = Object.fromEntries(rows.filter((row) => !this.knownIds.has(row.master_key_id)).map((row) => [row.master_key_id, Number(row.n)]));
    if (Object.keys(foreign).length > 0) throw new ForeignMasterKeyError(foreign);
  }

  /** The keys of these customers for reading (a customer without a row is absent from the map). */
  async keysFor(customerIds: Iterable<number>): Promise<Map<number, DataKeyState>> {
    const found = new Map<number, DataKeyState>();
    const missing: number[] = [];
    const now = this.now();
    for (const id of new Set(customerIds)) {
      const cached = this.cache.get(id);
      if (cached && now - cached.at < KEY_CACHE_TTL_MS) found.set(id, cached.state);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const rows: KeyRow[] = await this.db
        .selectFrom(PERSONAL_DATA_KEYS_TABLE)
        .select(['customer_id', 'wrapped_key', 'master_key_id'])
        .where('customer_id', 'in', missing)
        .execute();
      for (const row of rows) {
        const id = Number(row.customer_id);
        const state = this.unwrapRow(row);
        this.remember(id, state);
        found.set(id, state);
      }
    }
    return found;
  }

  /**
   * The key to encrypt with, made on first use (a race between two writers keeps one). A
   * destroyed key refuses with PersonalDataErasedError. A key known here is trusted without a
   * read: writing with a key another instance destroyed meanwhile only makes that value
   * unreadable at once, which is what erasure wants.
   */
  async keyForWrite(customerId: number): Promise<Buffer> {
    const cached = this.cache.get(customerId);
    if (cached && cached.state !== 'erased') return cached.state;
    const existing = (await this.keysFor([customerId])).get(customerId);
    if (existing === 'erased') throw new PersonalDataErasedError(customerId);
    if (existing) return existing;
    const key = randomBytes(32);
    await this.db
      .insertInto(PERSONAL_DATA_KEYS_TABLE)
      .values({ customer_id: customerId, wrapped_key: this.wrap(key), master_key_id: this.currentId })
      .onConflict((conflict) => conflict.column('customer_id').doNothing())
      .execute();
    this.cache.delete(customerId);
    const stored = (await this.keysFor([customerId])).get(customerId);
    if (stored === 'erased') throw new PersonalDataErasedError(customerId);
    if (!stored) throw new Error(`The data key of customer ${customerId} could not be stored`);
    return stored;
  }

  /** Destroys the customer's key for good (idempotent; a customer without a key gets a tombstone, so none is made later). */
  async destroy(customerId: number): Promise<void> {
    await this.db
      .insertInto(PERSONAL_DATA_KEYS_TABLE)
      .values({ customer_id: customerId, wrapped_key: null, master_key_id: this.currentId, erased_at: sql`now()` })
      .onConflict((conflict) =>
        conflict.column('customer_id').doUpdateSet({ wrapped_key: null, erased_at: sql`coalesce(${sql.ref(`${PERSONAL_DATA_KEYS_TABLE}.erased_at`)}, now())` }),
      )
      .execute();
    this.remember(customerId, 'erased');
  }

  /** Another instance erased this customer (its erasure event was read): forget the key here now. */
  forgetKey(customerId: number): void {
    this.remember(customerId, 'erased');
  }

  private unwrapRow(row: KeyRow): DataKeyState {
    if (row.wrapped_key === null) return 'erased';
    if (!this.knownIds.has(row.master_key_id)) throw new ForeignMasterKeyError({ [row.master_key_id]: 1 });
    return Buffer.from(this.box.open(row.wrapped_key), 'base64');
  }

  private wrap(key: Buffer): string {
    return this.box.seal(key.toString('base64'));
  }

  private remember(customerId: number, state: DataKeyState): void {
    this.cache.delete(customerId);
    this.cache.set(customerId, { state, at: this.now() });
    if (this.cache.size > KEY_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
  }
}

export interface RewrapProgress {
  total: number;
  done: number;
}

/**
 * Re-wraps every live data key wrapped by `from` with `to` (the master-key rotation), in batches,
 * each batch in its own transaction; resumable (rows already wrapped by `to` are skipped).
 * Destroyed keys stay destroyed. Returns what it did.
 */
export async function rewrapDataKeys(
  db: Kysely<any>,
  from: Buffer,
  to: Buffer,
  options: { batchSize?: number; onProgress?: (progress: RewrapProgress) => void } = {},
): Promise<{ rewrapped: number; alreadyNew: number; erased: number; foreign: number }> {
  const fromId = masterKeyId(from);
  const toId = masterKeyId(to);
  if (fromId === toId) throw new Error('The new master key is the old one');
  const oldBox = new SecretBox(from);
  const newBox = new SecretBox(to);
  const counts = await db
    .selectFrom(PERSONAL_DATA_KEYS_TABLE)
    .select([
      sql<string>`count(*) FILTER (WHERE wrapped_key IS NOT NULL AND master_key_id = ${fromId})`.as('pending'),
      sql<string>`count(*) FILTER (WHERE wrapped_key IS NOT NULL AND master_key_id = ${toId})`.as('already'),
      sql<string>`count(*) FILTER (WHERE wrapped_key IS NULL)`.as('erased'),
      sql<string>`count(*) FILTER (WHERE wrapped_key IS NOT NULL AND master_key_id <> ${fromId} AND master_key_id <> ${toId})`.as('foreign'),
    ])
    .executeTakeFirstOrThrow();
  const total = Number(counts.pending);
  const batchSize = options.batchSize ?? 500;
  let done = 0;
  options.onProgress?.({ total, done });
  let after: number | null = null;
  for (;;) {
    const batch: number = await db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom(PERSONAL_DATA_KEYS_TABLE)
        .select(['customer_id', 'wrapped_key'])
        .where('master_key_id', '=', fromId)
        .where('wrapped_key', 'is not', null)
        .orderBy('customer_id')
        .limit(batchSize)
        .forUpdate();
      if (after !== null) query = query.where('customer_id', '>', after);
      const rows: { customer_id: string | number; wrapped_key: string }[] = await query.execute();
      for (const row of rows) {
        const key = oldBox.open(row.wrapped_key);
        await trx
          .updateTable(PERSONAL_DATA_KEYS_TABLE)
          .set({ wrapped_key: newBox.seal(key), master_key_id: toId, rewrapped_at: sql`now()` })
          .where('customer_id', '=', row.customer_id)
          .where('master_key_id', '=', fromId)
          .execute();
      }
      if (rows.length > 0) after = Number(rows[rows.length - 1].customer_id);
      return rows.length;
    });
    done += batch;
    options.onProgress?.({ total, done });
    if (batch < batchSize) break;
  }
  return { rewrapped: done, alreadyNew: Number(counts.already), erased: Number(counts.erased), foreign: Number(counts.foreign) };
}
