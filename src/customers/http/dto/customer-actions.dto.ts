/** Bodies of the customer action and sub-resource endpoints. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  BILLING_TYPES,
  COMMENT_TYPES,
  HARDWARE_STATUSES,
  NOTE_KINDS,
  PAYMENT_METHODS,
  type BillingType,
  type CommentType,
  type HardwareStatus,
  type NoteKind,
  type PaymentMethod,
} from '../../domain/index.js';
import { FINITE, GeoDto, PHONE } from './customer-sections.dto.js';

export class ReasonDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500, description: 'Why; recorded in the event' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string | null;
}

export const TARGET_STATUSES = ['active', 'blocked', 'inactive'] as const;

export class ChangeStatusDto extends ReasonDto {
  @ApiProperty({ enum: TARGET_STATUSES, description: 'new → active | blocked | inactive; active ↔ blocked; active | blocked → inactive; inactive → active' })
  @IsIn(TARGET_STATUSES)
  status: (typeof TARGET_STATUSES)[number];
}

export class ChangeBillingTypeDto extends ReasonDto {
  @ApiProperty({ enum: BILLING_TYPES })
  @IsIn(BILLING_TYPES)
  billingType: BillingType;
}

export class ConvertLeadToCustomerDto extends ReasonDto {
  @ApiPropertyOptional({ enum: ['active', 'new'], default: 'active' })
  @IsOptional()
  @IsIn(['active', 'new'])
  status?: 'active' | 'new';
}

export class BulkDeleteDto extends ReasonDto {
  @ApiProperty({ type: [Number], minItems: 1, maxItems: 500 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsInt({ each: true })
  @Min(1, { each: true })
  ids: number[];
}

export class ResetPasswordDto extends ReasonDto {
  @ApiPropertyOptional({ format: 'password', maxLength: 128, description: 'Omitted: generated from the customer settings. Reveal it through the audited /password/reveal.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  password?: string;
}

export class ImpersonateDto extends ReasonDto {
  @ApiPropertyOptional({ minimum: 60, maximum: 3600, default: 900, description: 'Lifetime of the portal token in seconds' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(3600)
  ttlSeconds?: number;
}

export class AddCommentDto {
  @ApiProperty({ maxLength: 10000 })
  @IsString()
  @MinLength(1)
  @MaxLength(10000)
  text: string;

  @ApiPropertyOptional({ enum: COMMENT_TYPES, default: 'comment' })
  @IsOptional()
  @IsIn(COMMENT_TYPES)
  type?: CommentType;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  pinned?: boolean;
}

export class EditCommentDto {
  @ApiPropertyOptional({ maxLength: 10000 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(10000)
  text?: string;

  @ApiPropertyOptional({ enum: COMMENT_TYPES })
  @IsOptional()
  @IsIn(COMMENT_TYPES)
  type?: CommentType;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  pinned?: boolean;
}

export class AddNoteDto {
  @ApiProperty({ maxLength: 10000 })
  @IsString()
  @MinLength(1)
  @MaxLength(10000)
  text: string;

  @ApiPropertyOptional({ enum: NOTE_KINDS, default: 'internal' })
  @IsOptional()
  @IsIn(NOTE_KINDS)
  kind?: NoteKind;

  @ApiPropertyOptional({ default: false, description: 'Shown as a pop-up alert when the profile is opened' })
  @IsOptional()
  @IsBoolean()
  popup?: boolean;
}

export class EditNoteDto {
  @ApiPropertyOptional({ maxLength: 10000 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(10000)
  text?: string;

  @ApiPropertyOptional({ enum: NOTE_KINDS })
  @IsOptional()
  @IsIn(NOTE_KINDS)
  kind?: NoteKind;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  popup?: boolean;
}

export class GrantCapBonusDto {
  @ApiProperty({ minimum: 1, maximum: 100_000_000, description: 'Bonus data in megabytes' })
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  megabytes: number;

  @ApiProperty({ maxLength: 500 })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'In the future; omitted: no expiry' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string | null;
}

export class AssignHardwareDto {
  @ApiProperty({ maxLength: 64, description: 'Inventory item id' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  itemId: string;

  @ApiProperty({ maxLength: 255 })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  productName: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  barcode?: string | null;

  @ApiPropertyOptional({ enum: HARDWARE_STATUSES, default: 'assigned' })
  @IsOptional()
  @IsIn(HARDWARE_STATUSES)
  status?: HardwareStatus;
}

export class AddContactDto {
  @ApiProperty({ maxLength: 255 })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  role?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'email' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 32 })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  @Matches(PHONE, { message: 'phone must be a phone number (digits, optional leading +, spaces and dashes)' })
  phone?: string | null;
}

export class AddAddressDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, example: 'Billing' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  label?: string | null;

  @ApiProperty({ maxLength: 255 })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  street: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  street2?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 16 })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  zipCode?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  city?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'DE', description: 'ISO 3166-1 alpha-2' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country?: string | null;

  @ApiPropertyOptional({ type: GeoDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GeoDto)
  geo?: GeoDto | null;
}

export class RecordPaymentDto {
  @ApiProperty({ exclusiveMinimum: true, minimum: 0, example: 25.5 })
  @IsNumber(FINITE)
  @IsPositive()
  @Max(1_000_000_000)
  amount: number;

  @ApiPropertyOptional({ enum: PAYMENT_METHODS, nullable: true })
  @IsOptional()
  @IsIn(PAYMENT_METHODS)
  method?: PaymentMethod | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  reference?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string | null;
}

export class RecordChargeDto {
  @ApiProperty({ exclusiveMinimum: true, minimum: 0, example: 9.99 })
  @IsNumber(FINITE)
  @IsPositive()
  @Max(1_000_000_000)
  amount: number;

  @ApiProperty({ maxLength: 255 })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  description: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  reference?: string | null;
}

export class EventsQueryDto {
  @ApiPropertyOptional({ minimum: 0, description: 'First revision to return' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  fromRevision?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class StateQueryDto {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'The customer as it was at this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;

  @ApiPropertyOptional({ minimum: 0, description: 'The customer right after this stream revision' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  revision?: number;
}

export class AuditExportQueryDto {
  @ApiPropertyOptional({ enum: ['json', 'ndjson'], default: 'json', description: 'json: one document; ndjson: a header line, then one event per line' })
  @IsOptional()
  @IsIn(['json', 'ndjson'])
  format?: 'json' | 'ndjson';
}
