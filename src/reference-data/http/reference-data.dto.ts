import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ADDITIONAL_FIELD_SCOPES, ADDITIONAL_FIELD_TYPES, NAME_MAX_LENGTH, type AdditionalFieldScope, type AdditionalFieldType, type AdditionalFieldValue } from '../domain/index.js';
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

  @RequiredText(128, { example: 'Contract ID' })
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
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
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
  @OptionalText(128, { nullable: false, minLength: 1 })
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
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
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
  @ApiProperty({ maxLength: 64, example: '{id}' })
  @IsString()
  @MaxLength(64)
  loginPattern: string;

  @RequiredInteger({ minimum: 1, maximum: 32, example: 6 })
  loginLength: number;

  @ApiProperty({ maxLength: 256 })
  @IsString()
  @MaxLength(256)
  loginCharset: string;

  @ApiProperty({ maxLength: 64, example: '{rand_string}' })
  @IsString()
  @MaxLength(64)
  passwordPattern: string;

  @RequiredInteger({ minimum: 8, maximum: 128, example: 12 })
  passwordLength: number;

  @ApiProperty({ maxLength: 256 })
  @IsString()
  @MaxLength(256)
  passwordCharset: string;

  @RequiredInteger({ minimum: 4, maximum: 20, example: 10 })
  accountNumberLength: number;

  @ApiProperty({ maxLength: 19, example: '', description: 'Digits the account numbers start with' })
  @IsString()
  @Matches(/^\d{0,19}$/, { message: 'accountNumberPrefix must be at most 19 digits' })
  accountNumberPrefix: string;

  @RequiredInteger({ minimum: 4, maximum: 20, example: 6 })
  pinLength: number;
}

/** PATCH /settings/customers: any subset. */
export class CustomerSettingsPatchDto extends PartialType(CustomerSettingsDto) {}
