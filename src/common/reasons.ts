/**
 * A reason on every change: every write body (POST, PUT, PATCH, DELETE) may carry `reason`, at most
 * REASON_MAX_LENGTH characters, one convention for all. It is taken here, once, before any DTO
 * validation runs:
 *
 * - `ReasonInterceptor` (global) validates `body.reason` (a string or null; 422
 *   `request.validation_failed` naming `reason` otherwise) and keeps it on the request
 *   (`request.reason`, trimmed; blank counts as none). It then removes `reason` from the body unless
 *   the route's body class declares its own `reason` (status, delete, CAP grant…), so no DTO needs
 *   to know about it and a dictionary body (additional field values) never mistakes it for a field.
 * - `requestMetadata` (request-context.ts) writes it into every event's metadata as `reason`; the
 *   timeline, the audit log and the exports read it from there.
 * - `withReasonField` documents it on every write operation of the OpenAPI document.
 */
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { fieldsProblem } from './problem.js';

export const REASON_MAX_LENGTH = 500;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The request as the interceptor leaves it: `reason` is the validated reason, or null. */
export interface RequestWithReason extends Request {
  reason?: string | null;
}

/** The reason of a body: undefined when there is none, else the trimmed text (blank: null). Throws the 422. */
export function reasonOf(body: unknown): string | null | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.prototype.hasOwnProperty.call(body, 'reason')) return undefined;
  const value = (body as Record<string, unknown>).reason;
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw fieldsProblem([{ field: 'reason', rule: 'type', message: 'reason must be a string' }]);
  if (value.length > REASON_MAX_LENGTH) {
    throw fieldsProblem([{ field: 'reason', rule: 'maxLength', message: `reason must be shorter than or equal to ${REASON_MAX_LENGTH} characters` }]);
  }
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Whether a class validated by class-validator declares a property (its own or inherited). */
function declares(type: unknown, property: string): boolean {
  if (typeof type !== 'function' || type === Object) return false;
  return getMetadataStorage()
    .getTargetValidationMetadatas(type as new () => unknown, '', true, false)
    .some((metadata) => metadata.propertyName === property);
}

const bodyTypes = new WeakMap<object, unknown[]>();

/** The declared types of a handler's @Body() parameters. */
function bodyTypesOf(context: ExecutionContext): unknown[] {
  const handler = context.getHandler();
  const known = bodyTypes.get(handler);
  if (known) return known;
  const controller = context.getClass();
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<string, { index: number }>;
  const parameterTypes = (Reflect.getMetadata('design:paramtypes', controller.prototype, handler.name) ?? []) as unknown[];
  const types = Object.entries(args)
    .filter(([key]) => key.split(':')[0] === String(RouteParamtypes.BODY))
    .map(([, { index }]) => parameterTypes[index]);
  bodyTypes.set(handler, types);
  return types;
}

@Injectable()
export class ReasonInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<RequestWithReason>();
    if (!WRITE_METHODS.has(request.method)) return next.handle();
    const reason = reasonOf(request.body);
    request.reason = reason ?? null;
    if (reason !== undefined && !bodyTypesOf(context).some((type) => declares(type, 'reason'))) {
      const { reason: _taken, ...rest } = request.body as Record<string, unknown>;
      request.body = rest;
    }
    return next.handle();
  }
}

/** The reason of a request, as the interceptor validated it (null: none). */
export function requestReason(request: Request): string | null {
  const taken = (request as RequestWithReason).reason;
  if (taken !== undefined) return taken;
  // Not through the interceptor (a request handled outside a controller): read the body the same way.
  try {
    return WRITE_METHODS.has(request.method) ? (reasonOf(request.body) ?? null) : null;
  } catch {
    return null;
  }
}

const REASON_SCHEMA = {
  type: 'string',
  nullable: true,
  maxLength: REASON_MAX_LENGTH,
  description: 'Why the change is made; recorded in the event metadata as `reason` and shown in the timeline',
};

/** Paths whose writes change nothing an auditor follows (logins, token refresh). */
const WITHOUT_REASON = /^\/api\/v1\/auth\//;

/**
 * Documents `reason` on every write operation: added to the operation's request body schema (a
 * component, or an inline object), or as an optional body `{reason}` where the operation has none.
 */
export function withReasonField(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, { type?: string; properties?: Record<string, unknown> }>;
  schemas.ReasonBody = { type: 'object', properties: { reason: REASON_SCHEMA } };
  for (const [path, item] of Object.entries(document.paths)) {
    if (WITHOUT_REASON.test(path)) continue;
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const content = (operation.requestBody as { content?: Record<string, { schema?: { $ref?: string; type?: string; properties?: Record<string, unknown> } }> } | undefined)?.content;
      const schema = content?.['application/json']?.schema;
      if (!schema) {
        if (!operation.requestBody) operation.requestBody = { required: false, content: { 'application/json': { schema: { $ref: '#/components/schemas/ReasonBody' } } } };
        continue;
      }
      const target = schema.$ref ? schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
      if (target && (target.type === 'object' || target.properties) && !target.properties?.reason) {
        target.properties = { ...target.properties, reason: REASON_SCHEMA };
      }
    }
  }
  return document;
}
