import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  ACTIVITY_PAGE_SCHEMA,
  ADDRESS_LIST_SCHEMA,
  CAP_SCHEMA,
  COMMENT_LIST_SCHEMA,
  CONTACT_LIST_SCHEMA,
  CUSTOMER_PAGE_SCHEMA,
  CUSTOMER_PROFILE_SCHEMA,
  CUSTOMER_STATS_SCHEMA,
  HARDWARE_LIST_SCHEMA,
  NOTE_LIST_SCHEMA,
} from '../http/customer.openapi.js';
import { RequirePermission } from '../../auth/decorators.js';
import { partnerIdsOf } from '../../auth/partner-scope.js';
import type { AuthenticatedRequest } from '../../common/request-context.js';
import { ReadModel } from '../../read-your-writes/read-your-writes.js';
import { CustomerActivityQueryDto, CustomerProfileQueryDto, CustomerProfileReadDto, CustomerStatsQueryDto, ListCustomersQueryDto } from './customer-query.dto.js';
import type { CustomerProfile } from './customer-read-models.js';
import { customerIdPipe } from '../../common/id-param.pipe.js';
import { GetCustomerActivityQuery, GetCustomerProfileQuery, GetCustomerStatsQuery, ListCustomersQuery } from './customer.queries.js';


const LIST = 'customer_list';
const PROFILE = 'customer_profile';
const ACTIVITY = 'customer_activity';
const STATS = 'customer_stats';
const TEMPORAL = 'customer_temporal';
const REFERENCE = 'reference_data';

/**
 * GETs on customers, answered from the read models (projections/). Every one accepts
 * `?minPosition=` (read-your-writes, see src/read-your-writes). Writes live in src/customers/http.
 */
