/**
 * Authentication and authorization for every door (HTTP, Socket.IO, the feed):
 * - `@Public()`, `@RequirePermission('customers.read', …)`, `@Authenticated()` on controllers/handlers;
 * - `@CurrentActor()`, `@CurrentPartnerScope()` parameter decorators; `PartnerScope`, `restrictToPartners`;
 * - `AuthGuard` (HTTP), `JwtSocketAuthenticator` (Socket.IO handshakes), `AuthService`;
 * - the permission names (src/admins/domain/permissions.ts).
 */
export { AuthModule } from './auth.module.js';
export { AuthGuard, bearerToken } from './auth.guard.js';
export { AuthService, type AuthenticatedActor, type TokenPair } from './auth.service.js';
export { AuthenticationError, type AuthFailure } from './auth-errors.js';
export { Authenticated, CurrentActor, CurrentPartnerScope, IS_PUBLIC, Public, REQUIRED_PERMISSIONS, RequirePermission } from './decorators.js';
export { PartnerScope, partnerIdsOf, restrictToPartners } from './partner-scope.js';
export { PartnerScopes } from './partner-scopes.js';
export { JwtSocketAuthenticator, SocketAuthenticationError, type SocketAuthenticator, type SocketHandshakeLike } from './socket-authenticator.js';
export { PERMISSIONS, PERMISSION_DESCRIPTIONS, isPermission, type Permission } from '../admins/domain/index.js';
