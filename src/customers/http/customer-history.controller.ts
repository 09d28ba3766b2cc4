import { Controller, Get, Param, ParseIntPipe, Query, UseInterceptors } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPartnerScope, RequirePermission } from '../../auth/decorators.js';
import type { PartnerScope } from '../../auth/partner-scope.js';
import { CustomerHistory } from '../application/customer-history.js';
import { EventsQueryDto, StateQueryDto } from './dto/customer-actions.dto.js';
import { DomainErrorsInterceptor } from './write-http.js';

/**
 * Auditors' reads of one customer's stream (the event store, not the read models): the raw events
 * and time travel. The PIN is redacted; the password is only ever in the events encrypted.
 * Partner-scoped like every customer read: a customer of another partner answers 404.
 */
@ApiTags('customers: audit')
@ApiNotFoundResponse({ description: 'customer.not_found (or not yet existing at that time / revision)' })
@RequirePermission('audit.read')
@Controller('customers/:id')
@UseInterceptors(DomainErrorsInterceptor)
export class CustomerHistoryController {
  constructor(private readonly history: CustomerHistory) {}

  @Get('events')
  @ApiOperation({ summary: 'The raw event stream of a customer', description: 'Envelopes with type, schema version, data, metadata (actor, ip, user agent, correlation ids), revision, position, recorded time' })
  events(@Param('id', ParseIntPipe) id: number, @Query() query: EventsQueryDto, @CurrentPartnerScope() scope: PartnerScope) {
    return this.history.events(id, { fromRevision: query.fromRevision, limit: query.limit }, scope);
  }

  @Get('state')
  @ApiOperation({ summary: 'Time travel: the customer as of a time or a revision', description: '?asOf=<ISO time> or ?revision=<n>; both: whichever is earlier' })
  async state(@Param('id', ParseIntPipe) id: number, @Query() query: StateQueryDto, @CurrentPartnerScope() scope: PartnerScope) {
    const at = await this.history.stateAt(id, { asOf: query.asOf ? new Date(query.asOf) : undefined, revision: query.revision }, scope);
    return { ...at.customer, revision: at.revision, asOf: query.asOf ?? at.at };
  }
}
