import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { Actor, EventMetadata } from '../event-store/event-store.port.js';
import { SYSTEM_ACTOR } from './system-actor.js';
import { requestReason } from './reasons.js';

/**
 * The admin acting, as the auth guard (src/auth) puts it on `req.actor`. `partnerIds` empty (or
 * absent) means every partner: use `PartnerScope.of(req.actor)` from src/auth rather than reading
 * it directly. `permissions` are the names in src/admins/domain/permissions.ts.
 */
export interface RequestActor extends Actor {
  email?: string;
  partnerIds?: number[];
  permissions?: string[];
  /** The login session the access token belongs to. */
  sessionId?: string;
}

/** Who is acting, as the auth layer puts it on the request. */
export interface AuthenticatedRequest extends Request {
  actor?: RequestActor;
  /** The `Idempotency-Key` this request holds (set by the idempotency interceptor once claimed). */
  idempotencyKey?: string;
}

/**
 * The metadata field holding the `Idempotency-Key` of the request that wrote an event: with the
 * actor it says which keyed request committed what (the idempotency_writes projection).
 */
export const IDEMPOTENCY_KEY_METADATA = 'idempotencyKey';

/**
 * Event metadata for a write: who, from where, why (the body's `reason`, see reasons.ts) and
 * correlation ids (X-Correlation-Id is honoured), and the request's `Idempotency-Key` when it holds one.
 */
export function requestMetadata(request: AuthenticatedRequest): EventMetadata {
  const correlationId = headerOf(request, 'x-correlation-id') ?? randomUUID();
  const { id, name, role } = request.actor ?? SYSTEM_ACTOR;
  const reason = requestReason(request);
  return {
    actor: { id, name, role },
    correlationId,
    causationId: headerOf(request, 'x-causation-id') ?? correlationId,
    ip: request.ip,
    userAgent: headerOf(request, 'user-agent'),
    ...(reason ? { reason } : {}),
    ...(request.idempotencyKey ? { [IDEMPOTENCY_KEY_METADATA]: request.idempotencyKey } : {}),
  };
}

function headerOf(request: Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `@RequestMeta() meta: EventMetadata` in a controller method. */
export const RequestMeta = createParamDecorator((_: unknown, context: ExecutionContext): EventMetadata =>
  requestMetadata(context.switchToHttp().getRequest<AuthenticatedRequest>()),
);
