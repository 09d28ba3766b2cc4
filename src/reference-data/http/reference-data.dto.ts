import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { CUSTOMER_ACTIONS, type CustomerAction, ADDITIONAL_FIELD_SCOPES, ADDITIONAL_FIELD_TYPES, ERASURE_REQUIREMENTS, NAME_MAX_LENGTH, REFERENCE_DATA_LIMITS, type ErasureRequirement, type AdditionalFieldScope, type AdditionalFieldType, type AdditionalFieldValue } from '../domain/index.js';
import {
  RequiredText,
  OptionalText,
  RequiredInteger,
  OptionalFlag,
  OptionalOneOf,
} from '../../common/body-fields.js';

export class NamedEntityDto {
  @ApiProperty({ maxLength: NAME_MAX_LENGTH, example: 'North ISP' })
  @IsString()
  @MinLength(1)
  @MaxLength(NAME_MAX_LENGTH)
  name: string;
}

export class AdditionalFieldDefinitionDto {
  @ApiProperty({ pattern: '^[a-z][a-z0-9_]{0,63}$', example: 'contract_id', description: 'Key in the customer\'s additionalFields; immutable' })
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, { message: 'name must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 64)' })
  name: string;

  @RequiredText(REFERENCE_DATA_LIMITS.additionalFieldLabel, { example: 'Contract ID' })
  label: string;

  @ApiProperty({ enum: ADDITIONAL_FIELD_TYPES, description: 'Immutable once defined' })
  @IsIn(ADDITIONAL_FIELD_TYPES)
  type: AdditionalFieldType;

  @OptionalFlag({ default: false })
  required?: boolean;

  @OptionalFlag({ default: false, description: 'Values unique across customers (reserved like logins)' })
  unique?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'Allowed values of select and multiselect fields' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(REFERENCE_DATA_LIMITS.additionalFieldOptions.items)
  @IsString({ each: true })
  @MaxLength(REFERENCE_DATA_LIMITS.additionalFieldOptions.length, { each: true })
  options?: string[];

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'string: minimum length; integer / decimal: minimum value' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  min?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'string: maximum length; integer / decimal: maximum value' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  max?: number | null;

  @ApiPropertyOptional({ description: 'Value applied on create when none is given (checked against the type)', nullable: true })
  @Allow()
  default?: AdditionalFieldValue | null;

  @OptionalFlag({ default: true })
  showInCreateForm?: boolean;

  @OptionalFlag({ default: false })
  showInList?: boolean;

  @OptionalOneOf(ADDITIONAL_FIELD_SCOPES, { default: 'all' })
  appliesTo?: AdditionalFieldScope;
}

/** PATCH: anything but the name; `type` may only be repeated unchanged (409 additional_field.type_immutable). */
export class AdditionalFieldPatchDto {
  @OptionalText(REFERENCE_DATA_LIMITS.additionalFieldLabel, { nullable: false, minLength: 1 })
  label?: string;

  @OptionalOneOf(ADDITIONAL_FIELD_TYPES, { description: 'Cannot change; accepted only unchanged' })
  type?: AdditionalFieldType;

  @OptionalFlag()
  required?: boolean;

  @OptionalFlag()
  unique?: boolean;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(REFERENCE_DATA_LIMITS.additionalFieldOptions.items)
  @IsString({ each: true })
  @MaxLength(REFERENCE_DATA_LIMITS.additionalFieldOptions.length, { each: true })
  options?: string[];

