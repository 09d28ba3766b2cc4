import { Body, Controller, Delete, HttpCode, Param, Patch, Post, Res, UseInterceptors } from '@nestjs/common';
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
import { CREATED, createdItem } from './created-items.js';
import {
  ADDRESS_CREATED_SCHEMA,
  CAP_GRANT_CREATED_SCHEMA,
  CHARGE_CREATED_SCHEMA,
  COMMENT_CREATED_SCHEMA,
  CONTACT_CREATED_SCHEMA,
  CUSTOMER_WRITTEN_SCHEMA,
  HARDWARE_CREATED_SCHEMA,
  NOTE_CREATED_SCHEMA,
  PAYMENT_CREATED_SCHEMA,
} from './customer.openapi.js';
import { RequirePermission } from '../../auth/decorators.js';
import { RequestMeta } from '../../common/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';
import { API_PREFIX } from '../../http-app.js';
import type { CustomerWrite } from '../application/customer-command-executor.js';
import {
  AddAddressCommand,
  AddCommentCommand,
  AddContactCommand,
  AddNoteCommand,
  AssignHardwareCommand,
  DeleteCommentCommand,
  DeleteNoteCommand,
  EditCommentCommand,
  EditNoteCommand,
  GrantCapBonusCommand,
  RecordChargeCommand,
  RecordPaymentCommand,
  RemoveAddressCommand,
  RemoveContactCommand,
  RevokeCapBonusCommand,
  UnassignHardwareCommand,
} from '../application/customer.commands.js';
import type { AddAddress, AddContact, AssignHardware, GrantCapBonus, RecordCharge, RecordPayment } from '../domain/index.js';
import {
  AddAddressDto,
  AddCommentDto,
  AddContactDto,
  AddNoteDto,
  AssignHardwareDto,
  EditCommentDto,
  EditNoteDto,
  GrantCapBonusDto,
  ReasonDto,
  RecordChargeDto,
  RecordPaymentDto,
} from './dto/customer-actions.dto.js';
import { IF_MATCH_HEADER, plain } from './customers-write.controller.js';
import { IfMatch, WriteInterceptor, writeBody } from './write-http.js';
import { customerIdPipe } from '../../common/id-param.pipe.js';

/** 201 answer of a sub-entity creation: the item with the customer's revision and position; Location names it. */
function created<Item>(response: Response, customerId: number, collection: string, result: CustomerWrite, find: Parameters<typeof createdItem<Item>>[1]) {
  if (result.createdId) response.setHeader('Location', `/${API_PREFIX}/customers/${customerId}/${collection}/${result.createdId}`);
  return createdItem(result, find);
}

/**
 * Writes to what surrounds a customer: comments, internal / debtor notes, CAP bonus grants,
 * hardware, contact persons, additional addresses, payments and charges. Each answers the customer
 * view after the write with revision, position and ETag, and accepts If-Match.
 */
@ApiTags('customers')
@ApiHeader(IF_MATCH_HEADER)
@ApiConflictResponse({ description: 'A business rule refused the command (`rule` names it); nothing was written' })
@ApiNotFoundResponse({ description: 'customer.not_found, or the addressed comment / note / grant / item / contact / address does not exist' })
@ApiPreconditionFailedResponse({ description: 'If-Match does not match the current revision' })
@ApiUnprocessableEntityResponse({ description: 'Invalid input; `errors` lists each field and rule' })
@Controller('customers/:id')
@UseInterceptors(WriteInterceptor)
export class CustomerActivityWriteController {
  constructor(private readonly commandBus: CommandBus) {}

  // ----- comments -----

  @Post('comments')
  @RequirePermission('notes')
  @ApiOperation({ summary: 'Add a comment', description: 'The author is the acting admin' })
  @ApiCreatedResponse({ description: "The new comment, with the customer's revision and position; Location names it", schema: COMMENT_CREATED_SCHEMA })
  async addComment(
    @Param('id', customerIdPipe) id: number,
    @Body() body: AddCommentDto,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
    @IfMatch() expectedRevision?: number,
  ) {
    return created(response, id, 'comments', await this.commandBus.execute(new AddCommentCommand(id, plain(body), { metadata, expectedRevision })), CREATED.comments);
  }

  @Patch('comments/:commentId')
  @RequirePermission('notes')
  @ApiOperation({ summary: 'Edit a comment' })
  @ApiOkResponse({ description: 'The customer after the change', schema: CUSTOMER_WRITTEN_SCHEMA })
  async editComment(
    @Param('id', customerIdPipe) id: number,
    @Param('commentId') commentId: string,
    @Body() body: EditCommentDto,
    @RequestMeta() metadata: EventMetadata,
    @IfMatch() expectedRevision?: number,
  ) {
    return writeBody(await this.commandBus.execute(new EditCommentCommand(id, { ...plain<object>(body), commentId }, { metadata, expectedRevision })));
  }

