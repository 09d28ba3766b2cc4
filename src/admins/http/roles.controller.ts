import { Body, Controller, Delete, Get, Param, Patch, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ROLE_LIST_SCHEMA, ROLE_REMOVED_SCHEMA, ROLE_SCHEMA, ROLE_WRITTEN_SCHEMA, type RoleListAnswer } from './admins.openapi.js';
import type { Response } from 'express';
import { AuthGuard } from '../../auth/auth.guard.js';
import { CurrentActor, RequirePermission } from '../../auth/decorators.js';
import { IfMatch } from '../../common/if-match.js';
import { RequestMeta, type RequestActor } from '../../common/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';
import { AdminQueries, type RoleView } from '../application/admin-queries.js';
import { ChangeRoleCommand, DefineRoleCommand, RemoveRoleCommand } from '../application/admin.commands.js';
import { PERMISSION_DESCRIPTIONS, PERMISSIONS } from '../domain/permissions.js';
import { ChangeRoleDto, DefineRoleDto } from './admin.dto.js';

const IF_MATCH_ROLES = { name: 'If-Match', required: false, description: 'The revision of the roles stream last seen; 412 when it changed since' };

/** Roles: the built-in ones and custom ones (stream 'admin-roles'). Permission 'admins'. */
@ApiTags('admins')
@Controller('roles')
@UseGuards(AuthGuard)
@RequirePermission('admins')
export class RolesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: AdminQueries,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every role (built-in first) and the list of permissions' })
  @ApiOkResponse({ description: 'The roles and the permissions', schema: ROLE_LIST_SCHEMA })
  list(): RoleListAnswer {
    return {
      items: this.queries.listRoles(),
      permissions: PERMISSIONS.map((name) => ({ name, description: PERMISSION_DESCRIPTIONS[name] })),
    };
  }

  @Get(':name')
  @ApiOperation({ summary: 'One role' })
  @ApiOkResponse({ description: 'The role', schema: ROLE_SCHEMA })
  get(@Param('name') name: string): RoleView {
    return this.queries.getRole(name);
  }

  @Post()
  @ApiOperation({ summary: 'Define a custom role (only with permissions you hold yourself)' })
  @ApiCreatedResponse({ description: 'The role, with revision and position; Location header', schema: ROLE_WRITTEN_SCHEMA })
  async define(@Body() body: DefineRoleDto, @CurrentActor() actor: RequestActor, @RequestMeta() metadata: EventMetadata, @Res({ passthrough: true }) response: Response) {
    const result = await this.commands.execute(new DefineRoleCommand(body, { actor, metadata }));
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
    @IfMatch() expectedRevision: number | undefined,
    @CurrentActor() actor: RequestActor,
    @RequestMeta() metadata: EventMetadata,
  ) {
    const result = await this.commands.execute(new ChangeRoleCommand(name, body, { actor, metadata, expectedRevision }));
    return { ...result.view, revision: result.revision, position: result.position };
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Remove a custom role no administrator has' })
  @ApiHeader(IF_MATCH_ROLES)
  @ApiOkResponse({ description: 'The name of the removed role', schema: ROLE_REMOVED_SCHEMA })
  remove(@Param('name') name: string, @IfMatch() expectedRevision: number | undefined, @CurrentActor() actor: RequestActor, @RequestMeta() metadata: EventMetadata) {
    return this.commands.execute(new RemoveRoleCommand(name, { actor, metadata, expectedRevision }));
  }
}
