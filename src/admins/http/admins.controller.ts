import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMIN_PAGE_SCHEMA, ADMIN_SCHEMA, ADMIN_WRITTEN_SCHEMA } from './admins.openapi.js';
import type { Response } from 'express';
import { AuthGuard } from '../../auth/auth.guard.js';
import { CurrentActor, RequirePermission } from '../../auth/decorators.js';
import { RequestMeta, type RequestActor } from '../../common/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';
import { AdminsService, type AdminView, type WriteResult } from '../application/admins.service.js';
import { CreateAdminDto, DeactivateAdminDto, ListAdminsQuery, UpdateAdminDto } from './admin.dto.js';
import { DomainProblemsInterceptor, etagOf, parseIfMatch } from './domain-problems.interceptor.js';

const IF_MATCH_ADMIN = { name: 'If-Match', required: false, description: 'The revision last seen (ETag); 412 when the administrator changed since' };

type AdminWriteAnswer = AdminView & { position: string | null };

function answer(response: Response, result: WriteResult<AdminView>): AdminWriteAnswer {
  response.setHeader('ETag', etagOf(result.revision));
  return { ...result.view, revision: result.revision, position: result.position };
}

/** Administrators. Everything here needs the 'admins' permission and stays within the actor's partners. */
@ApiTags('admins')
@Controller('admins')
@UseGuards(AuthGuard)
@UseInterceptors(DomainProblemsInterceptor)
@RequirePermission('admins')
export class AdminsController {
  constructor(private readonly admins: AdminsService) {}

  @Get()
  @ApiOperation({ summary: 'List administrators (by email; those outside your partners are not shown)' })
  @ApiOkResponse({ description: 'A page of administrators', schema: ADMIN_PAGE_SCHEMA })
  list(@Query() query: ListAdminsQuery, @CurrentActor() actor: RequestActor) {
    return this.admins.list(actor, { limit: query.limit ?? 50, cursor: query.cursor, q: query.q, active: query.active, role: query.role });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One administrator (ETag: its revision)' })
  @ApiOkResponse({ description: 'The administrator', schema: ADMIN_SCHEMA })
  async get(@Param('id') id: string, @CurrentActor() actor: RequestActor, @Res({ passthrough: true }) response: Response): Promise<AdminView> {
    const view = await this.admins.get(id, actor);
    response.setHeader('ETag', etagOf(view.revision));
    return view;
  }

  @Post()
  @ApiOperation({ summary: 'Create an administrator (a role and partners no wider than your own)' })
  @ApiCreatedResponse({ description: 'The administrator, with revision and position; Location and ETag headers', schema: ADMIN_WRITTEN_SCHEMA })
  async create(@Body() body: CreateAdminDto, @CurrentActor() actor: RequestActor, @RequestMeta() meta: EventMetadata, @Res({ passthrough: true }) response: Response): Promise<AdminWriteAnswer> {
    const result = await this.admins.create(body, actor, meta);
    response.setHeader('Location', `/api/v1/admins/${result.view.id}`);
    return answer(response, result);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change email, name, role, partners or password (If-Match supported)' })
  @ApiHeader(IF_MATCH_ADMIN)
  @ApiOkResponse({ description: 'The administrator after the change', schema: ADMIN_WRITTEN_SCHEMA })
  async update(
    @Param('id') id: string,
    @Body() body: UpdateAdminDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: RequestActor,
    @RequestMeta() meta: EventMetadata,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AdminWriteAnswer> {
    return answer(response, await this.admins.update(id, body, actor, meta, parseIfMatch(ifMatch)));
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deactivate: no more logins, every session revoked' })
  @ApiHeader(IF_MATCH_ADMIN)
  @ApiOkResponse({ description: 'The administrator, deactivated', schema: ADMIN_WRITTEN_SCHEMA })
  async deactivate(
    @Param('id') id: string,
    @Body() body: DeactivateAdminDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: RequestActor,
    @RequestMeta() meta: EventMetadata,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AdminWriteAnswer> {
    return answer(response, await this.admins.deactivate(id, body?.reason, actor, meta, parseIfMatch(ifMatch)));
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reactivate: logins allowed again' })
  @ApiHeader(IF_MATCH_ADMIN)
  @ApiOkResponse({ description: 'The administrator, active', schema: ADMIN_WRITTEN_SCHEMA })
  async reactivate(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: RequestActor,
    @RequestMeta() meta: EventMetadata,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AdminWriteAnswer> {
    return answer(response, await this.admins.reactivate(id, actor, meta, parseIfMatch(ifMatch)));
  }
}
