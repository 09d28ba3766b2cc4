import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Permission } from '../admins/domain/index.js';
import type { AuthenticatedRequest } from '../common/request-context.js';
import { PartnerScope } from './partner-scope.js';

export const IS_PUBLIC = 'chronicle:auth:public';
export const REQUIRED_PERMISSIONS = 'chronicle:auth:permissions';
export const ACCEPTS_STREAM_TICKET = 'chronicle:auth:stream-ticket';

/**
 * A Server-Sent Events route that also takes `?ticket=` (POST /api/v1/feed/tickets) in place of the
 * Authorization header, for browsers' EventSource. The ticket's session must still hold the route's permission.
 */
export const AcceptsStreamTicket = (): MethodDecorator => SetMetadata(ACCEPTS_STREAM_TICKET, true);

/** No token needed (login, refresh, health, metrics, docs). On a controller or a handler. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/**
 * The permission(s) a route needs (all of them). On a controller it applies to every handler; a
 * handler's own `@RequirePermission` replaces the controller's. Without a token: 401; without the
 * permission: 403.
 */
export function RequirePermission(...permissions: [Permission, ...Permission[]]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, permissions),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No valid access token (application/problem+json)' }),
    ApiForbiddenResponse({ description: `Needs permission ${permissions.join(' + ')} (application/problem+json)` }),
  );
}

/** Any authenticated admin, no particular permission (e.g. GET /auth/me). */
export function Authenticated(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, []),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No valid access token (application/problem+json)' }),
  );
}

/** `@CurrentActor() actor: AuthenticatedActor` — the admin on the request (undefined on public routes). */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<AuthenticatedRequest>().actor);

/** `@CurrentPartnerScope() scope: PartnerScope` — the partners the admin on the request may see. */
export const CurrentPartnerScope = createParamDecorator((_: unknown, context: ExecutionContext): PartnerScope =>
  PartnerScope.of(context.switchToHttp().getRequest<AuthenticatedRequest>().actor),
);

/** What a rate-limited route costs: checks of an admin's own password, or heavy reads and jobs. */
export type RateLimitCategory = 'credentials' | 'expensive';
export const RATE_LIMIT = 'chronicle:auth:rate-limit';

/**
 * Limits the route's requests in the database (shared by every instance; src/auth/request-throttle.ts):
 * `credentials` per admin account (routes that check or reveal a secret), `expensive` per client address
 * (exports, rebuilds, time travel). Over the limit: 429 `request.rate_limited` with `Retry-After`.
 */
export interface RateLimitRule {
  category: RateLimitCategory;
  /** Count only requests whose JSON body has this field (e.g. `currentPassword` on PATCH /admins/{id}). */
  onlyWhenBodyHas?: string;
}

export function RateLimit(category: RateLimitCategory, options: { onlyWhenBodyHas?: string } = {}): MethodDecorator {
  return applyDecorators(
    SetMetadata(RATE_LIMIT, { category, ...options } satisfies RateLimitRule),
    ApiTooManyRequestsResponse({ description: `request.rate_limited: too many ${category} requests (${category === 'credentials' ? 'per account' : 'per client'}); wait Retry-After seconds` }),
  );
}
