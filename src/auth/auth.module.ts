import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminsModule } from '../admins/admins.module.js';
import { Reauthentication } from '../admins/application/reauthentication.js';
import { SessionRevokers } from '../admins/application/session-revoker.js';
import { DATABASE } from '../database/database.module.js';
import type { Database } from '../database/database.js';
import { migrateAuth } from './auth-migrations.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { PartnerScopes } from './partner-scopes.js';
import { DatabaseThrottlerStorage, RequestThrottleGuard } from './request-throttle.js';
import { SessionStore } from './session.store.js';
import { JwtSocketAuthenticator } from './socket-authenticator.js';
import { StreamTicketStore } from './stream-tickets.js';
import { TokenService } from './token.service.js';

/** Resolved once the auth tables exist. */
const AUTH_SCHEMA = Symbol('AuthSchema');

/**
 * Authentication: login, tokens, sessions, rate limits, the guard, the socket authenticator. It
 * authenticates the admins of AdminsModule (imported: auth depends on admins, never the reverse) and
 * ends their sessions when an admin command asks (its SessionStore registers with SessionRevokers).
 * Global: inject AuthGuard, AuthService, JwtSocketAuthenticator anywhere.
 * AuthGuard guards every HTTP route of the app (APP_GUARD): a route opens only by declaring its door
 * (@Public, @Authenticated or @RequirePermission); an undeclared one is refused with 403.
 */
@Global()
@Module({
  imports: [AdminsModule],
  controllers: [AuthController],
  providers: [
    { provide: AUTH_SCHEMA, inject: [DATABASE], useFactory: async (database: Database) => migrateAuth(database.db).then(() => true) },
    TokenService,
    SessionStore,
    LoginRateLimiter,
    AuthService,
    StreamTicketStore,
    AuthGuard,
    { provide: APP_GUARD, useExisting: AuthGuard },
    // After AuthGuard (global guards run in this order): credential limits are counted per admin.
    DatabaseThrottlerStorage,
    RequestThrottleGuard,
    { provide: APP_GUARD, useExisting: RequestThrottleGuard },
    JwtSocketAuthenticator,
    PartnerScopes,
  ],
  exports: [AuthService, StreamTicketStore, AuthGuard, JwtSocketAuthenticator, PartnerScopes, TokenService, SessionStore, AdminsModule],
})
export class AuthModule implements OnModuleInit {
  constructor(
    private readonly sessions: SessionStore,
    private readonly revokers: SessionRevokers,
    private readonly reauthentication: Reauthentication,
    private readonly limiter: LoginRateLimiter,
  ) {}

  onModuleInit(): void {
    this.revokers.register(this.sessions);
    // Checks of one's current password count as login attempts (same counters, same delays).
    this.reauthentication.register(this.limiter);
  }
}
