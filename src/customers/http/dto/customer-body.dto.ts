/** POST /customers and PATCH /customers/{id} bodies. Unknown fields are refused (422 unknownField). */
import { ApiHideProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { BILLING_TYPES, CATEGORIES, CUSTOMER_LIMITS, LOGIN_PATTERN, type BillingType, type Category } from '../../domain/index.js';
import { PORTAL_PASSWORD_MAX_LENGTH, PORTAL_PASSWORD_MIN_LENGTH } from '../../../domain-kernel/limits.js';
import { BillingDto, GeoDto, ISO_DATE, PHONE, VoipDto } from './customer-sections.dto.js';
import {
  RequiredText,
  OptionalText,
  RequiredInteger,
  OptionalInteger,
  OptionalOneOf,
  OptionalNested,
  OptionalTextList,
  OptionalEmailList,
} from '../../../common/body-fields.js';

const LOGIN_RULE = { pattern: LOGIN_PATTERN, message: 'login may hold only letters, digits and . _ @ + -' };

/** Fields create and PATCH share, all optional; null clears an optional one. */
export class CustomerProfileDto {
  @OptionalOneOf(CATEGORIES, { default: 'person' })
  category?: Category;

  @OptionalEmailList(CUSTOMER_LIMITS.emails.items)
  emails?: string[];

  @OptionalEmailList(CUSTOMER_LIMITS.emails.items)
  billingEmails?: string[];

  @ApiPropertyOptional({ type: [String], maxItems: CUSTOMER_LIMITS.phones.items, example: ['+49 30 1234567'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CUSTOMER_LIMITS.phones.items)
  @IsString({ each: true })
  @MaxLength(CUSTOMER_LIMITS.phones.length, { each: true })
  @Matches(PHONE, { each: true, message: 'each value in phones must be a phone number (digits, optional leading +, spaces and dashes)' })
  phones?: string[];

  @OptionalText(CUSTOMER_LIMITS.street)
  street?: string | null;

  @OptionalText(CUSTOMER_LIMITS.street2)
  street2?: string | null;

  @OptionalText(CUSTOMER_LIMITS.zipCode)
  zipCode?: string | null;

  @OptionalText(CUSTOMER_LIMITS.city)
  city?: string | null;

  @OptionalNested(() => GeoDto, { nullable: true })
  geo?: GeoDto | null;

  @ApiPropertyOptional({ type: String, format: 'date', nullable: true, description: 'Person only; not in the future' })
  @IsOptional()
  @IsString()
  @Matches(ISO_DATE, { message: 'dateOfBirth must be a date written YYYY-MM-DD' })
  dateOfBirth?: string | null;

  @OptionalText(CUSTOMER_LIMITS.identification, { description: 'Person only: passport / ID number' })
  identification?: string | null;

  @OptionalText(CUSTOMER_LIMITS.companyId, { description: 'Company only' })
  companyId?: string | null;

  @OptionalText(CUSTOMER_LIMITS.vatId, { description: 'Company only' })
  vatId?: string | null;

  @OptionalText(CUSTOMER_LIMITS.contactPerson, { description: 'Company only' })
  contactPerson?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date', description: 'Default: today' })
  @IsOptional()
  @IsString()
  @Matches(ISO_DATE, { message: 'dateAdded must be a date written YYYY-MM-DD' })
  dateAdded?: string;

  @OptionalTextList(CUSTOMER_LIMITS.labels.items, CUSTOMER_LIMITS.labels.length)
  labels?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'name → value, checked against the additional field definitions' })
  @IsOptional()
  @IsObject()
  additionalFields?: Record<string, unknown>;

  @OptionalNested(() => BillingDto)
  billing?: BillingDto;
}

export class CreateCustomerDto extends CustomerProfileDto {
  @RequiredText(CUSTOMER_LIMITS.fullName, { example: 'John Doe' })
  fullName: string;

  @RequiredInteger({ minimum: 1 })
  partnerId: number;

  @RequiredInteger({ minimum: 1 })
  locationId: number;

  @OptionalOneOf(BILLING_TYPES, { default: 'recurring' })
  billingType?: BillingType;

  @OptionalText(CUSTOMER_LIMITS.login, { nullable: false, matches: LOGIN_RULE, description: 'Generated from the customer settings when omitted; unique (409 customer.login.taken)' })
  login?: string;

  @OptionalText(PORTAL_PASSWORD_MAX_LENGTH, {
    nullable: false,
    format: 'password',
    description: `Portal password; generated when omitted. At least ${PORTAL_PASSWORD_MIN_LENGTH} characters with a letter and a digit, not the login. Stored only encrypted.`,
  })
  password?: string;

  @OptionalNested(() => VoipDto)
  voip?: VoipDto;
}

/**
 * PATCH: any subset. Status, billing type and password have their own endpoints (422 readOnly here);
 * `voip.accountNumber` may only be sent unchanged.
 */
export class PatchCustomerDto extends CustomerProfileDto {
  @OptionalText(CUSTOMER_LIMITS.login, { nullable: false, matches: LOGIN_RULE, description: 'Unique; the old login is freed' })
  login?: string;

  @OptionalText(CUSTOMER_LIMITS.fullName, { nullable: false, minLength: 1 })
  fullName?: string;

  @OptionalInteger({ minimum: 1 })
  partnerId?: number;

  @OptionalInteger({ minimum: 1 })
  locationId?: number;

  @OptionalNested(() => VoipDto)
  voip?: VoipDto;

  // Read-only here: let through so the decider answers 422 `readOnly` naming the endpoint to use.
  @ApiHideProperty()
  @Allow()
  status?: unknown;

  @ApiHideProperty()
  @Allow()
  billingType?: unknown;

  @ApiHideProperty()
  @Allow()
  password?: unknown;

  @ApiHideProperty()
  @Allow()
  id?: unknown;

  @ApiHideProperty()
  @Allow()
  balance?: unknown;
}
