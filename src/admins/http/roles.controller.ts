import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ROLE_LIST_SCHEMA, ROLE_REMOVED_SCHEMA, ROLE_SCHEMA, ROLE_WRITTEN_SCHEMA, type RoleListAnswer } from './admins.openapi.js';
import type { Response } from 'express';
import { AuthGuard } from '../../auth/auth.guard.js';
import { CurrentActor, RequirePermission } from '../../auth/decorators.js';
import { RequestMeta, type RequestActor } from '../../common/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';
import { AdminsService, type RoleView } from '../application/admins.service.js';
import { PERMISSION_DESCRIPTIONS, PERMISSIONS } from '../domain/permissions.js';
import { ChangeRoleDto, DefineRoleDto } from './admin.dto.js';
import { DomainProblemsInterceptor, parseIfMatch } from './domain-problems.interceptor.js';

const IF_MATCH_ROLES = { name: 'If-Match', required: false, description: 'The revision of the roles stream last seen; 412 when it changed since' };

/** Roles: the built-in ones and custom ones (stream 'admin-roles'). Permission 'admins'. */
@ApiTags('admins')
@Controller('roles')
@UseGuards(AuthGuard)
@UseInterceptors(DomainProblemsInterceptor)
@RequirePermission('admins')
export class RolesController {
  constructor(private readonly admins: AdminsService) {}

  @Get()
  @ApiOperation({ summary: 'Every role (built-in first) and the list of permissions' })
  @ApiOkResponse({ description: 'The roles and the permissions', schema: ROLE_LIST_SCHEMA })
  list(): RoleListAnswer {
    return {
      items: this.admins.listRoles(),
      permissions: PERMISSIONS.map((name) => ({ name, description: PERMISSION_DESCRIPTIONS[name] })),
    };
  }

  @Get(':name')
  @ApiOperation({ summary: 'One role' })
  @ApiOkResponse({ description: 'The role', schema: ROLE_SCHEMA })
  get(@Param('name') name: string): RoleView {
    return this.admins.getRole(name);
  }

  @Post()
  @ApiOperation({ summary: 'Define a custom role (only with permissions you hold yourself)' })
  @ApiCreatedResponse({ description: 'The role, with revision and position; Location header', schema: ROLE_WRITTEN_SCHEMA })
  async define(@Body() body: DefineRoleDto, @CurrentActor() actor: RequestActor, @RequestMeta() meta: EventMetadata, @Res({ passthrough: true }) response: Response) {
    const result = await this.admins.defineRole(body, actor, meta);
    response.setHeader('Location', `/api/v1/roles/${result.view.name}`);
    return { ...result.view, revision: result.revision, position: result.position };
  }

  @Patch(':name')
  @ApiOperation({ summary: 'Change the label or permissions of a custom role' })
  @ApiHeader(IF_MATCH_ROLES)
  @ApiOkResponse({ description: 'The role after the change', schema: ROLE_WRITTEN_SCHEMA })
  async change(
    @Param('name') name: string,
    @Body() body: ChangeRoleDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: RequestActor,
    @RequestMeta() meta: EventMetadata,
  ) {
    const result = await this.admins.changeRole(name, body, actor, meta, parseIfMatch(ifMatch));
    return { ...result.view, revision: result.revision, position: result.position };
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Remove a custom role no administrator has' })
  @ApiHeader(IF_MATCH_ROLES)
  @ApiOkResponse({ description: 'The name of the removed role', schema: ROLE_REMOVED_SCHEMA })
  remove(@Param('name') name: string, @Headers('if-match') ifMatch: string | undefined, @CurrentActor() actor: RequestActor, @RequestMeta() meta: EventMetadata) {
    return this.admins.removeRole(name, actor, meta, parseIfMatch(ifMatch));
  }
}
