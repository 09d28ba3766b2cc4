/** Bodies of the customer action and sub-resource endpoints. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
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
  CUSTOMER_LIMITS,
} from '../../domain/index.js';
import { PORTAL_PASSWORD_MAX_LENGTH } from '../../../domain-kernel/limits.js';
import { FINITE, GeoDto, PHONE } from './customer-sections.dto.js';
import {
  RequiredText,
  OptionalText,
  RequiredInteger,
  OptionalInteger,
  OptionalFlag,
  OptionalOneOf,
  OptionalNested,
  OptionalEmail,
} from '../../../common/body-fields.js';

/** A revision (digits) or an ISO 8601 date-time. */
const REVISION_OR_TIME = /^(\d{1,9}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))$/;

export class EraseDto {
  @RequiredText(CUSTOMER_LIMITS.reason, { description: 'Why the personal data is erased (e.g. the request it answers); required, recorded in the event' })
  reason: string;
}

export class ReasonDto {
  @OptionalText(CUSTOMER_LIMITS.reason, { description: 'Why; recorded in the event' })
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
  @ApiPropertyOptional({ format: 'password', maxLength: PORTAL_PASSWORD_MAX_LENGTH, description: 'Omitted: generated from the customer settings. Reveal it through the audited /password/reveal.' })
  @IsOptional()
  @IsString()
  @MaxLength(PORTAL_PASSWORD_MAX_LENGTH)
  password?: string;
}

export class ImpersonateDto extends ReasonDto {
  @OptionalInteger({ minimum: 60, maximum: 3600, default: 900, description: 'Lifetime of the portal token in seconds' })
  ttlSeconds?: number;
}

export class AddCommentDto {
  @RequiredText(CUSTOMER_LIMITS.noteText)
  text: string;

  @OptionalOneOf(COMMENT_TYPES, { default: 'comment' })
  type?: CommentType;

  @OptionalFlag({ default: false })
  pinned?: boolean;
}

export class EditCommentDto {
  @OptionalText(CUSTOMER_LIMITS.noteText, { nullable: false, minLength: 1 })
  text?: string;

  @OptionalOneOf(COMMENT_TYPES)
  type?: CommentType;

  @OptionalFlag()
  pinned?: boolean;
}

export class AddNoteDto {
  @RequiredText(CUSTOMER_LIMITS.noteText)
  text: string;

  @OptionalOneOf(NOTE_KINDS, { default: 'internal' })
  kind?: NoteKind;

  @OptionalFlag({ default: false, description: 'Shown as a pop-up alert when the profile is opened' })
  popup?: boolean;
}

export class EditNoteDto {
  @OptionalText(CUSTOMER_LIMITS.noteText, { nullable: false, minLength: 1 })
  text?: string;

  @OptionalOneOf(NOTE_KINDS)
  kind?: NoteKind;

  @OptionalFlag()
  popup?: boolean;
}

export class GrantCapBonusDto {
  @RequiredInteger({ minimum: 1, maximum: CUSTOMER_LIMITS.capMegabytes, description: 'Bonus data in megabytes' })
  megabytes: number;

  @RequiredText(CUSTOMER_LIMITS.capReason)
  reason: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'In the future; omitted: no expiry' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string | null;
}

export class AssignHardwareDto {
  @RequiredText(CUSTOMER_LIMITS.hardwareItemId, { description: 'Inventory item id' })
  itemId: string;

  @RequiredText(CUSTOMER_LIMITS.hardwareProductName)
  productName: string;

  @OptionalText(CUSTOMER_LIMITS.hardwareBarcode)
  barcode?: string | null;

  @OptionalOneOf(HARDWARE_STATUSES, { default: 'assigned' })
  status?: HardwareStatus;
}

export class AddContactDto {
  @RequiredText(CUSTOMER_LIMITS.contactName)
  name: string;

  @OptionalText(CUSTOMER_LIMITS.contactRole)
  role?: string | null;

  @OptionalEmail()
  email?: string | null;

  @OptionalText(CUSTOMER_LIMITS.phones.length)
  @Matches(PHONE, { message: 'phone must be a phone number (digits, optional leading +, spaces and dashes)' })
  phone?: string | null;
}

