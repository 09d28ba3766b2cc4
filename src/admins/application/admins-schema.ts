import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';

/**
 * The admins module's one table (PostgreSQL and PGlite). Admins themselves are events; set
 * validation of their emails needs a unique key, which is this reservation (the stream is the truth).
 * `ifNotExists`: databases from before the admins module had their own migrations already hold it.
 */
const migrations: Record<string, Migration> = {
  '0001_admin_email_reservations': {
    async up(db) {
      await db.schema
        .createTable('admin_email_reservations')
        .ifNotExists()
        .addColumn('email', 'text', (column) => column.primaryKey())
        .addColumn('admin_id', 'text', (column) => column.notNull())
        .addColumn('reserved_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('admin_email_reservations_admin').ifNotExists().on('admin_email_reservations').column('admin_id').execute();
    },
    async down(db) {
      await db.schema.dropTable('admin_email_reservations').ifExists().execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateAdmins(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'admins_migrations', migrationLockTableName: 'admins_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Admins migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
}
