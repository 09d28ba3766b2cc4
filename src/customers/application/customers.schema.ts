import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';

/**
 * Write-side tables of the customers module (PostgreSQL and PGlite), migrated at module init:
 *
 * - customer_id_seq: the sequential numeric customer id (Splynx style). Ids taken by a create that
 *   was then refused are not reused (gaps are fine; an id never names two customers).
 * - customer_reservations (kind, value) → customer_id: set validation for logins, ASTPP account
 *   numbers and unique additional fields. The primary key makes a reservation race-free: of two
 *   customers asking for the same value at the same moment, exactly one insert succeeds.
 * - customer_portal_tokens: short-lived "login as customer" tokens (only their SHA-256 is kept).
 */
const migrations: Record<string, Migration> = {
  '0001_customers_write_side': {
    async up(db) {
      await sql`CREATE SEQUENCE IF NOT EXISTS customer_id_seq AS bigint START WITH 1`.execute(db);
      await db.schema
        .createTable('customer_reservations')
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('value', 'text', (column) => column.notNull())
        .addColumn('customer_id', 'bigint', (column) => column.notNull())
        .addColumn('reserved_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('customer_reservations_pkey', ['kind', 'value'])
        .execute();
      await db.schema.createIndex('customer_reservations_customer').on('customer_reservations').columns(['customer_id']).execute();
      await db.schema
        .createTable('customer_portal_tokens')
        .addColumn('token_hash', 'text', (column) => column.primaryKey())
        .addColumn('customer_id', 'bigint', (column) => column.notNull())
        .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('customer_portal_tokens_expiry').on('customer_portal_tokens').columns(['expires_at']).execute();
    },
    async down(db) {
      await db.schema.dropTable('customer_portal_tokens').ifExists().execute();
      await db.schema.dropTable('customer_reservations').ifExists().execute();
      await sql`DROP SEQUENCE IF EXISTS customer_id_seq`.execute(db);
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateCustomers(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'customers_migrations', migrationLockTableName: 'customers_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Customers migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}

/** The next customer id from the sequence. */
export async function nextCustomerId(db: Kysely<any>): Promise<number> {
  const result = await sql<{ id: string }>`SELECT nextval('customer_id_seq') AS id`.execute(db);
  return Number(result.rows[0].id);
}
