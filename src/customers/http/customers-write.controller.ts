import { Body, Controller, Delete, Header, HttpCode, Param, Patch, Post, Put, Res, UseInterceptors } from '@nestjs/common';
import { AnswerNotStored } from '../../idempotency/idempotency.interceptor.js';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  BULK_DELETE_SCHEMA,
  CUSTOMER_WRITTEN_SCHEMA,
  PASSWORD_RESET_SCHEMA,
  PERSONAL_DATA_ERASED_SCHEMA,
  PASSWORD_REVEALED_SCHEMA,
  PIN_REVEALED_SCHEMA,
  PORTAL_TOKEN_SCHEMA,
} from './customer.openapi.js';
import { RequirePermission, RateLimit } from '../../auth/decorators.js';
import { fieldsProblem } from '../../common/problem.js';
import { RequestMeta } from '../../common/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';
import { API_PREFIX } from '../../http-app.js';
import {
  BulkDeleteCustomersCommand,
  ChangeBillingTypeCommand,
  ChangeStatusCommand,
  ConvertLeadToCustomerCommand,
  ConvertToLeadCommand,
  CreateCustomerCommand,
  DeleteCustomerCommand,
  EditCustomerCommand,
  ErasePersonalDataCommand,
  ImpersonateCustomerCommand,
  ResetPasswordCommand,
  RestoreCustomerCommand,
  RevealPasswordCommand,
  RevealPinCommand,
  SetAdditionalFieldsCommand,
  type CreateCustomerBody,
  type CustomerPatchBody,
} from '../application/customer.commands.js';
import {
  BulkDeleteDto,
  ChangeBillingTypeDto,
  ChangeStatusDto,
  ConvertLeadToCustomerDto,
  EraseDto,
  ImpersonateDto,
  ReasonDto,
  ResetPasswordDto,
} from './dto/customer-actions.dto.js';
import { CreateCustomerDto, PatchCustomerDto } from './dto/customer-body.dto.js';
import { CreateCustomerFieldRounds, EditCustomerFieldRounds } from './field-check-rounds.js';
import { IfMatch, WriteInterceptor, writeBody } from './write-http.js';
import { customerIdPipe } from '../../common/id-param.pipe.js';

export const IF_MATCH_HEADER = {
  name: 'If-Match',
  required: false,
  description: 'The customer revision last seen (its ETag, e.g. "3"); 412 when the customer changed since',
};

/** DTO instance → plain JSON (no undefined keys, no class prototypes) for the decider. */
export function plain<T>(dto: object): T {
  return JSON.parse(JSON.stringify(dto)) as T;
}

/**
 * The customer write endpoints (main resource and actions). Each answers the customer view from the
 * stream after the write, with `revision`, `position` and `ETag: "<revision>"`; each accepts
 * `If-Match`. Refusals leave no event: 409 with the rule, 404, 422 with field errors, 412.
 */
