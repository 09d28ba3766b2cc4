import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AUDIT_EXPORT_NDJSON_SCHEMA,
  AUDIT_EXPORT_SCHEMA,
  CHAIN_VERIFICATION_SCHEMA,
  CUSTOMER_EVENTS_SCHEMA,
  CUSTOMER_STATE_SCHEMA,
} from './customer-history.openapi.js';
import { CurrentPartnerScope, RequirePermission, RateLimit } from '../../auth/decorators.js';
import type { PartnerScope } from '../../auth/partner-scope.js';
import { CustomerHistory } from '../application/customer-history.js';
import { AuditExportQueryDto, EventsQueryDto, StateQueryDto } from './dto/customer-actions.dto.js';
import { customerIdPipe } from '../../common/id-param.pipe.js';

/**
 * Auditors' reads of one customer's stream (the event store, not the read models): the raw events,
 * time travel, the hash-chain check and the history export. The PIN is redacted; the password is only ever in the events encrypted.
 * Partner-scoped like every customer read: a customer of another partner answers 404.
 */
@ApiTags('customers: audit')
@ApiNotFoundResponse({ description: 'customer.not_found (or not yet existing at that time / revision)' })
@RequirePermission('audit.read')
@Controller('customers/:id')
export class CustomerHistoryController {
  constructor(private readonly history: CustomerHistory) {}

  @Get('events')
  @ApiOperation({ summary: 'The raw event stream of a customer', description: 'Envelopes with type, schema version, data, metadata (actor, ip, user agent, correlation ids), revision, position, recorded time' })
  @ApiOkResponse({ description: 'A page of the stream', schema: CUSTOMER_EVENTS_SCHEMA })
  async events(@Param('id', customerIdPipe) id: number, @Query() query: EventsQueryDto, @CurrentPartnerScope() scope: PartnerScope) {
    const page = await this.history.events(id, { fromRevision: query.cursor ?? query.fromRevision, limit: query.limit }, scope);
    // The list shape of the API; the fields of before (events, nextRevision) stay for one release.
    return { items: page.events, nextCursor: page.nextRevision === null ? null : String(page.nextRevision), ...page };
  }

  @Get('state')
  @RateLimit('expensive')
  @ApiOperation({ summary: 'Time travel: the customer as of a time or a revision', description: '?asOf=<ISO time> or ?revision=<n>; both: whichever is earlier' })
  @ApiOkResponse({ description: 'The customer as it was', schema: CUSTOMER_STATE_SCHEMA })
  async state(@Param('id', customerIdPipe) id: number, @Query() query: StateQueryDto, @CurrentPartnerScope() scope: PartnerScope) {
    const at = await this.history.stateAt(id, { asOf: query.asOf ? new Date(query.asOf) : undefined, revision: query.revision }, scope);
    return { ...at.customer, revision: at.revision, asOf: query.asOf ?? at.at };
  }

  @Get('audit/verify')
  @ApiOperation({
    summary: 'Tamper-evidence check of the stream',
    description:
      'Recomputes the hash chain (each event\'s metadata.chain.hash covers the event and the previous hash) from the stored events. ' +
      '{customerId, verified, events, chained, unchained, headHash, firstBrokenRevision?, reason?}. Events older than the chain are counted as unchained, not failed.',
  })
  @ApiOkResponse({ description: 'The chain recomputed', schema: CHAIN_VERIFICATION_SCHEMA })
  verify(@Param('id', customerIdPipe) id: number, @CurrentPartnerScope() scope: PartnerScope) {
    return this.history.verify(id, scope);
  }

  @Get('audit/export')
  @RateLimit('expensive')
  @ApiOperation({
    summary: 'History export (download)',
    description: 'The whole raw stream as /events shows it, chain links included and sealed secrets redacted; ?format=json (default) or ndjson (a header line with the verification, then one event per line).',
  })
  @ApiOkResponse({
    description: 'The export, as an attachment',
    content: { 'application/json': { schema: AUDIT_EXPORT_SCHEMA }, 'application/x-ndjson': { schema: AUDIT_EXPORT_NDJSON_SCHEMA } },
  })
  async export(@Param('id', customerIdPipe) id: number, @Query() query: AuditExportQueryDto, @CurrentPartnerScope() scope: PartnerScope, @Res({ passthrough: true }) response: Response): Promise<string> {
    const exported = await this.history.export(id, scope);
    const format = query.format ?? 'json';
    response.setHeader('Content-Type', format === 'ndjson' ? 'application/x-ndjson; charset=utf-8' : 'application/json; charset=utf-8');
    response.setHeader('Content-Disposition', `attachment; filename="customer-${id}-history.${format}"`);
    response.setHeader('Cache-Control', 'no-store');
    if (format === 'json') return JSON.stringify(exported);
    const { events, ...header } = exported;
    return [header, ...events].map((line) => JSON.stringify(line)).join('\n') + '\n';
  }
}
