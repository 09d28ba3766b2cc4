import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { AnswerNotStored } from '../idempotency/idempotency.interceptor.js';
import { CommandBus } from '@nestjs/cqrs';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ME_SCHEMA, TOKEN_PAIR_SCHEMA, type MeAnswer } from './auth.openapi.js';
import type { Response } from 'express';
import { ChangeOwnPasswordCommand } from '../admins/application/admin.commands.js';
import { RequestMeta, type AuthenticatedRequest } from '../common/request-context.js';
import type { EventMetadata } from '../event-store/event-store.port.js';
import { AuthenticationError, tooManyAttempts } from './auth-errors.js';
import { AuthGuard, bearerToken } from './auth.guard.js';
import { AuthService, type AuthenticatedActor, type TokenPair } from './auth.service.js';
import { ChangeOwnPasswordDto, LoginDto, LogoutDto, RefreshDto } from './auth.dto.js';
import { Authenticated, CurrentActor, Public, RateLimit } from './decorators.js';

@ApiTags('auth')
@Controller('auth')
@UseGuards(AuthGuard)
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly commands: CommandBus,
  ) {}

  @Post('login')
  @AnswerNotStored('answers tokens')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Email + password → a short-lived access token (JWT) and a rotating refresh token' })
  @ApiOkResponse({ description: 'Logged in', schema: TOKEN_PAIR_SCHEMA })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password, or the admin is deactivated' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed attempts for this account or from this address (Retry-After)' })
  async login(@Body() body: LoginDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response): Promise<TokenPair> {
    const outcome = await this.auth.login(body.email, body.password, { ip: request.ip, userAgent: request.headers['user-agent'] }).catch(unauthorized(response));
    if (!outcome.ok) {
      response.setHeader('Retry-After', String(outcome.retryAfterSeconds));
      throw tooManyAttempts(outcome.retryAfterSeconds);
    }
    response.setHeader('Cache-Control', 'no-store');
    return outcome.tokens;
  }

  @Post('refresh')
  @AnswerNotStored('answers tokens')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Trade a refresh token for a new pair; the old refresh token is spent (reusing it ends the session)' })
  @ApiOkResponse({ description: 'A new pair', schema: TOKEN_PAIR_SCHEMA })
  @ApiUnauthorizedResponse({ description: 'The refresh token is unknown, spent, expired or its session ended' })
  async refresh(@Body() body: RefreshDto, @Res({ passthrough: true }) response: Response): Promise<TokenPair> {
    const tokens = await this.auth.refresh(body.refreshToken).catch(unauthorized(response));
    response.setHeader('Cache-Control', 'no-store');
    return tokens;
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session of the bearer access token (or of the refresh token in the body)' })
  @ApiNoContentResponse({ description: 'The session ended' })
  @ApiUnauthorizedResponse({ description: 'Neither a valid access token nor a valid refresh token' })
  async logout(@Body() body: LogoutDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response): Promise<void> {
    const token = bearerToken(request.headers.authorization);
    if (token) {
      try {
        const actor = await this.auth.authenticate(token);
        await this.auth.logout(actor.sessionId);
        return;
      } catch (error) {
        if (!(error instanceof AuthenticationError) || !body?.refreshToken) return unauthorized(response)(error);
      }
    }
    if (body?.refreshToken && (await this.auth.logoutWithRefreshToken(body.refreshToken))) return;
    return unauthorized(response)(new AuthenticationError(token || body?.refreshToken ? 'invalid_refresh_token' : 'missing_token'));
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'The admin behind the token' })
  @ApiOkResponse({ description: 'id, email, name, role, partnerIds (empty = all), permissions', schema: ME_SCHEMA })
  me(@CurrentActor() actor: AuthenticatedActor): MeAnswer {
    const { id, email, name, role, partnerIds, permissions } = actor;
    return { id, email, name, role, partnerIds, permissions };
  }

  @Post('password')
  @Authenticated()
  @RateLimit('credentials')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change your own password; your other sessions end' })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiUnprocessableEntityResponse({ description: 'The current password is wrong or the new one breaks the password policy' })
  async changePassword(@Body() body: ChangeOwnPasswordDto, @CurrentActor() actor: AuthenticatedActor, @RequestMeta() meta: EventMetadata): Promise<void> {
    await this.commands.execute(new ChangeOwnPasswordCommand(actor, body.currentPassword, body.newPassword, meta));
  }
}

/** AuthenticationError → 401 problem with WWW-Authenticate; anything else rethrown. */
function unauthorized(response: Response) {
  return (error: unknown): never => {
    if (!(error instanceof AuthenticationError)) throw error;
    response.setHeader('WWW-Authenticate', 'Bearer realm="chronicle"');
    throw error.toProblem();
  };
}
