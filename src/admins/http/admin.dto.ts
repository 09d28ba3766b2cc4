import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { Allow, IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ADMIN_LIMITS, PERMISSIONS } from '../domain/index.js';

// Bodies only whitelist their fields here; the domain validates values (one 422 with every field error).

export class CreateAdminDto {
  @ApiProperty({ example: 'agent@isp.example' }) @Allow() email!: unknown;
  @ApiProperty({ example: 'Ana Agent' }) @Allow() name!: unknown;
  @ApiProperty({ example: 'manager', description: 'A built-in or custom role name (GET /roles)' }) @Allow() role!: unknown;
  @ApiPropertyOptional({ type: [Number], description: 'Partners the admin may see; empty or omitted = every partner' }) @Allow() partnerIds?: unknown;
  @ApiProperty({ format: 'password', description: 'At least 10 characters, at most 72 bytes' }) @Allow() password!: unknown;
}

export class UpdateAdminDto {
  @ApiPropertyOptional() @Allow() email?: unknown;
  @ApiPropertyOptional() @Allow() name?: unknown;
  @ApiPropertyOptional() @Allow() role?: unknown;
  @ApiPropertyOptional({ type: [Number] }) @Allow() partnerIds?: unknown;
  @ApiPropertyOptional({ format: 'password', description: 'A new password; ends the admin’s other sessions' }) @Allow() password?: unknown;
  @ApiPropertyOptional({ format: 'password', description: 'Your current password: required to change your own password or email' })
  @Allow()
  currentPassword?: unknown;
}

export class DeactivateAdminDto {
  @ApiPropertyOptional({ maxLength: ADMIN_LIMITS.roleDescription }) @Allow() reason?: unknown;
}

export class ListAdminsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(512) cursor?: string;
  @ApiPropertyOptional({ description: 'Search in email and name' }) @IsOptional() @IsString() @MaxLength(254) q?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(ADMIN_LIMITS.roleName) role?: string;
}

export class DefineRoleDto {
  @ApiProperty({ example: 'support-agent', pattern: '^[a-z][a-z0-9-]{1,62}$' }) @Allow() name!: unknown;
  @ApiPropertyOptional({ example: 'Support agent' }) @Allow() label?: unknown;
  @ApiPropertyOptional({ example: 'Answers customers’ questions; changes nothing', maxLength: ADMIN_LIMITS.roleDescription }) @Allow() description?: unknown;
  @ApiProperty({ enum: PERMISSIONS, isArray: true }) @Allow() permissions!: unknown;
}

export class ChangeRoleDto {
  @ApiPropertyOptional() @Allow() label?: unknown;
  @ApiPropertyOptional({ maxLength: ADMIN_LIMITS.roleDescription, description: 'What the role is for; "" or null clears it' }) @Allow() description?: unknown;
  @ApiPropertyOptional({ enum: PERMISSIONS, isArray: true }) @Allow() permissions?: unknown;
}
