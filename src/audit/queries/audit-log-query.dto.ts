import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { commaList as list, OpaqueCursor, queryInt as int, queryIntList as intList } from '../../common/query-params.js';
import { ReadModelQueryDto } from '../../read-your-writes/read-model-query.dto.js';

export const AUDIT_LOG_FORMATS = ['json', 'ndjson', 'csv'] as const;
export type AuditLogFormat = (typeof AUDIT_LOG_FORMATS)[number];

/** Limits of the audit log query (named, as every field limit is). */
export const AUDIT_LOG_LIMITS = { actorId: 64, types: 50, typeName: 80, page: 200 } as const;

/** GET /audit/log: every filter optional; they combine (and). */
export class AuditLogQueryDto extends ReadModelQueryDto {
  @ApiPropertyOptional({ description: 'Only actions of this admin (their id; "system" for automation)', maxLength: AUDIT_LOG_LIMITS.actorId })
  @IsOptional()
  @IsString()
  @MaxLength(AUDIT_LOG_LIMITS.actorId)
  actorId?: string;

  @ApiPropertyOptional({ description: 'Event types, comma separated (GET /events/catalog; AdminLoggedIn, CustomerPasswordRevealed, AdminRoleChanged…)', example: 'CustomerPasswordRevealed' })
  @IsOptional()
  @list()
  @ArrayMaxSize(AUDIT_LOG_LIMITS.types)
  @IsString({ each: true })
  @Matches(/^[A-Z][A-Za-z0-9]*$/, { each: true, message: 'type must be event type names (letters and digits)' })
  @MaxLength(AUDIT_LOG_LIMITS.typeName, { each: true })
  type?: string[];

  @ApiPropertyOptional({ description: 'Only events of this customer', minimum: 1 })
  @IsOptional()
  @int()
  @IsInt()
  @Min(1)
  customerId?: number;

  @ApiPropertyOptional({ description: "Only events of these partners' customers (their current partner; comma separated)", example: '1,2' })
  @IsOptional()
  @intList()
  @ArrayMaxSize(AUDIT_LOG_LIMITS.types)
  @IsInt({ each: true })
  @Min(1, { each: true })
  partnerId?: number[];

  @ApiPropertyOptional({ description: 'From this time (inclusive, ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Up to this time (exclusive, ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'Page size 1..200 (json); ndjson and csv stream every matching row', default: 50 })
  @IsOptional()
  @int()
  @IsInt()
  @Min(1)
  @Max(AUDIT_LOG_LIMITS.page)
  limit?: number;

  @OpaqueCursor()
  cursor?: string;

  @ApiPropertyOptional({ enum: AUDIT_LOG_FORMATS, default: 'json', description: 'json: a page; ndjson / csv: the whole selection, streamed as a download' })
  @IsOptional()
  @IsIn(AUDIT_LOG_FORMATS)
  format?: AuditLogFormat;
}
