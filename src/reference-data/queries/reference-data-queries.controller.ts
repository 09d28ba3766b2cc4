import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import {
  ADDITIONAL_FIELD_LIST_SCHEMA,
  CUSTOMER_SETTINGS_SCHEMA,
  LOCATION_LIST_SCHEMA,
  LOCATION_SCHEMA,
  PARTNER_LIST_SCHEMA,
  PARTNER_SCHEMA,
} from '../http/reference-data.openapi.js';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { RequirePermission } from '../../auth/decorators.js';
import { partnerIdsOf } from '../../auth/partner-scope.js';
import type { AuthenticatedRequest } from '../../common/request-context.js';
import { ReadModelQueryDto } from '../../read-your-writes/read-model-query.dto.js';
import { ReadModel } from '../../read-your-writes/read-your-writes.js';
import { locationIdPipe, partnerIdPipe } from '../../common/id-param.pipe.js';
import { GetCustomerSettingsQuery, GetNamedEntityQuery, ListAdditionalFieldsQuery, ListNamedEntitiesQuery } from './reference-data.queries.js';

export class NamedEntitiesQueryDto extends ReadModelQueryDto {
  @ApiPropertyOptional({ description: 'Include deleted ones' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeDeleted?: boolean;
}

export class ReferenceQueryDto extends ReadModelQueryDto {}

const REFERENCE = 'reference_data';
const STATS = 'customer_stats';

@ApiTags('reference data')
@RequirePermission('customers.read')
@Controller('partners')
export class PartnersQueryController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ReadModel(REFERENCE, STATS)
  @ApiOperation({ summary: 'Partners (with how many customers use each)' })
  @ApiOkResponse({ description: 'The partners', schema: PARTNER_LIST_SCHEMA })
  list(@Query() query: NamedEntitiesQueryDto, @Req() request: AuthenticatedRequest) {
    return this.queryBus.execute(new ListNamedEntitiesQuery('partner', query.includeDeleted ?? false, partnerIdsOf(request)));
  }

  @Get(':id')
  @ReadModel(REFERENCE, STATS)
  @ApiOperation({ summary: 'One partner' })
  @ApiOkResponse({ description: 'The partner', schema: PARTNER_SCHEMA })
  @ApiNotFoundResponse({ description: 'partner.not_found' })
  one(@Param('id', partnerIdPipe) id: number, @Query() _query: ReferenceQueryDto, @Req() request: AuthenticatedRequest) {
    return this.queryBus.execute(new GetNamedEntityQuery('partner', id, partnerIdsOf(request)));
  }
}

@ApiTags('reference data')
@RequirePermission('customers.read')
@Controller('locations')
export class LocationsQueryController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ReadModel(REFERENCE, STATS)
  @ApiOperation({ summary: 'Locations (with how many customers use each; a partner-restricted admin counts their partners\' customers only)' })
  @ApiOkResponse({ description: 'The locations', schema: LOCATION_LIST_SCHEMA })
  list(@Query() query: NamedEntitiesQueryDto, @Req() request: AuthenticatedRequest) {
    return this.queryBus.execute(new ListNamedEntitiesQuery('location', query.includeDeleted ?? false, partnerIdsOf(request)));
  }

  @Get(':id')
  @ReadModel(REFERENCE, STATS)
  @ApiOperation({ summary: 'One location' })
  @ApiOkResponse({ description: 'The location', schema: LOCATION_SCHEMA })
  @ApiNotFoundResponse({ description: 'location.not_found' })
  one(@Param('id', locationIdPipe) id: number, @Query() _query: ReferenceQueryDto, @Req() request: AuthenticatedRequest) {
    return this.queryBus.execute(new GetNamedEntityQuery('location', id, partnerIdsOf(request)));
  }
}

@ApiTags('reference data')
@RequirePermission('customers.read')
@Controller('additional-fields')
export class AdditionalFieldsQueryController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ReadModel(REFERENCE)
  @ApiOperation({ summary: 'Additional customer field definitions, in definition order' })
  @ApiOkResponse({ description: 'The definitions', schema: ADDITIONAL_FIELD_LIST_SCHEMA })
  list(@Query() _query: ReferenceQueryDto) {
    return this.queryBus.execute(new ListAdditionalFieldsQuery());
  }
}

@ApiTags('reference data')
@RequirePermission('customers.read')
@Controller('settings/customers')
export class CustomerSettingsQueryController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ReadModel(REFERENCE)
  @ApiOperation({ summary: 'Customer settings: login / password / account number / PIN patterns and lengths' })
  @ApiOkResponse({ description: 'The settings', schema: CUSTOMER_SETTINGS_SCHEMA })
  get(@Query() _query: ReferenceQueryDto) {
    return this.queryBus.execute(new GetCustomerSettingsQuery());
  }
}
