import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMIN_PAGE_SCHEMA, ADMIN_SCHEMA, ADMIN_WRITTEN_SCHEMA } from './admins.openapi.js';
import type { Response } from 'express';
import { AuthGuard } from '../../auth/auth.guard.js';
import { CurrentActor, RequirePermission, RateLimit } from '../../auth/decorators.js';
import { etagOf, IfMatch } from '../../common/if-match.js';
import { RequestMeta, type RequestActor } from '../../common/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';
import { AdminQueries, type AdminView } from '../application/admin-queries.js';
import { ChangeAdminCommand, CreateAdminCommand, DeactivateAdminCommand, ReactivateAdminCommand, type WriteResult } from '../application/admin.commands.js';
import { CreateAdminDto, DeactivateAdminDto, ListAdminsQuery, UpdateAdminDto } from './admin.dto.js';

const IF_MATCH_ADMIN = { name: 'If-Match', required: false, description: 'The revision last seen (ETag); 412 when the administrator changed since' };

type AdminWriteAnswer = AdminView & { position: string | null };

function answer(response: Response, result: WriteResult<AdminView>): AdminWriteAnswer {
  response.setHeader('ETag', etagOf(result.revision));
  return { ...result.view, revision: result.revision, position: result.position };
}

/**
 * Administrators. Everything here needs the 'admins' permission and stays within the actor's
 * partners. Writes are commands on the CommandBus (admin.handlers.ts); refusals are mapped to
 * problems by the global filter.
 */
@ApiTags('admins')
@Controller('admins')
@UseGuards(AuthGuard)
@RequirePermission('admins')
export class AdminsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: AdminQueries,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List administrators (by email; those outside your partners are not shown)' })
  @ApiOkResponse({ description: 'A page of administrators', schema: ADMIN_PAGE_SCHEMA })
  list(@Query() query: ListAdminsQuery, @CurrentActor() actor: RequestActor) {
    return this.queries.list(actor, { limit: query.limit ?? 50, cursor: query.cursor, q: query.q, active: query.active, role: query.role });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One administrator (ETag: its revision)' })
  @ApiOkResponse({ description: 'The administrator', schema: ADMIN_SCHEMA })
  async get(@Param('id') id: string, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) response: Response): Promise<AdminView> {
    const view = await this.queries.get(id, actor);
    response.setHeader('ETag', etagOf(view.revision));
    return view;
  }

  @Post()
  @ApiOperation({ summary: 'Create an administrator (a role and partners no wider than your own)' })
  @ApiCreatedResponse({ description: 'The administrator, with revision and position; Location and ETag headers', schema: ADMIN_WRITTEN_SCHEMA })
  async create(@Body() body: CreateAdminDto, @CurrentActor() actor: RequestActor, @RequestMeta() metadata: EventMetadata, @Res({ passthrough: true }) response: Response): Promise<AdminWriteAnswer> {
    const result = await this.commands.execute(new CreateAdminCommand(body, { actor, metadata }));
    response.setHeader('Location', `/api/v1/admins/${result.view.id}`);
    return answer(response, result);
  }

  @Patch(':id')
  @RateLimit('credentials', { onlyWhenBodyHas: 'currentPassword' })
  @ApiOperation({ summary: 'Change email, name, role, partners or password (If-Match supported)' })
  @ApiHeader(IF_MATCH_ADMIN)
  @ApiOkResponse({ description: 'The administrator after the change', schema: ADMIN_WRITTEN_SCHEMA })
  async update(
    @Param('id') id: string,
    @Body() body: UpdateAdminDto,
    @IfMatch() expectedRevision: number | undefined,
    @CurrentActor() actor: RequestActor,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AdminWriteAnswer> {
    return answer(response, await this.commands.execute(new ChangeAdminCommand(id, body, { actor, metadata, expectedRevision })));
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deactivate: no more logins, every session revoked' })
  @ApiHeader(IF_MATCH_ADMIN)
  @ApiOkResponse({ description: 'The administrator, deactivated', schema: ADMIN_WRITTEN_SCHEMA })
  async deactivate(
    @Param('id') id: string,
    @Body() body: DeactivateAdminDto,
    @IfMatch() expectedRevision: number | undefined,
    @CurrentActor() actor: RequestActor,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AdminWriteAnswer> {
    return answer(response, await this.commands.execute(new DeactivateAdminCommand(id, body?.reason, { actor, metadata, expectedRevision })));
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reactivate: logins allowed again' })
  @ApiHeader(IF_MATCH_ADMIN)
  @ApiOkResponse({ description: 'The administrator, active', schema: ADMIN_WRITTEN_SCHEMA })
  async reactivate(
    @Param('id') id: string,
    @IfMatch() expectedRevision: number | undefined,
    @CurrentActor() actor: RequestActor,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AdminWriteAnswer> {
    return answer(response, await this.commands.execute(new ReactivateAdminCommand(id, { actor, metadata, expectedRevision })));
  }
}
