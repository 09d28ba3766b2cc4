import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';

/**
 * Write-side tables of the reference-data module (not read models: they are kept in step by the
 * command side itself). Works on PostgreSQL and PGlite.
 *
 * - customer_reference_usage: which partner and location each customer uses, so deleting a partner
 *   or location that customers still use is refused (rules partner.in_use / location.in_use)
 *   without waiting for a projection. Written by the customer command side after each append that
 *   creates a customer, changes its partner / location, deletes or restores it.
 */
const migrations: Record<string, Migration> = {
  '0001_customer_reference_usage': {
    async up(db) {
      await db.schema
        .createTable('customer_reference_usage')
        .addColumn('customer_id', 'bigint', (column) => column.primaryKey())
        .addColumn('partner_id', 'integer', (column) => column.notNull())
        .addColumn('location_id', 'integer', (column) => column.notNull())
        .addColumn('active', 'boolean', (column) => column.notNull())
        .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('customer_reference_usage_partner').on('customer_reference_usage').columns(['partner_id']).where(sql.ref('active'), '=', true).execute();
      await db.schema.createIndex('customer_reference_usage_location').on('customer_reference_usage').columns(['location_id']).where(sql.ref('active'), '=', true).execute();
    },
    async down(db) {
      await db.schema.dropTable('customer_reference_usage').ifExists().execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateReferenceData(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'reference_data_migrations', migrationLockTableName: 'reference_data_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Reference-data migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}