  @Delete('comments/:commentId')
  @RequirePermission('notes')
  @ApiOperation({ summary: 'Delete a comment' })
  @ApiOkResponse({ description: 'The customer without the comment', schema: CUSTOMER_WRITTEN_SCHEMA })
  async deleteComment(@Param('id', customerIdPipe) id: number, @Param('commentId') commentId: string, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new DeleteCommentCommand(id, { commentId }, { metadata, expectedRevision })));
  }

  // ----- notes -----

  @Post('notes')
  @RequirePermission('notes')
  @ApiOperation({ summary: 'Add an internal or debtor note', description: 'popup: shown as an alert when the profile is opened' })
  @ApiCreatedResponse({ description: "The new note, with the customer's revision and position; Location names it", schema: NOTE_CREATED_SCHEMA })
  async addNote(
    @Param('id', customerIdPipe) id: number,
    @Body() body: AddNoteDto,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
    @IfMatch() expectedRevision?: number,
  ) {
    return created(response, id, 'notes', await this.commandBus.execute(new AddNoteCommand(id, plain(body), { metadata, expectedRevision })), CREATED.notes);
  }

  @Patch('notes/:noteId')
  @RequirePermission('notes')
  @ApiOperation({ summary: 'Edit a note' })
  @ApiOkResponse({ description: 'The customer after the change', schema: CUSTOMER_WRITTEN_SCHEMA })
  async editNote(
    @Param('id', customerIdPipe) id: number,
    @Param('noteId') noteId: string,
    @Body() body: EditNoteDto,
    @RequestMeta() metadata: EventMetadata,
    @IfMatch() expectedRevision?: number,
  ) {
    return writeBody(await this.commandBus.execute(new EditNoteCommand(id, { ...plain<object>(body), noteId }, { metadata, expectedRevision })));
  }

  @Delete('notes/:noteId')
  @RequirePermission('notes')
  @ApiOperation({ summary: 'Delete a note' })
  @ApiOkResponse({ description: 'The customer without the note', schema: CUSTOMER_WRITTEN_SCHEMA })
  async deleteNote(@Param('id', customerIdPipe) id: number, @Param('noteId') noteId: string, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new DeleteNoteCommand(id, { noteId }, { metadata, expectedRevision })));
  }

  // ----- CAP -----

  @Post('cap')
  @RequirePermission('cap')
  @ApiOperation({ summary: 'Grant CAP bonus data (top-up)', description: '{megabytes, reason, expiresAt?}; not for leads' })
  @ApiCreatedResponse({ description: "The new grant, with the customer's revision and position; Location names it", schema: CAP_GRANT_CREATED_SCHEMA })
  async grantCap(
    @Param('id', customerIdPipe) id: number,
    @Body() body: GrantCapBonusDto,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
    @IfMatch() expectedRevision?: number,
  ) {
    return created(response, id, 'cap', await this.commandBus.execute(new GrantCapBonusCommand(id, plain<GrantCapBonus['data']>(body), { metadata, expectedRevision })), CREATED.cap);
  }

  @Post('cap/:grantId/revoke')
  @RequirePermission('cap')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a CAP bonus grant', description: '404 customer.cap.grant.not_found for an unknown grant; 409 customer.cap.grant_already_revoked when revoked twice' })
  @ApiOkResponse({ description: 'The customer with the grant revoked', schema: CUSTOMER_WRITTEN_SCHEMA })
  async revokeCap(
    @Param('id', customerIdPipe) id: number,
    @Param('grantId') grantId: string,
    @Body() body: ReasonDto,
    @RequestMeta() metadata: EventMetadata,
    @IfMatch() expectedRevision?: number,
  ) {
    return writeBody(await this.commandBus.execute(new RevokeCapBonusCommand(id, { grantId, reason: body.reason }, { metadata, expectedRevision })));
  }

  // ----- hardware -----

  @Post('hardware')
  @RequirePermission('customers.edit')
  @ApiOperation({ summary: 'Assign an inventory item', description: '409 customer.hardware.already_assigned when the item is already there' })
  @ApiCreatedResponse({ description: "The assigned item, with the customer's revision and position; Location names it", schema: HARDWARE_CREATED_SCHEMA })
  async assignHardware(
    @Param('id', customerIdPipe) id: number,
    @Body() body: AssignHardwareDto,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
    @IfMatch() expectedRevision?: number,
  ) {
    const result = await this.commandBus.execute(new AssignHardwareCommand(id, plain<AssignHardware['data']>(body), { metadata, expectedRevision }));
    response.setHeader('Location', `/${API_PREFIX}/customers/${id}/hardware/${encodeURIComponent(body.itemId)}`);
    return createdItem(result, CREATED.hardware(body.itemId));
  }

  @Delete('hardware/:itemId')
  @RequirePermission('customers.edit')
  @ApiOperation({ summary: 'Unassign an inventory item' })
  @ApiBody({ type: ReasonDto, required: false })
  @ApiOkResponse({ description: 'The customer without the item', schema: CUSTOMER_WRITTEN_SCHEMA })
  async unassignHardware(
    @Param('id', customerIdPipe) id: number,
    @Param('itemId') itemId: string,
    @Body() body: ReasonDto,
    @RequestMeta() metadata: EventMetadata,
    @IfMatch() expectedRevision?: number,
  ) {
    return writeBody(await this.commandBus.execute(new UnassignHardwareCommand(id, { itemId, reason: body?.reason }, { metadata, expectedRevision })));
  }

  // ----- contacts -----

  @Post('contacts')
  @RequirePermission('customers.edit')
  @ApiOperation({ summary: 'Add a contact person' })
  @ApiCreatedResponse({ description: "The new contact, with the customer's revision and position; Location names it", schema: CONTACT_CREATED_SCHEMA })
  async addContact(
    @Param('id', customerIdPipe) id: number,
    @Body() body: AddContactDto,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
    @IfMatch() expectedRevision?: number,
  ) {
    return created(response, id, 'contacts', await this.commandBus.execute(new AddContactCommand(id, plain<AddContact['data']>(body), { metadata, expectedRevision })), CREATED.contacts);
  }

  @Delete('contacts/:contactId')
  @RequirePermission('customers.edit')
  @ApiOperation({ summary: 'Remove a contact person' })
  @ApiOkResponse({ description: 'The customer without the contact', schema: CUSTOMER_WRITTEN_SCHEMA })
  async removeContact(@Param('id', customerIdPipe) id: number, @Param('contactId') contactId: string, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new RemoveContactCommand(id, { contactId }, { metadata, expectedRevision })));
  }

  // ----- additional addresses -----

  @Post('addresses')
  @RequirePermission('customers.edit')
  @ApiOperation({ summary: 'Add an additional address' })
  @ApiCreatedResponse({ description: "The new address, with the customer's revision and position; Location names it", schema: ADDRESS_CREATED_SCHEMA })
  async addAddress(
    @Param('id', customerIdPipe) id: number,
    @Body() body: AddAddressDto,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
    @IfMatch() expectedRevision?: number,
  ) {
    return created(response, id, 'addresses', await this.commandBus.execute(new AddAddressCommand(id, plain<AddAddress['data']>(body), { metadata, expectedRevision })), CREATED.addresses);
  }

  @Delete('addresses/:addressId')
  @RequirePermission('customers.edit')
  @ApiOperation({ summary: 'Remove an additional address' })
  @ApiOkResponse({ description: 'The customer without the address', schema: CUSTOMER_WRITTEN_SCHEMA })
  async removeAddress(@Param('id', customerIdPipe) id: number, @Param('addressId') addressId: string, @RequestMeta() metadata: EventMetadata, @IfMatch() expectedRevision?: number) {
    return writeBody(await this.commandBus.execute(new RemoveAddressCommand(id, { addressId }, { metadata, expectedRevision })));
  }

  // ----- balance -----

  @Post('payments')
  @RequirePermission('billing')
  @ApiOperation({ summary: 'Record a payment', description: 'Raises the balance; not for leads' })
  @ApiCreatedResponse({ description: "The payment and the new balance, with the customer's revision and position; Location names it", schema: PAYMENT_CREATED_SCHEMA })
  async recordPayment(
    @Param('id', customerIdPipe) id: number,
    @Body() body: RecordPaymentDto,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
    @IfMatch() expectedRevision?: number,
  ) {
    return created(response, id, 'payments', await this.commandBus.execute(new RecordPaymentCommand(id, plain<RecordPayment['data']>(body), { metadata, expectedRevision })), CREATED.payments);
  }

  @Post('charges')
  @RequirePermission('billing')
  @ApiOperation({ summary: 'Record a charge', description: 'Lowers the balance; not for leads' })
  @ApiCreatedResponse({ description: "The charge and the new balance, with the customer's revision and position; Location names it", schema: CHARGE_CREATED_SCHEMA })
  async recordCharge(
    @Param('id', customerIdPipe) id: number,
    @Body() body: RecordChargeDto,
    @RequestMeta() metadata: EventMetadata,
    @Res({ passthrough: true }) response: Response,
    @IfMatch() expectedRevision?: number,
  ) {
    return created(response, id, 'charges', await this.commandBus.execute(new RecordChargeCommand(id, plain<RecordCharge['data']>(body), { metadata, expectedRevision })), CREATED.charges);
  }
}
