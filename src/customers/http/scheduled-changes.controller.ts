import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Res, UseInterceptors } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequirePermission } from '../../auth/decorators.js';
import { customerIdPipe } from '../../common/id-param.pipe.js';
import { RequestMeta } from '../../common/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';
import { API_PREFIX } from '../../http-app.js';
import { ScheduledChanges } from '../application/scheduled-changes.js';
import { plain } from './customers-write.controller.js';
import { CancelScheduledChangeDto, EditScheduledChangeDto, ScheduleChangeDto } from './dto/scheduled-change.dto.js';
import { SCHEDULED_CHANGE_LIST_SCHEMA, SCHEDULED_CHANGE_WRITTEN_SCHEMA } from './scheduled-changes.openapi.js';
import { WriteInterceptor } from './write-http.js';

/**
 * Scheduled changes of one customer: a status or billing-type change for a time, or a hold
 * (`until`) that returns to the previous status. Scheduling, editing and cancelling are events on
 * the customer stream (ScheduledChangeAdded / Changed / Cancelled); the automation runs each at its
 * time as the system actor. Partner-scoped: another partner's customer is 404.
 */
@ApiTags('customers: scheduled changes')
@ApiNotFoundResponse({ description: 'customer.not_found, or customer.scheduled_change.not_found' })
@Controller('customers/:id/scheduled-changes')
@UseInterceptors(WriteInterceptor)
export class ScheduledChangesController {
  constructor(private readonly changes: ScheduledChanges) {}

  @Get()
  @RequirePermission('customers.read')
  @ApiOperation({ summary: "A customer's scheduled changes", description: 'Every one, pending, done, cancelled or failed, oldest first' })
  @ApiOkResponse({ description: 'The scheduled changes', schema: SCHEDULED_CHANGE_LIST_SCHEMA })
  async list(@Param('id', customerIdPipe) id: number, @RequestMeta() metadata: EventMetadata) {
    return { items: await this.changes.list(id, { metadata }), nextCursor: null };
  }

  @Post()
  @RequirePermission('customers.schedule')
  @ApiOperation({
    summary: 'Schedule a status or billing-type change',
    description: '{action: status|billing_type, status?, billingType?, at, until?, reason?}. `at` must be in the future; with `until` (status only) it is a hold.',
  })
  @ApiCreatedResponse({ description: "The scheduled change, with the customer's revision and position; Location names it", schema: SCHEDULED_CHANGE_WRITTEN_SCHEMA })
  @ApiConflictResponse({ description: 'customer.scheduled_change.in_the_past, .until_not_after_at, .status_unreachable, .too_many, customer.deleted' })
  @ApiUnprocessableEntityResponse({ description: 'Invalid input; `errors` lists each field and rule' })
  async add(@Param('id', customerIdPipe) id: number, @Body() body: ScheduleChangeDto, @RequestMeta() metadata: EventMetadata, @Res({ passthrough: true }) response: Response) {
    const written = await this.changes.add(id, plain(body), { metadata });
    response.setHeader('Location', `/${API_PREFIX}/customers/${id}/scheduled-changes/${written.id}`);
    return written;
  }

  @Patch(':changeId')
  @RequirePermission('customers.schedule')
  @ApiOperation({ summary: 'Edit a pending scheduled change', description: 'at, until, reason, status / billingType; a started hold takes only until and reason' })
  @ApiOkResponse({ description: 'The scheduled change after the edit', schema: SCHEDULED_CHANGE_WRITTEN_SCHEMA })
  @ApiConflictResponse({ description: 'customer.scheduled_change.not_pending, .already_started, .in_the_past, .until_not_after_at' })
  @ApiUnprocessableEntityResponse({ description: 'Invalid input; `errors` lists each field and rule' })
  async edit(@Param('id', customerIdPipe) id: number, @Param('changeId') changeId: string, @Body() body: EditScheduledChangeDto, @RequestMeta() metadata: EventMetadata) {
    return this.changes.edit(id, changeId, plain(body), { metadata });
  }

  @Delete(':changeId')
  @RequirePermission('customers.schedule')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a pending scheduled change', description: 'A started hold can be cancelled too: the customer then stays as it is' })
  @ApiOkResponse({ description: 'The cancelled change', schema: SCHEDULED_CHANGE_WRITTEN_SCHEMA })
  @ApiConflictResponse({ description: 'customer.scheduled_change.not_pending' })
  async cancel(@Param('id', customerIdPipe) id: number, @Param('changeId') changeId: string, @Body() body: CancelScheduledChangeDto, @RequestMeta() metadata: EventMetadata) {
    return this.changes.cancel(id, changeId, body?.reason, { metadata });
  }
}
