import { Body, Controller, Delete, HttpCode, Param, Patch, Post, Put, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import {
  ADDITIONAL_FIELD_REMOVED_SCHEMA,
  ADDITIONAL_FIELD_WRITTEN_SCHEMA,
  CUSTOMER_SETTINGS_WRITTEN_SCHEMA,
  LOCATION_WRITTEN_SCHEMA,
  PARTNER_WRITTEN_SCHEMA,
} from './reference-data.openapi.js';
import { CurrentPartnerScope, RequirePermission } from '../../auth/decorators.js';
import type { PartnerScope } from '../../auth/partner-scope.js';
import { ProblemException } from '../../common/problem.js';
import { locationIdPipe, partnerIdPipe } from '../../common/id-param.pipe.js';
import { RequestMeta } from '../../common/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';
import { IfMatch, WriteInterceptor, writeBody } from '../../customers/http/write-http.js';
import {
  ChangeAdditionalFieldCommand,
  ChangeCustomerSettingsCommand,
  CreateReferenceEntityCommand,
  DefineAdditionalFieldCommand,
  DeleteReferenceEntityCommand,
  RemoveAdditionalFieldCommand,
  RenameReferenceEntityCommand,
  type ReferenceEntityKind,
} from '../application/reference-data.commands.js';
import {
  AdditionalFieldDefinitionDto,
  AdditionalFieldPatchDto,
  CustomerSettingsDto,
  CustomerSettingsPatchDto,
  NamedEntityDto,
} from './reference-data.dto.js';

const IF_MATCH = { name: 'If-Match', required: false, description: 'The stream revision last seen (ETag); 412 when the stream has moved on' };

/** Writes to the partners / locations streams, shared by both controllers. */
abstract class NamedEntityWrites {
  protected abstract readonly kind: ReferenceEntityKind;

  constructor(protected readonly commandBus: CommandBus) {}

  protected async create(body: NamedEntityDto, metadata: EventMetadata, expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new CreateReferenceEntityCommand(this.kind, body.name, { metadata, expectedRevision })));
  }

  protected async rename(id: number, body: NamedEntityDto, metadata: EventMetadata, expectedRevision?: number, scope?: PartnerScope) {
    return writeBody(await this.commandBus.execute(new RenameReferenceEntityCommand(this.kind, id, body.name, { metadata, expectedRevision }, scope?.partnerIds ?? null)));
  }

  protected async remove(id: number, metadata: EventMetadata, expectedRevision?: number, scope?: PartnerScope) {
    return writeBody(await this.commandBus.execute(new DeleteReferenceEntityCommand(this.kind, id, { metadata, expectedRevision }, scope?.partnerIds ?? null)));
  }
}

/** A partner-restricted admin does not see other partners (GET answers 404), so cannot change them either. */
function assertPartnerInScope(id: number, scope: PartnerScope): void {
  if (!scope.allows(id)) throw ProblemException.rule('partner.not_found', `Partner ${id} does not exist`);
}

/**
 * A new partner is outside every partner list, so an admin limited to some partners could create
 * one they can neither see nor use: only admins over all partners create partners.
 */
/**
 * Additional-field definitions and the customer settings apply to the customers of every partner (a
 * required field defined by one partner's admin would break every other partner's creates): only an admin
 * over every partner changes them.
 */
function assertAllPartners(scope: PartnerScope, what: string): void {
  if (!scope.unrestricted) {
    throw ProblemException.rule('reference_data.all_partners_required', `${what} apply to every partner: only an admin over every partner may change them; this admin is limited to some partners`);
  }
}

function assertMayCreatePartners(scope: PartnerScope): void {
  if (!scope.unrestricted) {
    throw ProblemException.rule('partner.create.requires_all_partners', 'Only an admin over all partners may create partners; this admin is limited to some partners');
  }
}

@ApiTags('reference data')
@ApiHeader(IF_MATCH)
@RequirePermission('reference_data')
@Controller('partners')
@UseInterceptors(WriteInterceptor)
export class PartnersWriteController extends NamedEntityWrites {
  protected readonly kind = 'partner' as const;

  constructor(commandBus: CommandBus) {
    super(commandBus);
  }

