/** POST /customers and PATCH /customers/{id} bodies. Unknown fields are refused (422 unknownField). */
import { ApiHideProperty, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { BILLING_TYPES, CATEGORIES, LOGIN_PATTERN, type BillingType, type Category } from '../../domain/index.js';
import { BillingDto, GeoDto, ISO_DATE, PHONE, VoipDto } from './customer-sections.dto.js';

/** Fields create and PATCH share, all optional; null clears an optional one. */
export class CustomerProfileDto {
  @ApiPropertyOptional({ enum: CATEGORIES, default: 'person' })
  @IsOptional()
  @IsIn(CATEGORIES)
  category?: Category;

  @ApiPropertyOptional({ type: [String], format: 'email', maxItems: 20 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsEmail({}, { each: true })
  @MaxLength(254, { each: true })
  emails?: string[];

  @ApiPropertyOptional({ type: [String], format: 'email', maxItems: 20 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsEmail({}, { each: true })
  @MaxLength(254, { each: true })
  billingEmails?: string[];

  @ApiPropertyOptional({ type: [String], maxItems: 20, example: ['+49 30 1234567'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  @Matches(PHONE, { each: true, message: 'each value in phones must be a phone number (digits, optional leading +, spaces and dashes)' })
  phones?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  street?: string | null;

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

  @ApiPropertyOptional({ type: GeoDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GeoDto)
  geo?: GeoDto | null;

  @ApiPropertyOptional({ type: String, format: 'date', nullable: true, description: 'Person only; not in the future' })
  @IsOptional()
  @IsString()
  @Matches(ISO_DATE, { message: 'dateOfBirth must be a date written YYYY-MM-DD' })
  dateOfBirth?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, description: 'Person only: passport / ID number' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  identification?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, description: 'Company only' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  companyId?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, description: 'Company only' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  vatId?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 255, description: 'Company only' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  contactPerson?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date', description: 'Default: today' })
  @IsOptional()
  @IsString()
  @Matches(ISO_DATE, { message: 'dateAdded must be a date written YYYY-MM-DD' })
  dateAdded?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 50 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  labels?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'name → value, checked against the additional field definitions' })
  @IsOptional()
  @IsObject()
  additionalFields?: Record<string, unknown>;

  @ApiPropertyOptional({ type: BillingDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BillingDto)
  billing?: BillingDto;
}

export class CreateCustomerDto extends CustomerProfileDto {
  @ApiProperty({ maxLength: 255, example: 'John Doe' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  fullName: string;

  @ApiProperty({ minimum: 1 })
  @IsInt()
  @Min(1)
  partnerId: number;

  @ApiProperty({ minimum: 1 })
  @IsInt()
  @Min(1)
  locationId: number;

  @ApiPropertyOptional({ enum: BILLING_TYPES, default: 'recurring' })
  @IsOptional()
  @IsIn(BILLING_TYPES)
  billingType?: BillingType;

  @ApiPropertyOptional({ maxLength: 64, pattern: LOGIN_PATTERN.source, description: 'Generated from the customer settings when omitted; unique (409 customer.login.taken)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(LOGIN_PATTERN, { message: 'login may hold only letters, digits and . _ @ + -' })
  login?: string;

  @ApiPropertyOptional({
    maxLength: 128,
    format: 'password',
    description: 'Portal password; generated when omitted. At least 8 characters with a letter and a digit, not the login. Stored only encrypted.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  password?: string;

  @ApiPropertyOptional({ type: VoipDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => VoipDto)
  voip?: VoipDto;
}

/**
 * PATCH: any subset. Status, billing type and password have their own endpoints (422 readOnly here);
 * `voip.accountNumber` may only be sent unchanged.
 */
export class PatchCustomerDto extends CustomerProfileDto {
  @ApiPropertyOptional({ maxLength: 64, pattern: LOGIN_PATTERN.source, description: 'Unique; the old login is freed' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(LOGIN_PATTERN, { message: 'login may hold only letters, digits and . _ @ + -' })
  login?: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  fullName?: string;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  partnerId?: number;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  locationId?: number;

  @ApiPropertyOptional({ type: VoipDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => VoipDto)
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