@ApiTags('customers')
@RequirePermission('customers.read')
@Controller('customers')
export class CustomerQueriesController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ReadModel(LIST, REFERENCE, TEMPORAL)
  @ApiOperation({
    summary: 'List / search customers',
    description:
      'Filters, search (q), sort (column or -column), keyset pagination (cursor), optional total. Answers {items, nextCursor, total?}. ' +
      '?asOf=<ISO time>: the customers as they were then (filters and reported fields: status, partner, location, billing type, category, lead, deleted), from the temporal read model.',
  })
  @ApiOkResponse({ description: 'A page of customers', schema: CUSTOMER_PAGE_SCHEMA })
  list(@Query() query: ListCustomersQueryDto, @Req() request: AuthenticatedRequest) {
    const { minPosition: _minPosition, ...filter } = query;
    return this.queryBus.execute(new ListCustomersQuery(filter, partnerIdsOf(request)));
  }

  @Get('stats')
  @ReadModel(STATS, TEMPORAL)
  @ApiOperation({
    summary: 'Customer counts per status, billing type, category, partner and location (deleted excluded)',
    description: '?asOf=<ISO time>: the counts as they were then (event time), answered from the temporal read model; partner-scoped like every read.',
  })
  @ApiOkResponse({ description: 'The counts', schema: CUSTOMER_STATS_SCHEMA })
  stats(@Query() query: CustomerStatsQueryDto, @Req() request: AuthenticatedRequest) {
    return this.queryBus.execute(new GetCustomerStatsQuery(partnerIdsOf(request), query.asOf ? new Date(query.asOf) : undefined));
  }

  @Get(':id')
  @ReadModel(PROFILE, REFERENCE)
  @ApiOperation({
    summary: 'The customer profile (ETag: the revision it answers)',
    description:
      'Answered from the profile read model: `revision` and the ETag are the stream revision the read model has reached, which may trail a write made a moment ago (pass ?minPosition=<the write\'s position> to wait for it). ' +
      '?consistent=true folds the stream instead and answers its current head: the ETag is then the revision an If-Match must carry to succeed now. Deleted customers answer 404 unless includeDeleted=true.',
  })
  @ApiOkResponse({ description: 'The customer resource, plus alerts (pop-up notes) and additionalFieldLabels', schema: CUSTOMER_PROFILE_SCHEMA })
  @ApiNotFoundResponse({ description: 'customer.not_found' })
  async profile(
    @Param('id', customerIdPipe) id: number,
    @Query() query: CustomerProfileReadDto,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: Response,
  ) {
    const profile = await this.queryBus.execute(new GetCustomerProfileQuery(id, partnerIdsOf(request), query.includeDeleted, query.consistent));
    return withETag(response, profile);
  }

  @Get(':id/activity')
  @ReadModel(ACTIVITY, PROFILE)
  @ApiOperation({
    summary: 'The activity timeline, newest first',
    description: 'Entries {position, revision, type, at, actor, summary, changes}; filter by types and a period [from, to); cursor pagination.',
  })
  @ApiNotFoundResponse({ description: 'customer.not_found' })
  @ApiOkResponse({ description: 'A page of the timeline', schema: ACTIVITY_PAGE_SCHEMA })
  activity(@Param('id', customerIdPipe) id: number, @Query() query: CustomerActivityQueryDto, @Req() request: AuthenticatedRequest) {
    const { minPosition: _minPosition, ...filter } = query;
    return this.queryBus.execute(new GetCustomerActivityQuery(id, filter, partnerIdsOf(request)));
  }

  @Get(':id/comments')
  @ReadModel(PROFILE, REFERENCE)
  @ApiOperation({ summary: "The customer's comments (oldest first)" })
  @ApiOkResponse({ description: 'The comments', schema: COMMENT_LIST_SCHEMA })
  async comments(@Param('id', customerIdPipe) id: number, @Query() _query: CustomerProfileQueryDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response) {
    const profile = withETag(response, await this.load(id, request));
    return { items: profile.comments, nextCursor: null };
  }

  @Get(':id/notes')
  @ReadModel(PROFILE, REFERENCE)
  @ApiOperation({ summary: "The customer's internal and debtor notes (oldest first); `alerts` are the pop-up ones" })
  @ApiOkResponse({ description: 'The notes and the pop-up alerts', schema: NOTE_LIST_SCHEMA })
  async notes(@Param('id', customerIdPipe) id: number, @Query() _query: CustomerProfileQueryDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response) {
    const profile = withETag(response, await this.load(id, request));
    return { items: profile.notes, alerts: profile.alerts, nextCursor: null };
  }

  @Get(':id/cap')
  @ReadModel(PROFILE, REFERENCE)
  @ApiOperation({ summary: 'CAP: bonus data grants and the total of those still counting' })
  @ApiOkResponse({ description: 'The grants and the active total', schema: CAP_SCHEMA })
  async cap(@Param('id', customerIdPipe) id: number, @Query() _query: CustomerProfileQueryDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response) {
    return withETag(response, await this.load(id, request)).cap;
  }

  @Get(':id/hardware')
  @ReadModel(PROFILE, REFERENCE)
  @ApiOperation({ summary: 'Inventory items assigned to the customer' })
  @ApiOkResponse({ description: 'The items', schema: HARDWARE_LIST_SCHEMA })
  async hardware(@Param('id', customerIdPipe) id: number, @Query() _query: CustomerProfileQueryDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response) {
    return { items: withETag(response, await this.load(id, request)).hardware, nextCursor: null };
  }

  @Get(':id/contacts')
  @ReadModel(PROFILE, REFERENCE)
  @ApiOperation({ summary: "The customer's contact persons" })
  @ApiOkResponse({ description: 'The contact persons', schema: CONTACT_LIST_SCHEMA })
  async contacts(@Param('id', customerIdPipe) id: number, @Query() _query: CustomerProfileQueryDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response) {
    return { items: withETag(response, await this.load(id, request)).contacts, nextCursor: null };
  }

  @Get(':id/addresses')
  @ReadModel(PROFILE, REFERENCE)
  @ApiOperation({ summary: "The customer's additional addresses" })
  @ApiOkResponse({ description: 'The addresses', schema: ADDRESS_LIST_SCHEMA })
  async addresses(@Param('id', customerIdPipe) id: number, @Query() _query: CustomerProfileQueryDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response) {
    return { items: withETag(response, await this.load(id, request)).addresses, nextCursor: null };
  }

  private load(id: number, request: AuthenticatedRequest, includeDeleted = false): Promise<CustomerProfile> {
    return this.queryBus.execute(new GetCustomerProfileQuery(id, partnerIdsOf(request), includeDeleted));
  }
}

/** ETag = the customer's stream revision (what writes take as If-Match). */
function withETag<T extends { revision: number }>(response: Response, profile: T): T {
  response.setHeader('ETag', `"${profile.revision}"`);
  return profile;
}
