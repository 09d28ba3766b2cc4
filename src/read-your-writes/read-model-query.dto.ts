import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { POSITION_PATTERN } from './read-your-writes.js';

/** Base of every read-model query DTO: `?minPosition=` (read-your-writes). */
export class ReadModelQueryDto {
  @ApiPropertyOptional({
    description: 'Wait (bounded, then 504) until the read models have processed this global position, as returned by a write; 422 for one that is no position of the store, or that no event was recorded at',
    example: '00000000000000000742:0000000000000000123',
  })
  @IsOptional()
  @IsString()
  @Matches(POSITION_PATTERN, { message: 'minPosition must be a position returned by a write' })
  minPosition?: string;
}
