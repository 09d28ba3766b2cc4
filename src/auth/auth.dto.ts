import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsOptional, IsString, MaxLength } from 'class-validator';
import { EMAIL_MAX_LENGTH } from '../domain-kernel/limits.js';

export class LoginDto {
  @ApiProperty({ example: 'admin@chronicle.local' }) @IsString() @MaxLength(EMAIL_MAX_LENGTH) email!: string;
  @ApiProperty({ format: 'password' }) @IsString() @MaxLength(1024) password!: string;
}

export class RefreshDto {
  @ApiProperty() @IsString() @MaxLength(512) refreshToken!: string;
}

export class LogoutDto {
  @ApiPropertyOptional({ description: 'Instead of the access token, e.g. once it has expired' })
  @IsOptional() @IsString() @MaxLength(512)
  refreshToken?: string;
}

export class ChangeOwnPasswordDto {
  @ApiProperty({ format: 'password' }) @Allow() currentPassword!: unknown;
  @ApiProperty({ format: 'password' }) @Allow() newPassword!: unknown;
}