  @ApiPropertyOptional({ type: Number, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  min?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  max?: number | null;

  @ApiPropertyOptional({ nullable: true })
  @Allow()
  default?: AdditionalFieldValue | null;

  @OptionalFlag()
  showInCreateForm?: boolean;

  @OptionalFlag()
  showInList?: boolean;

  @OptionalOneOf(ADDITIONAL_FIELD_SCOPES)
  appliesTo?: AdditionalFieldScope;
}

/**
 * PUT /settings/customers: every setting. Pattern tokens: {id} {rand_string} {rand_number} {year}
 * {month} {day}, a random token may carry its own length ({rand_number:4}).
 */
export class CustomerSettingsDto {
  @ApiProperty({ maxLength: REFERENCE_DATA_LIMITS.credentialPattern, example: '{id}' })
  @IsString()
  @MaxLength(REFERENCE_DATA_LIMITS.credentialPattern)
  loginPattern: string;

  @RequiredInteger({ minimum: REFERENCE_DATA_LIMITS.loginLength.min, maximum: REFERENCE_DATA_LIMITS.loginLength.max, example: 6 })
  loginLength: number;

  @ApiProperty({ maxLength: REFERENCE_DATA_LIMITS.credentialCharset })
  @IsString()
  @MaxLength(REFERENCE_DATA_LIMITS.credentialCharset)
  loginCharset: string;

  @ApiProperty({ maxLength: REFERENCE_DATA_LIMITS.credentialPattern, example: '{rand_string}' })
  @IsString()
  @MaxLength(REFERENCE_DATA_LIMITS.credentialPattern)
  passwordPattern: string;

  @RequiredInteger({ minimum: REFERENCE_DATA_LIMITS.passwordLength.min, maximum: REFERENCE_DATA_LIMITS.passwordLength.max, example: 12 })
  passwordLength: number;

  @ApiProperty({ maxLength: REFERENCE_DATA_LIMITS.credentialCharset })
  @IsString()
  @MaxLength(REFERENCE_DATA_LIMITS.credentialCharset)
  passwordCharset: string;

  @RequiredInteger({ minimum: REFERENCE_DATA_LIMITS.accountNumberLength.min, maximum: REFERENCE_DATA_LIMITS.accountNumberLength.max, example: 10 })
  accountNumberLength: number;

  @ApiProperty({ maxLength: 19, example: '', description: 'Digits the account numbers start with' })
  @IsString()
  @Matches(/^\d{0,19}$/, { message: 'accountNumberPrefix must be at most 19 digits' })
  accountNumberPrefix: string;

  @RequiredInteger({ minimum: REFERENCE_DATA_LIMITS.pinLength.min, maximum: REFERENCE_DATA_LIMITS.pinLength.max, example: 6 })
  pinLength: number;

  @OptionalOneOf(ERASURE_REQUIREMENTS, {
    description: 'What erasing a customer\'s personal data requires besides a zero balance: nothing more, an Inactive customer (default), or a deleted one',
    example: 'inactive',
  })
  erasureRequires?: ErasureRequirement;
  // The billing-driven rules' switches: optional even on PUT (left out, they keep their values).
  @OptionalFlag({ description: 'Recurring customers: blocked automatically past payment due + blocking period; Active again once paid' })
  automaticBlocking?: boolean;

  @OptionalFlag({ description: 'Automatically blocked customers still unpaid after their grace period become Inactive' })
  automaticDeactivation?: boolean;

  @OptionalFlag({ description: 'Prepaid customers: blocked when the balance falls below the minimum; Active again on a top-up' })
  prepaidAutomaticBlocking?: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'object', properties: { automaticBlocking: { type: 'boolean' }, automaticDeactivation: { type: 'boolean' }, prepaidAutomaticBlocking: { type: 'boolean' } } },
    description: 'Per partner id, the switches that differ from the general ones, e.g. {"3": {"automaticBlocking": true}} (replaces the whole map)',
  })
  @IsOptional()
  @IsObject()
  automationByPartner?: Record<string, { automaticBlocking?: boolean; automaticDeactivation?: boolean; prepaidAutomaticBlocking?: boolean }>;

  @ApiPropertyOptional({
    type: [String],
    enum: CUSTOMER_ACTIONS,
    maxItems: CUSTOMER_ACTIONS.length,
    description: 'Customer actions that must carry a `reason` (left out of a PUT: unchanged)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CUSTOMER_ACTIONS.length)
  @IsIn(CUSTOMER_ACTIONS as unknown as string[], { each: true })
  reasonRequiredFor?: CustomerAction[];
}

/** PATCH /settings/customers: any subset. */
export class CustomerSettingsPatchDto extends PartialType(CustomerSettingsDto) {}
