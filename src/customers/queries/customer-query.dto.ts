import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { BILLING_TYPES, CATEGORIES, CUSTOMER_EVENT_TYPES, CUSTOMER_STATUSES } from '../domain/index.js';
import { commaList as csv, OpaqueCursor, queryBool as bool, queryInt as int, queryIntList as intCsv } from '../../common/query-params.js';
import { ReadModelQueryDto } from '../../read-your-writes/read-model-query.dto.js';
import { LIST_SORT_EXPRESSIONS } from '../../../projections/customer-list/customer-list.projection.js';

export const LIST_SORTS = Object.keys(LIST_SORT_EXPRESSIONS);
const SORT_VALUES = LIST_SORTS.flatMap((key) => [key, `-${key}`]);

export class ListCustomersQueryDto extends ReadModelQueryDto {
  @ApiPropertyOptional({ description: 'Statuses (comma separated)', example: 'active,blocked' })
  @IsOptional()
  @csv()
  @IsIn(CUSTOMER_STATUSES, { each: true })
  @ArrayMaxSize(10)
  status?: string[];

  @ApiPropertyOptional({ description: 'Partner ids (comma separated)', example: '1,2' })
  @IsOptional()
  @intCsv()
  @IsInt({ each: true })
  @Min(1, { each: true })
  @ArrayMaxSize(100)
  partnerId?: number[];

  @ApiPropertyOptional({ description: 'Location ids (comma separated)' })
  @IsOptional()
  @intCsv()
  @IsInt({ each: true })
  @Min(1, { each: true })
  @ArrayMaxSize(100)
  locationId?: number[];

  @ApiPropertyOptional({ description: 'Billing types (comma separated)', example: 'recurring' })
  @IsOptional()
  @csv()
  @IsIn(BILLING_TYPES, { each: true })
  @ArrayMaxSize(10)
  billingType?: string[];

  @ApiPropertyOptional({ description: 'Categories (comma separated)', example: 'company' })
  @IsOptional()
  @csv()
  @IsIn(CATEGORIES, { each: true })
  @ArrayMaxSize(10)
  category?: string[];

  @ApiPropertyOptional({ description: 'Labels the customer must ALL carry (comma separated)', example: 'vip' })
  @IsOptional()
  @csv()
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  @ArrayMaxSize(20)
  labels?: string[];

  @ApiPropertyOptional({ description: 'Leads only (true) or customers only (false)' })
  @IsOptional()
  @bool()
  @IsBoolean()
  isLead?: boolean;

  @ApiPropertyOptional({
    description:
      'Search: every word must match name, login, email, phone, address, city, ZIP or account number, also as part of a word; ' +
      'a phone number matches by its digits whatever its formatting',
    example: 'jane riga',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ description: `Sort column, "-" for descending: ${LIST_SORTS.join(', ')}`, example: '-fullName', default: 'id' })
  @IsOptional()
  @IsIn(SORT_VALUES)
  sort?: string;

  @ApiPropertyOptional({ description: '1..200', default: 50 })
  @IsOptional()
  @int()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque; the nextCursor of the previous page (same filters and sort)' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  cursor?: string;

  @ApiPropertyOptional({ description: 'Also count every match (answer field total)' })
  @IsOptional()
  @bool()
  @IsBoolean()
  total?: boolean;

  @ApiPropertyOptional({ description: 'Include deleted customers' })
  @IsOptional()
  @bool()
  @IsBoolean()
  includeDeleted?: boolean;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description:
      'The customers as they were at this time (event time): the filters status, partnerId, locationId, billingType, category, isLead and includeDeleted ' +
      'apply to their values then, and the items carry those values (the other fields are as they are now). Sorted by id only; q and labels are refused with it.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}

export class CustomerProfileQueryDto extends ReadModelQueryDto {
  @ApiPropertyOptional({ description: 'Answer a deleted customer too (otherwise 404)' })
  @IsOptional()
  @bool()
  @IsBoolean()
  includeDeleted?: boolean;
}

export class CustomerProfileReadDto extends CustomerProfileQueryDto {
  @ApiPropertyOptional({
    description:
      'true: answer the stream\'s current head, folded from the event store (never behind a write; the ETag is the revision If-Match needs). Default: the profile read model, whose revision may trail the stream by a few milliseconds',
  })
  @IsOptional()
  @bool()
  @IsBoolean()
  consistent?: boolean;
}

export class CustomerActivityQueryDto extends ReadModelQueryDto {
  @ApiPropertyOptional({ description: 'Event types (comma separated)', example: 'CustomerBlocked,CustomerActivated' })
  @IsOptional()
  @csv()
  @IsIn(CUSTOMER_EVENT_TYPES, { each: true })
  @ArrayMaxSize(50)
  types?: string[];

  @ApiPropertyOptional({ description: 'From this time (inclusive, ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Up to this time (exclusive, ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: '1..200', default: 50 })
  @IsOptional()
  @int()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @OpaqueCursor()
  cursor?: string;
}

export class CustomerStatsQueryDto extends ReadModelQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'The counts as they were at this time (event time), from the temporal read model; omitted: now',
    example: '2026-06-30T23:59:59Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}
