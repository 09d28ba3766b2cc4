import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { OptionalText } from '../../../common/body-fields.js';
import { BILLING_TYPES, CUSTOMER_LIMITS, CUSTOMER_STATUSES, SCHEDULED_CHANGE_ACTIONS, type BillingType, type CustomerStatus, type ScheduledChangeAction } from '../../domain/index.js';

export class ScheduleChangeDto {
  @ApiProperty({ enum: SCHEDULED_CHANGE_ACTIONS, description: 'status: change the status; billing_type: change the billing type' })
  @IsIn(SCHEDULED_CHANGE_ACTIONS)
  action: ScheduledChangeAction;

  @ApiPropertyOptional({ enum: CUSTOMER_STATUSES, description: 'The status to set (action status); a status no transition reaches (new) is refused' })
  @IsOptional()
  @IsIn(CUSTOMER_STATUSES)
  status?: CustomerStatus | null;

  @ApiPropertyOptional({ enum: BILLING_TYPES, description: 'The billing type to set (action billing_type)' })
  @IsOptional()
  @IsIn(BILLING_TYPES)
  billingType?: BillingType | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it runs; in the future' })
  @IsISO8601({ strict: true })
  at: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'A hold (action status): back to the status before `at` then; after `at`' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string | null;

  @OptionalText(CUSTOMER_LIMITS.reason, { description: 'Why; shown in the list and in the timeline when it runs' })
  reason?: string | null;
}

export class EditScheduledChangeDto {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'A new time (not once a hold has started)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'A new end of the hold; null: no hold (not once it has started)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string | null;

  @OptionalText(CUSTOMER_LIMITS.reason)
  reason?: string | null;

  @ApiPropertyOptional({ enum: CUSTOMER_STATUSES, description: 'A new target status (action status; not once a hold has started)' })
  @IsOptional()
  @IsIn(CUSTOMER_STATUSES)
  status?: CustomerStatus;

  @ApiPropertyOptional({ enum: BILLING_TYPES, description: 'A new billing type (action billing_type)' })
  @IsOptional()
  @IsIn(BILLING_TYPES)
  billingType?: BillingType;
}

export class CancelScheduledChangeDto {
  @OptionalText(CUSTOMER_LIMITS.reason)
  reason?: string | null;
}
