import { Global, Inject, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminDirectory } from '../admins/application/admin-directory.js';
import { AdminsService } from '../admins/application/admins.service.js';
import { EmailReservations } from '../admins/application/email-reservations.js';
import { PasswordHasher } from '../admins/application/password-hasher.js';
import { AdminsController } from '../admins/http/admins.controller.js';
import { RolesController } from '../admins/http/roles.controller.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { migrateAuth } from './auth-migrations.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { PartnerScopes } from './partner-scopes.js';
import { SessionStore } from './session.store.js';
import { JwtSocketAuthenticator } from './socket-authenticator.js';
import { TokenService } from './token.service.js';

/** Resolved once the auth tables exist. */
const AUTH_SCHEMA = Symbol('AuthSchema');

/**
 * Authentication (login, tokens, sessions, rate limits, the guard, the socket authenticator) and
 * the admins it authenticates (admin and role commands, the in-memory admin directory, the
 * first super-administrator). Global: inject AuthGuard, AuthService, JwtSocketAuthenticator anywhere.
 * AuthGuard guards every HTTP route of the app (APP_GUARD): a route opens only by declaring its door
 * (@Public, @Authenticated or @RequirePermission); an undeclared one is refused with 403.
 */
@Global()
@Module({
  controllers: [AuthController, AdminsController, RolesController],
  providers: [
    { provide: AUTH_SCHEMA, inject: [DATABASE], useFactory: async (database: Database) => migrateAuth(database.db).then(() => true) },
    { provide: EmailReservations, inject: [DATABASE, AUTH_SCHEMA], useFactory: (database: Database) => new EmailReservations(database.db) },
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
    TokenService,
    SessionStore,
    LoginRateLimiter,
    AuthService,
    AdminsService,
    AuthGuard,
    { provide: APP_GUARD, useExisting: AuthGuard },
    JwtSocketAuthenticator,
    PartnerScopes,
  ],
  exports: [AuthService, AuthGuard, JwtSocketAuthenticator, PartnerScopes, AdminDirectory, AdminsService, TokenService, SessionStore],
})
export class AuthModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly admins: AdminsService,
    private readonly directory: AdminDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.admins.bootstrapFirstAdmin(this.config)) === 'created') {
      this.logger.log(`Created the first super-administrator ${this.config.adminEmail} (from ADMIN_EMAIL / ADMIN_PASSWORD)`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.directory.stop();
  }
}
