import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { bearerToken } from '../auth/auth.guard.js';
import { Public } from '../auth/decorators.js';
import { ProblemException } from '../common/problem.js';
import { GetCustomerProfileQuery } from '../customers/queries/customer.queries.js';
import type { CustomerProfile } from '../customers/queries/customer-read-models.js';
import { PortalSessions, type PortalSession } from './portal-sessions.js';
import { PORTAL_ME_SCHEMA, type PortalMe } from './portal.openapi.js';

const invalidPortalToken = () =>
  ProblemException.rule('portal.invalid_token', 'The portal token is unknown, expired or ended; an admin opens a new one with POST /api/v1/customers/{id}/impersonate');

/**
 * The customer's side of "login as customer": what a self-service portal shows the customer, read with
 * the opaque token POST /customers/{id}/impersonate issues (`Authorization: Bearer <token>`). Admin access
 * tokens are not accepted here, nor portal tokens anywhere else.
 */
@ApiTags('portal')
@Controller('portal')
@Public()
export class PortalController {
  constructor(
    @Inject(PortalSessions) private readonly sessions: PortalSessions,
    @Inject(QueryBus) private readonly queries: QueryBus,
  ) {}

  @Get('me')
  @ApiBearerAuth('portal')
  @ApiOperation({ summary: "The customer's own account, as the portal shows it (portal token)" })
  @ApiOkResponse({ description: 'The customer behind the portal token', schema: PORTAL_ME_SCHEMA })
  @ApiUnauthorizedResponse({ description: 'No portal token, or it is unknown, expired or ended' })
  async me(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<PortalMe> {
    const session = await this.sessionOf(request, response);
    // Only "not found" means the portal is gone; anything else (the database down) answers as it is.
    const profile = await this.queries
      .execute(new GetCustomerProfileQuery(session.customerId, null))
      .catch((error: unknown) => (error instanceof ProblemException && error.problem.rule === 'customer.not_found' ? null : Promise.reject(error)));
    // A customer deleted since the token was issued has no portal any more.
    if (!profile) throw this.refuse(response);
    response.setHeader('Cache-Control', 'no-store');
    return portalViewOf(profile, session);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth('portal')
  @ApiOperation({ summary: 'End the portal session of this token' })
  @ApiNoContentResponse({ description: 'Ended' })
  @ApiUnauthorizedResponse({ description: 'No portal token, or it is unknown, expired or already ended' })
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const token = bearerToken(request.headers.authorization);
    if (!token || !(await this.sessions.end(token))) throw this.refuse(response);
  }

  private async sessionOf(request: Request, response: Response): Promise<PortalSession> {
    const token = bearerToken(request.headers.authorization);
    const session = token ? await this.sessions.resolve(token) : null;
    if (!session) throw this.refuse(response);
    return session;
  }

  private refuse(response: Response): ProblemException {
    response.setHeader('WWW-Authenticate', 'Bearer realm="chronicle-portal"');
    return invalidPortalToken();
  }
}

function portalViewOf(profile: CustomerProfile, session: PortalSession): PortalMe {
  return {
    customerId: profile.id,
    login: profile.login,
    fullName: profile.fullName,
    status: profile.status,
    billingType: profile.billingType,
    emails: profile.emails,
    phones: profile.phones,
    street: profile.street,
    zipCode: profile.zipCode,
    city: profile.city,
    balance: profile.balance,
    bonusMegabytesTotal: profile.cap.bonusMegabytesTotal,
    session: { impersonated: true, expiresAt: session.expiresAt.toISOString() },
  };
}
