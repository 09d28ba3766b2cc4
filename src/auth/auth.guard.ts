import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../common/request-context.js';
import { AuthenticationError, forbidden } from './auth-errors.js';
import { AuthService } from './auth.service.js';
import { ACCEPTS_STREAM_TICKET, IS_PUBLIC, REQUIRED_PERMISSIONS } from './decorators.js';
import { StreamTicketStore } from './stream-tickets.js';

const AUTHENTICATED = Symbol('chronicle:authenticated');

/** `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}

/**
 * HTTP authentication and authorization:
 * - `@Public()` routes pass;
 * - otherwise a valid access token is required (401 problem, `WWW-Authenticate: Bearer`), and the
 *   actor (id, name, role, email, partnerIds, permissions, sessionId) is put on `req.actor`;
 * - then every permission of `@RequirePermission(...)` (handler over controller) is required (403);
 *   a route that declares neither `@Public()`, `@RequirePermission()` nor `@Authenticated()` is refused
 *   (403): forgetting the declaration must not open a door.
 * Socket.IO is authenticated at the handshake (JwtSocketAuthenticator), so non-HTTP contexts pass.
 * Safe to bind both globally and per controller: a request is authenticated once.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly tickets: StreamTicketStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest & { [AUTHENTICATED]?: boolean }>();
    if (!request[AUTHENTICATED]) {
      try {
        const token = bearerToken(request.headers.authorization);
        const ticket = request.query?.ticket;
        if (!token && typeof ticket === 'string' && this.reflector.get<boolean>(ACCEPTS_STREAM_TICKET, context.getHandler())) {
          const session = await this.tickets.consume(ticket);
          if (!session) throw new AuthenticationError('invalid_stream_ticket');
          request.actor = await this.auth.resolveSession(session.adminId, session.sessionId);
        } else {
          if (!token) throw new AuthenticationError('missing_token');
          request.actor = await this.auth.authenticate(token);
        }
        request[AUTHENTICATED] = true;
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        const response = context.switchToHttp().getResponse<Response>();
        response.setHeader('WWW-Authenticate', error.failure === 'missing_token' ? 'Bearer realm="chronicle"' : 'Bearer realm="chronicle", error="invalid_token"');
        throw error.toProblem();
      }
    }
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_PERMISSIONS, targets);
    if (required === undefined) throw forbidden('This endpoint declares no permission, so it is closed');
    const held = request.actor?.permissions ?? [];
    const missing = required.filter((permission) => !held.includes(permission));
    if (missing.length) throw forbidden(`Your role does not grant ${missing.join(', ')}`, { requiredPermissions: required });
    return true;
  }
}
