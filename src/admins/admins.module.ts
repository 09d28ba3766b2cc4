import { Inject, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { AdminCommandExecutor } from './application/admin-command-executor.js';
import { AdminDirectory } from './application/admin-directory.js';
import { AdminQueries } from './application/admin-queries.js';
import { ADMIN_COMMAND_HANDLERS } from './application/admin.handlers.js';
import { migrateAdmins } from './application/admins-schema.js';
import { EmailReservations } from './application/email-reservations.js';
import { FirstAdmin } from './application/first-admin.js';
import { PasswordHasher } from './application/password-hasher.js';
import { PasswordRehash } from './application/password-rehash.js';
import { Reauthentication } from './application/reauthentication.js';
import { SessionRevokers } from './application/session-revoker.js';
import { AdminsController } from './http/admins.controller.js';
import { RolesController } from './http/roles.controller.js';

/** Resolved once the admins' table exists. */
const ADMINS_SCHEMA = Symbol('AdminsSchema');

/**
 * Administrators and roles: command handlers (@nestjs/cqrs) over the admin and role deciders, the
 * in-memory admin directory (every admin and the roles, kept current from the store), the
 * `/admins` and `/roles` endpoints, and the first super-administrator on an empty system.
 * Knows nothing of logins: the auth module imports this one, and ends sessions when admins'
 * commands ask for it by registering with SessionRevokers.
 */
@Module({
  controllers: [AdminsController, RolesController],
  providers: [
    { provide: ADMINS_SCHEMA, inject: [DATABASE], useFactory: async (database: Database) => migrateAdmins(database.db).then(() => true) },
    { provide: EmailReservations, inject: [DATABASE, ADMINS_SCHEMA], useFactory: (database: Database) => new EmailReservations(database.db) },
    {
      provide: AdminDirectory,
      inject: [EVENT_STORE, EmailReservations],
      useFactory: async (store: EventStore, reservations: EmailReservations) => {
        const logger = new Logger('AdminDirectory');
        const directory = new AdminDirectory(store, reservations, {
          warn: (message) => logger.warn(message),
          error: (message, error) => logger.error(message, error instanceof Error ? error.stack : undefined),
        });
        await directory.start();
        return directory;
      },
    },
    PasswordHasher,
    PasswordRehash,
    SessionRevokers,
    Reauthentication,
    AdminQueries,
    AdminCommandExecutor,
    FirstAdmin,
    ...ADMIN_COMMAND_HANDLERS,
  ],
  exports: [AdminDirectory, AdminQueries, PasswordHasher, PasswordRehash, SessionRevokers, Reauthentication, FirstAdmin],
})
export class AdminsModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Admins');

  constructor(
    private readonly firstAdmin: FirstAdmin,
    private readonly directory: AdminDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.firstAdmin.bootstrap(this.config)) === 'created') {
      this.logger.log(`Created the first super-administrator ${this.config.adminEmail} (from ADMIN_EMAIL / ADMIN_PASSWORD)`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.directory.stop();
  }
}