  @Post()
  @ApiOperation({ summary: 'Create a partner', description: 'Event PartnerCreated on stream "partners"; answers the partner with revision and position' })
  @ApiCreatedResponse({ description: 'The partner, with revision and position', schema: PARTNER_WRITTEN_SCHEMA })
  @ApiConflictResponse({ description: 'partner.name_taken' })
  @ApiForbiddenResponse({ description: 'partner.create.requires_all_partners: the admin is limited to some partners' })
  @ApiUnprocessableEntityResponse({ description: 'name missing or too long' })
  createPartner(@Body() body: NamedEntityDto, @RequestMeta() metadata: EventMetadata, @CurrentPartnerScope() scope: PartnerScope, @IfMatch() ifMatch?: number) {
    assertMayCreatePartners(scope);
    return this.create(body, metadata, ifMatch);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a partner' })
  @ApiOkResponse({ description: 'The partner, renamed', schema: PARTNER_WRITTEN_SCHEMA })
  @ApiNotFoundResponse({ description: 'partner.not_found' })
  @ApiConflictResponse({ description: 'partner.name_taken' })
  renamePartner(
    @Param('id', partnerIdPipe) id: number,
    @Body() body: NamedEntityDto,
    @RequestMeta() metadata: EventMetadata,
    @CurrentPartnerScope() scope: PartnerScope,
    @IfMatch() ifMatch?: number,
  ) {
    assertPartnerInScope(id, scope);
    return this.rename(id, body, metadata, ifMatch);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a partner', description: 'Refused while customers use it (409 partner.in_use)' })
  @ApiOkResponse({ description: 'The partner, deleted', schema: PARTNER_WRITTEN_SCHEMA })
  @ApiNotFoundResponse({ description: 'partner.not_found' })
  @ApiConflictResponse({ description: 'partner.in_use' })
  deletePartner(@Param('id', partnerIdPipe) id: number, @RequestMeta() metadata: EventMetadata, @CurrentPartnerScope() scope: PartnerScope, @IfMatch() ifMatch?: number) {
    assertPartnerInScope(id, scope);
    return this.remove(id, metadata, ifMatch);
  }
}

@ApiTags('reference data')
@ApiHeader(IF_MATCH)
@RequirePermission('reference_data')
@Controller('locations')
@UseInterceptors(WriteInterceptor)
export class LocationsWriteController extends NamedEntityWrites {
  protected readonly kind = 'location' as const;

  constructor(commandBus: CommandBus) {
    super(commandBus);
  }

  @Post()
  @ApiOperation({ summary: 'Create a location', description: 'Event LocationCreated on stream "locations"' })
  @ApiCreatedResponse({ description: 'The location, with revision and position', schema: LOCATION_WRITTEN_SCHEMA })
  @ApiConflictResponse({ description: 'location.name_taken' })
  createLocation(@Body() body: NamedEntityDto, @RequestMeta() metadata: EventMetadata, @IfMatch() ifMatch?: number) {
    return this.create(body, metadata, ifMatch);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a location' })
  @ApiOkResponse({ description: 'The location, renamed', schema: LOCATION_WRITTEN_SCHEMA })
  @ApiNotFoundResponse({ description: 'location.not_found' })
  @ApiConflictResponse({ description: 'location.name_taken' })
  @ApiForbiddenResponse({ description: 'location.shared: a customer outside the admin’s partners uses the location' })
  renameLocation(
    @Param('id', locationIdPipe) id: number,
    @Body() body: NamedEntityDto,
    @RequestMeta() metadata: EventMetadata,
    @CurrentPartnerScope() scope: PartnerScope,
    @IfMatch() ifMatch?: number,
  ) {
    return this.rename(id, body, metadata, ifMatch, scope);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a location', description: 'Refused while customers use it (409 location.in_use)' })
  @ApiOkResponse({ description: 'The location, deleted', schema: LOCATION_WRITTEN_SCHEMA })
  @ApiNotFoundResponse({ description: 'location.not_found' })
  @ApiConflictResponse({ description: 'location.in_use' })
  @ApiForbiddenResponse({ description: 'location.shared: a customer outside the admin’s partners uses the location' })
  deleteLocation(@Param('id', locationIdPipe) id: number, @RequestMeta() metadata: EventMetadata, @CurrentPartnerScope() scope: PartnerScope, @IfMatch() ifMatch?: number) {
    return this.remove(id, metadata, ifMatch, scope);
  }
}

@ApiTags('reference data')
@ApiHeader(IF_MATCH)
@RequirePermission('reference_data')
@Controller('additional-fields')
@UseInterceptors(WriteInterceptor)
export class AdditionalFieldsWriteController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({ summary: 'Define an additional customer field', description: 'Event AdditionalFieldDefined on stream "additional-field-definitions"' })
  @ApiCreatedResponse({ description: 'The definition, with revision and position', schema: ADDITIONAL_FIELD_WRITTEN_SCHEMA })
  @ApiConflictResponse({ description: 'additional_field.already_defined' })
  @ApiForbiddenResponse({ description: 'reference_data.all_partners_required: the admin is limited to some partners' })
  async define(@Body() body: AdditionalFieldDefinitionDto, @RequestMeta() metadata: EventMetadata, @CurrentPartnerScope() scope: PartnerScope, @IfMatch() expectedRevision?: number) {
    assertAllPartners(scope, 'Additional fields');
    return writeBody(await this.commandBus.execute(new DefineAdditionalFieldCommand(body, { metadata, expectedRevision })));
  }

  @Patch(':name')
  @ApiOperation({ summary: 'Change an additional field definition (not its name or type)' })
  @ApiOkResponse({ description: 'The definition after the change', schema: ADDITIONAL_FIELD_WRITTEN_SCHEMA })
  @ApiNotFoundResponse({ description: 'additional_field.not_found' })
  @ApiConflictResponse({ description: 'additional_field.type_immutable' })
  @ApiForbiddenResponse({ description: 'reference_data.all_partners_required: the admin is limited to some partners' })
  async change(
    @Param('name') name: string,
    @Body() body: AdditionalFieldPatchDto,
    @RequestMeta() metadata: EventMetadata,
    @CurrentPartnerScope() scope: PartnerScope,
    @IfMatch() expectedRevision?: number,
  ) {
    assertAllPartners(scope, 'Additional fields');
    return writeBody(await this.commandBus.execute(new ChangeAdditionalFieldCommand(name, body, { metadata, expectedRevision })));
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Remove an additional field definition' })
  @ApiOkResponse({ description: 'The removed definition', schema: ADDITIONAL_FIELD_REMOVED_SCHEMA })
  @ApiNotFoundResponse({ description: 'additional_field.not_found' })
  @ApiForbiddenResponse({ description: 'reference_data.all_partners_required: the admin is limited to some partners' })
  async remove(@Param('name') name: string, @RequestMeta() metadata: EventMetadata, @CurrentPartnerScope() scope: PartnerScope, @IfMatch() expectedRevision?: number) {
    assertAllPartners(scope, 'Additional fields');
    return writeBody(await this.commandBus.execute(new RemoveAdditionalFieldCommand(name, { metadata, expectedRevision })));
  }
}

@ApiTags('reference data')
@ApiHeader(IF_MATCH)
@RequirePermission('reference_data')
@Controller('settings/customers')
@UseInterceptors(WriteInterceptor)
export class CustomerSettingsWriteController {
  constructor(private readonly commandBus: CommandBus) {}

  @Put()
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the customer settings (login / password / account number / PIN generation)' })
  @ApiOkResponse({ description: 'The settings after the change', schema: CUSTOMER_SETTINGS_WRITTEN_SCHEMA })
  @ApiUnprocessableEntityResponse({ description: 'a pattern, charset or length is invalid' })
  @ApiForbiddenResponse({ description: 'reference_data.all_partners_required: the admin is limited to some partners' })
  async replace(@Body() body: CustomerSettingsDto, @RequestMeta() metadata: EventMetadata, @CurrentPartnerScope() scope: PartnerScope, @IfMatch() expectedRevision?: number) {
    assertAllPartners(scope, 'Customer settings');
    return writeBody(await this.commandBus.execute(new ChangeCustomerSettingsCommand(body, { metadata, expectedRevision })));
  }

  @Patch()
  @ApiOperation({ summary: 'Change some customer settings' })
  @ApiOkResponse({ description: 'The settings after the change', schema: CUSTOMER_SETTINGS_WRITTEN_SCHEMA })
  @ApiUnprocessableEntityResponse({ description: 'a pattern, charset or length is invalid' })
  @ApiForbiddenResponse({ description: 'reference_data.all_partners_required: the admin is limited to some partners' })
  async change(@Body() body: CustomerSettingsPatchDto, @RequestMeta() metadata: EventMetadata, @CurrentPartnerScope() scope: PartnerScope, @IfMatch() expectedRevision?: number) {
    assertAllPartners(scope, 'Customer settings');
    return writeBody(await this.commandBus.execute(new ChangeCustomerSettingsCommand(body, { metadata, expectedRevision })));
  }
}
