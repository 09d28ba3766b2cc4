import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';

/**
 * Tables of the auth module (PostgreSQL and PGlite): sessions, refresh tokens' hashes, failed-login
 * counters. Not read models: they hold what must not be events.
 */
const migrations: Record<string, Migration> = {
  '0001_auth': {
    async up(db) {
      // admin_email_reservations, once created here, belongs to the admins module (admins-schema.ts),
      // which creates it when it is missing: databases migrated before the split keep theirs.

      // One row per login; revoking it ends its access tokens (checked on every request) and refresh tokens.
      await db.schema
        .createTable('auth_sessions')
        .addColumn('id', 'uuid', (column) => column.primaryKey())
        .addColumn('admin_id', 'text', (column) => column.notNull())
        .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
        .addColumn('last_used_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .addColumn('revoked_at', 'timestamptz')
        .addColumn('revoked_reason', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .execute();
      await db.schema.createIndex('auth_sessions_admin').on('auth_sessions').column('admin_id').execute();

      // Refresh tokens are opaque random strings; only their SHA-256 is stored. Each is used once.
      await db.schema
        .createTable('auth_refresh_tokens')
        .addColumn('token_hash', 'text', (column) => column.primaryKey())
        .addColumn('session_id', 'uuid', (column) => column.notNull().references('auth_sessions.id').onDelete('cascade'))
        .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
        .addColumn('used_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('auth_refresh_tokens_session').on('auth_refresh_tokens').column('session_id').execute();

      // Failed logins, keyed 'account:<email>' or 'address:<ip>', counted over a sliding window.
      await db.schema
        .createTable('auth_login_failures')
        .addColumn('id', 'bigserial', (column) => column.primaryKey())
        .addColumn('key', 'text', (column) => column.notNull())
        .addColumn('failed_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('auth_login_failures_key_time').on('auth_login_failures').columns(['key', 'failed_at']).execute();
    },
    async down(db) {
      for (const table of ['auth_login_failures', 'auth_refresh_tokens', 'auth_sessions']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  // Login limiting with progressive delays (login-rate-limiter.ts): one row per counter, locked while
  // an attempt is reserved; addresses an account logged in from, which the account's counter spares.
  '0002_login_throttle': {
    async up(db) {
      await db.schema
        .createTable('auth_login_throttle')
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('failures', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('last_failure_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('auth_login_throttle_last_failure').on('auth_login_throttle').column('last_failure_at').execute();
      await db.schema
        .createTable('auth_login_known_addresses')
        .addColumn('account', 'text', (column) => column.notNull())
        .addColumn('address', 'text', (column) => column.notNull())
        .addColumn('last_success_at', 'timestamptz', (column) => column.notNull())
        .addPrimaryKeyConstraint('auth_login_known_addresses_pk', ['account', 'address'])
        .execute();
      await db.schema.dropTable('auth_login_failures').ifExists().execute();
    },
    async down(db) {
      await db.schema.dropTable('auth_login_known_addresses').ifExists().execute();
      await db.schema.dropTable('auth_login_throttle').ifExists().execute();
    },
  },
  // Single-use tickets for EventSource clients (stream-tickets.ts); only their SHA-256 is stored.
  '0003_stream_tickets': {
    async up(db) {
      await db.schema
        .createTable('auth_stream_tickets')
        .addColumn('ticket_hash', 'text', (column) => column.primaryKey())
        .addColumn('admin_id', 'text', (column) => column.notNull())
        .addColumn('session_id', 'uuid', (column) => column.notNull())
        .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('auth_stream_tickets').ifExists().execute();
    },
  },
  // Request rate limits outside login (request-throttle.ts): one fixed-window counter per key, shared by every instance.
  '0004_request_throttle': {
    async up(db) {
      await db.schema
        .createTable('request_throttle')
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('hits', 'integer', (column) => column.notNull())
        .addColumn('window_ends_at', 'timestamptz', (column) => column.notNull())
        .addColumn('blocked_until', 'timestamptz')
        .execute();
      await db.schema.createIndex('request_throttle_window_ends').on('request_throttle').column('window_ends_at').execute();
    },
    async down(db) {
      await db.schema.dropTable('request_throttle').ifExists().execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateAuth(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'auth_migrations', migrationLockTableName: 'auth_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(`Auth migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
}