export class AddAddressDto {
  @OptionalText(CUSTOMER_LIMITS.addressLabel, { example: 'Billing' })
  label?: string | null;

  @RequiredText(CUSTOMER_LIMITS.street)
  street: string;

  @OptionalText(CUSTOMER_LIMITS.street2)
  street2?: string | null;

  @OptionalText(CUSTOMER_LIMITS.zipCode)
  zipCode?: string | null;

  @OptionalText(CUSTOMER_LIMITS.city)
  city?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'DE', description: 'ISO 3166-1 alpha-2' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country?: string | null;

  @OptionalNested(() => GeoDto, { nullable: true })
  geo?: GeoDto | null;
}

export class RecordPaymentDto {
  @ApiProperty({ exclusiveMinimum: true, minimum: 0, example: 25.5 })
  @IsNumber(FINITE)
  @IsPositive()
  @Max(CUSTOMER_LIMITS.moneyAmount)
  amount: number;

  @OptionalOneOf(PAYMENT_METHODS, { nullable: true })
  method?: PaymentMethod | null;

  @OptionalText(CUSTOMER_LIMITS.paymentReference)
  reference?: string | null;

  @OptionalText(CUSTOMER_LIMITS.paymentNote)
  note?: string | null;
}

export class RecordChargeDto {
  @ApiProperty({ exclusiveMinimum: true, minimum: 0, example: 9.99 })
  @IsNumber(FINITE)
  @IsPositive()
  @Max(CUSTOMER_LIMITS.moneyAmount)
  amount: number;

  @RequiredText(CUSTOMER_LIMITS.chargeDescription)
  description: string;

  @OptionalText(CUSTOMER_LIMITS.chargeReference)
  reference?: string | null;
}

export class EventsQueryDto {
  @ApiPropertyOptional({ minimum: 0, description: 'First revision to return' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  // Beyond it a revision cannot be a stream's (and 1e308 passes @IsInt): refused here, not by the database.
  @Max(Number.MAX_SAFE_INTEGER)
  fromRevision?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'nextCursor of the previous page (the same as fromRevision, which it overrides)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  // Beyond it a revision cannot be a stream's (and 1e308 passes @IsInt): refused here, not by the database.
  @Max(Number.MAX_SAFE_INTEGER)
  cursor?: number;

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
  // Beyond it a revision cannot be a stream's (and 1e308 passes @IsInt): refused here, not by the database.
  @Max(Number.MAX_SAFE_INTEGER)
  revision?: number;
}

export const HISTORY_EXPORT_FORMATS = ['json', 'ndjson', 'csv'] as const;

export class AuditExportQueryDto {
  @ApiPropertyOptional({
    enum: HISTORY_EXPORT_FORMATS,
    default: 'json',
    description: 'json: one document; ndjson: a header line, then one event per line; csv: one row per field change (time, actor, ip, reason, event, field, from, to)',
  })
  @IsOptional()
  @IsIn(HISTORY_EXPORT_FORMATS)
  format?: (typeof HISTORY_EXPORT_FORMATS)[number];
}

/** GET /customers/{id}/diff: each side a revision (digits) or an ISO 8601 time. */
export class DiffQueryDto {
  @ApiProperty({ description: 'A revision (e.g. 3) or an ISO 8601 time', example: '3' })
  @IsString()
  @MaxLength(CUSTOMER_LIMITS.diffBound)
  @Matches(REVISION_OR_TIME, { message: 'from must be a revision or an ISO 8601 time' })
  from: string;

  @ApiProperty({ description: 'A revision or an ISO 8601 time, after from', example: '2026-06-30T23:59:59Z' })
  @IsString()
  @MaxLength(CUSTOMER_LIMITS.diffBound)
  @Matches(REVISION_OR_TIME, { message: 'to must be a revision or an ISO 8601 time' })
  to: string;
}

/** POST /customers/{id}/revert. */
export class RevertDto extends ReasonDto {
  @RequiredInteger({ minimum: 0, description: 'The stream revision whose change to undo (GET /customers/{id}/activity)' })
  revision: number;
}