@ApiTags('customers')
@ApiHeader(IF_MATCH_HEADER)
@ApiConflictResponse({ description: 'A business rule refused the command (`rule` names it); nothing was written' })
@ApiNotFoundResponse({ description: 'customer.not_found' })
@ApiPreconditionFailedResponse({ description: 'If-Match does not match the current revision' })
@ApiUnprocessableEntityResponse({ description: 'Invalid input; `errors` lists each field and rule' })
@Controller('customers')
@UseInterceptors(WriteInterceptor)
export class CustomersWriteController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @RequirePermission('customers.create')
  @ApiOperation({
    summary: 'Create a customer',
    description: 'Status new. Login, portal password, account number and PIN are generated from the customer settings when omitted. Login and account number are unique (409 customer.login.taken / customer.account_number.taken).',
  })
  @ApiCreatedResponse({ description: 'The customer, with revision and position; Location and ETag headers', schema: CUSTOMER_WRITTEN_SCHEMA })
  @UseInterceptors(CreateCustomerFieldRounds)
  async create(@Body() body: CreateCustomerDto, @RequestMeta() metadata: EventMetadata, @Res({ passthrough: true }) response: Response) {
    const result = await this.commandBus.execute(new CreateCustomerCommand(plain<CreateCustomerBody>(body), { metadata }));
    response.setHeader('Location', `/${API_PREFIX}/customers/${result.resource.id}`);
    return writeBody(result);
  }

  @Post('bulk-delete')
  @RequirePermission('customers.delete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete several customers', description: 'Each id on its own; any customer not Inactive is refused (per-id result with status and rule)' })
  @ApiOkResponse({ description: 'One result per id: deleted (revision, position) or refused (error with status and rule)', schema: BULK_DELETE_SCHEMA })
  bulkDelete(@Body() body: BulkDeleteDto, @RequestMeta() metadata: EventMetadata) {
    return this.commandBus.execute(new BulkDeleteCustomersCommand(body.ids, body.reason, { metadata }));
  }

  @Patch(':id')
  @RequirePermission('customers.edit')
  @ApiOperation({ summary: 'Edit the profile, VoIP and billing settings', description: 'Any subset; null clears an optional field. One event per concern changed; nothing changed, no event. A new voip.pin (exactly the settings\' pinLength digits) is sealed before it is recorded; the same PIN again changes nothing.' })
  @ApiOkResponse({ description: 'The customer after the change (unchanged: no event, position null)', schema: CUSTOMER_WRITTEN_SCHEMA })
  @UseInterceptors(EditCustomerFieldRounds)
  async edit(@Param('id', customerIdPipe) id: number, @Body() body: PatchCustomerDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new EditCustomerCommand(id, plain<CustomerPatchBody>(body), { metadata, expectedRevision })));
  }

  @Delete(':id')
  @RequirePermission('customers.delete')
  @ApiOperation({ summary: 'Delete a customer', description: 'Only an Inactive customer (409 customer.delete.requires_inactive); its login becomes free' })
  @ApiBody({ type: ReasonDto, required: false })
  @ApiOkResponse({ description: 'The customer, deleted', schema: CUSTOMER_WRITTEN_SCHEMA })
  async remove(@Param('id', customerIdPipe) id: number, @Body() body: ReasonDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new DeleteCustomerCommand(id, { reason: body?.reason }, { metadata, expectedRevision })));
  }

  @Post(':id/restore')
  @RequirePermission('customers.delete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore a deleted customer', description: 'Takes its login back; refused when another customer took it meanwhile (409 customer.login.taken)' })
  @ApiOkResponse({ description: 'The customer, restored', schema: CUSTOMER_WRITTEN_SCHEMA })
  async restore(@Param('id', customerIdPipe) id: number, @Body() body: ReasonDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new RestoreCustomerCommand(id, { reason: body.reason }, { metadata, expectedRevision })));
  }

  @Post(':id/status')
  @RequirePermission('customers.status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change the status', description: 'Illegal transitions: 409 customer.status.transition_not_allowed; same status: 409 customer.status.unchanged' })
  @ApiOkResponse({ description: 'The customer with its new status', schema: CUSTOMER_WRITTEN_SCHEMA })
  async changeStatus(@Param('id', customerIdPipe) id: number, @Body() body: ChangeStatusDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new ChangeStatusCommand(id, { status: body.status, reason: body.reason }, { metadata, expectedRevision })));
  }

  @Post(':id/billing-type')
  @RequirePermission('billing')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change the billing type' })
  @ApiOkResponse({ description: 'The customer with its new billing type', schema: CUSTOMER_WRITTEN_SCHEMA })
  async changeBillingType(@Param('id', customerIdPipe) id: number, @Body() body: ChangeBillingTypeDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(
      await this.commandBus.execute(new ChangeBillingTypeCommand(id, { billingType: body.billingType, reason: body.reason }, { metadata, expectedRevision })),
    );
  }

  @Post(':id/convert-to-lead')
  @RequirePermission('customers.status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Convert a New customer to a lead', description: 'Only from new (409 customer.convert_to_lead.requires_new)' })
  @ApiOkResponse({ description: 'The customer, now a lead', schema: CUSTOMER_WRITTEN_SCHEMA })
  async convertToLead(@Param('id', customerIdPipe) id: number, @Body() body: ReasonDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new ConvertToLeadCommand(id, { reason: body.reason }, { metadata, expectedRevision })));
  }

  @Post(':id/convert-to-customer')
  @RequirePermission('customers.status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Convert a lead back to a customer', description: 'Status active (default) or new; 409 customer.lead.not_a_lead otherwise' })
  @ApiOkResponse({ description: 'The customer, no longer a lead', schema: CUSTOMER_WRITTEN_SCHEMA })
  async convertToCustomer(@Param('id', customerIdPipe) id: number, @Body() body: ConvertLeadToCustomerDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(
      await this.commandBus.execute(new ConvertLeadToCustomerCommand(id, { status: body.status, reason: body.reason }, { metadata, expectedRevision })),
    );
  }

  @Put(':id/additional-fields')
  @RequirePermission('customers.edit')
  @ApiOperation({ summary: 'Set additional field values', description: 'Body: {<name>: value}; merged into the current values, null clears; checked against the definitions' })
  @ApiBody({ schema: { type: 'object', additionalProperties: true, example: { contract_id: 'C-1001', vip: true } } })
  @ApiOkResponse({ description: 'The customer with the new values', schema: CUSTOMER_WRITTEN_SCHEMA })
  async setAdditionalFields(@Param('id', customerIdPipe) id: number, @Body() body: unknown, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw fieldsProblem([{ field: 'body', rule: 'type', message: 'the body must be an object of additional field name → value' }], 'The body must be an object of additional field name → value');
    }
    return writeBody(await this.commandBus.execute(new SetAdditionalFieldsCommand(id, { values: body as Record<string, never> }, { metadata, expectedRevision })));
  }

  @Post(':id/password/reveal')
  @RateLimit('credentials')
  @AnswerNotStored('answers the portal password')
  @RequirePermission('customers.reveal_password')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Reveal the portal password (audited)', description: 'Records CustomerPasswordRevealed, then answers {customerId, password, revision, position}' })
  @ApiOkResponse({ description: 'The portal password (the reveal is recorded)', schema: PASSWORD_REVEALED_SCHEMA })
  async revealPassword(@Param('id', customerIdPipe) id: number, @Body() body: ReasonDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new RevealPasswordCommand(id, body.reason, { metadata, expectedRevision })));
  }

  @Post(':id/password/reset')
  @RequirePermission('customers.edit')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set a new portal password',
    description: 'The given one (policy: 8+ characters, a letter and a digit, not the login; 422 otherwise) or one generated from the customer settings. Stored only encrypted.',
  })
  @ApiOkResponse({ description: 'The customer, and whether the password was generated', schema: PASSWORD_RESET_SCHEMA })
  async resetPassword(@Param('id', customerIdPipe) id: number, @Body() body: ResetPasswordDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    const result = await this.commandBus.execute(new ResetPasswordCommand(id, { password: body.password, reason: body.reason }, { metadata, expectedRevision }));
    return { ...writeBody(result), passwordGenerated: result.generated };
  }

  @Post(':id/pin/reveal')
  @RateLimit('credentials')
  @AnswerNotStored('answers the VoIP PIN')
  @RequirePermission('customers.reveal_password')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Reveal the VoIP PIN (audited)', description: 'Records CustomerPinRevealed, then answers {customerId, pin, revision, position}' })
  @ApiOkResponse({ description: 'The VoIP PIN (the reveal is recorded)', schema: PIN_REVEALED_SCHEMA })
  async revealPin(@Param('id', customerIdPipe) id: number, @Body() body: ReasonDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new RevealPinCommand(id, body.reason, { metadata, expectedRevision })));
  }

  @Post(':id/erase')
  @RequirePermission('customers.erase')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Erase the personal data (crypto-shredding)',
    description:
      'Destroys the customer\'s data key and records CustomerPersonalDataErased {reason}: from then on name, emails, phones, addresses, date of birth, ' +
      'identification, company contact, geo, comment and note texts and contacts read "[erased]" in the profile, list, timeline, time travel, events, ' +
      'feed, SSE, Socket.IO and exports; history, money movements and the hash chain stay. The reason is required (422). Refused while the balance is ' +
      'not zero (409 customer.erase.balance_not_zero), when the customer settings require an inactive or deleted customer (409 customer.erase.requires_inactive / ' +
      'requires_deleted), and when already erased (409 customer.erase.already_erased). Afterwards no new personal data can be recorded (409 customer.personal_data_erased).',
  })
  @ApiBody({ type: EraseDto })
  @ApiOkResponse({ description: '{customerId, erased: true, revision, position}', schema: PERSONAL_DATA_ERASED_SCHEMA })
  async erase(@Param('id', customerIdPipe) id: number, @Body() body: EraseDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new ErasePersonalDataCommand(id, body.reason, { metadata, expectedRevision })));
  }

  @Post(':id/impersonate')
  @RateLimit('credentials')
  @AnswerNotStored('answers a portal token')
  @RequirePermission('customers.impersonate')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Login as customer',
    description: 'Records CustomerImpersonated and answers a short-lived opaque portal token {customerId, token, tokenType, expiresAt, revision, position}',
  })
  @ApiCreatedResponse({ description: 'The portal token (the act is recorded)', schema: PORTAL_TOKEN_SCHEMA })
  async impersonate(@Param('id', customerIdPipe) id: number, @Body() body: ImpersonateDto, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(
      await this.commandBus.execute(new ImpersonateCustomerCommand(id, { reason: body.reason, ttlSeconds: body.ttlSeconds }, { metadata, expectedRevision })),
    );
  }
}
