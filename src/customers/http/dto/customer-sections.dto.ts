/**
 * The nested sections of the customer write bodies (geo, VoIP account, billing settings), validated
 * at the edge: wrong types, out-of-range numbers, malformed emails / codes / dates are a 422 naming
 * the field (`voip.cps`, `geo.lat`) and the rule. The decider checks the same rules again.
 */
import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import {
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsTimeZone,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { ACCOUNT_TYPES, BILLING_SCHEDULES, CUSTOMER_LIMITS, PAYMENT_METHODS, type AccountType, type BillingSchedule, type PaymentMethod } from '../../domain/index.js';
import {
  OptionalText,
  OptionalInteger,
  OptionalFlag,
  OptionalOneOf,
  OptionalTextList,
  OptionalEmail,
} from '../../../common/body-fields.js';

export const FINITE = { allowNaN: false, allowInfinity: false } as const;
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Digits with an optional leading +, spaces and dashes between (as the domain's isPhone). */
export const PHONE = /^\+?[0-9](?:[0-9 -]*[0-9])?$/;

export class GeoDto {
  @ApiProperty({ minimum: -90, maximum: 90, example: 52.52 })
  @IsNumber(FINITE)
  @Min(-90)
  @Max(90)
  lat: number;

  @ApiProperty({ minimum: -180, maximum: 180, example: 13.405 })
  @IsNumber(FINITE)
  @Min(-180)
  @Max(180)
  lng: number;
}

/** ASTPP account settings. On create, accountNumber and pin are generated when omitted; on PATCH the account number is read-only. */
export class VoipDto {
  @ApiPropertyOptional({ pattern: '^\\d{1,20}$', description: 'Create: generated (customer settings) when omitted, unique. PATCH: read-only (409 when changed).' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,20}$/, { message: 'voip.accountNumber must be 1–20 digits' })
  accountNumber?: string;

  @ApiPropertyOptional({
    pattern: '^\\d{4,20}$',
    description:
      'Calling-card PIN: exactly the customer settings\' pinLength digits (422 voip.pin:length otherwise); generated on create when omitted. Stored only sealed; never shown except by the audited reveal',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\d{4,20}$/, { message: 'voip.pin must be 4–20 digits' })
  pin?: string;

  @OptionalInteger({ type: Number, nullable: true, minimum: 1 })
  resellerId?: number | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'No new calls after it' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiryDate?: string | null;

  @OptionalInteger({ type: Number, nullable: true, minimum: 0, maximum: CUSTOMER_LIMITS.validDays })
  validDays?: number | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsISO8601({ strict: true })
  firstUsedAt?: string | null;

  @OptionalInteger({ minimum: 0, maximum: CUSTOMER_LIMITS.concurrentCalls, description: '0 = unlimited' })
  concurrentCalls?: number;

  @OptionalInteger({ minimum: 0, maximum: CUSTOMER_LIMITS.cps, description: 'Calls per second; 0 = unlimited' })
  cps?: number;

  @OptionalFlag()
  localCalls?: boolean;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  localCallChargePerMinute?: number;

  @OptionalFlag()
  recording?: boolean;

  @OptionalFlag()
  ipManagement?: boolean;

  @OptionalFlag()
  notifications?: boolean;

  @OptionalFlag()
  paymentGatewayPermission?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'EUR', description: 'ISO 4217' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z]{3}$/, { message: 'voip.currency must be an ISO 4217 code of 3 letters' })
  currency?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Europe/Berlin', description: 'IANA time zone' })
  @IsOptional()
  @IsString()
  @IsTimeZone()
  timezone?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'DE', description: 'ISO 3166-1 alpha-2' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z]{2}$/, { message: 'voip.country must be an ISO 3166-1 alpha-2 code' })
  country?: string | null;

  @OptionalText(CUSTOMER_LIMITS.province)
  province?: string | null;

  @OptionalEmail()
  lowCreditNotificationEmail?: string | null;
}

export class BillingDto {
  @OptionalOneOf(ACCOUNT_TYPES, { default: 'prepaid' })
  accountType?: AccountType;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, description: 'Postpaid only (409 customer.billing.credit_limit_requires_postpaid on prepaid)' })
  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  creditLimit?: number | null;

  @OptionalText(CUSTOMER_LIMITS.rateGroup)
  rateGroup?: string | null;

  @OptionalOneOf(BILLING_SCHEDULES, { default: 'monthly' })
  schedule?: BillingSchedule;

  @OptionalInteger({ minimum: 1, maximum: CUSTOMER_LIMITS.billingDay, default: 1 })
  billingDay?: number;

  @OptionalInteger({ minimum: 0, maximum: CUSTOMER_LIMITS.paymentDueDays, default: 15 })
  paymentDueDays?: number;

  @OptionalInteger({ type: Number, nullable: true, minimum: 0, maximum: CUSTOMER_LIMITS.blockingPeriodDays })
  blockingPeriodDays?: number | null;

  @OptionalInteger({ type: Number, nullable: true, minimum: 1, maximum: CUSTOMER_LIMITS.gracePeriodDays, default: 10 })
  gracePeriodDays?: number | null;

  @ApiPropertyOptional({ description: 'Balance under which the customer is blocked; may be negative' })
  @IsOptional()
  @IsNumber(FINITE)
  minimumBalance?: number;

  @OptionalTextList(CUSTOMER_LIMITS.taxes.items, CUSTOMER_LIMITS.taxes.length)
  taxes?: string[];

  @OptionalText(CUSTOMER_LIMITS.taxNumber)
  taxNumber?: string | null;

  @OptionalText(CUSTOMER_LIMITS.invoiceNote)
  invoiceNote?: string | null;

  @OptionalText(CUSTOMER_LIMITS.billingReference)
  reference?: string | null;

  @OptionalOneOf(PAYMENT_METHODS, { nullable: true })
  paymentMethod?: PaymentMethod | null;
}
