import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Permission } from '../admins/domain/index.js';
import type { AuthenticatedRequest } from '../common/request-context.js';
import { PartnerScope } from './partner-scope.js';

export const IS_PUBLIC = 'chronicle:auth:public';
export const REQUIRED_PERMISSIONS = 'chronicle:auth:permissions';

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
