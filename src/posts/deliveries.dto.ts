import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { PLATFORM_IDS } from '../platforms/platform';
import { DELIVERY_STATUSES, DeliveryStatus } from './statuses';

/** `?status=failed&status=held` and `?status=failed,held` mean the same. */
function statusList({ value }: { value: unknown }): unknown {
  if (typeof value === 'string') return value.split(',');
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]));
  return value;
}

export class ListDeliveriesQuery {
  @ApiPropertyOptional({
    enum: DELIVERY_STATUSES,
    isArray: true,
    description: 'One or more delivery statuses: repeat the parameter or separate them by commas',
  })
  @IsOptional()
  @Transform(statusList)
  @ArrayMaxSize(DELIVERY_STATUSES.length * 2, { message: 'status lists too many statuses' })
  @IsIn(DELIVERY_STATUSES, { each: true, message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus[];

  @ApiPropertyOptional({ enum: PLATFORM_IDS })
  @IsOptional()
  @IsIn(PLATFORM_IDS, { message: `platform must be one of ${PLATFORM_IDS.join(', ')}` })
  platform?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'accountId must be an account id' })
  accountId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'postId must be a post id' })
  postId?: string;

  @ApiPropertyOptional({ description: 'Deliveries scheduled at or after this time (ISO-8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'Deliveries scheduled before this time (ISO-8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO-8601 date-time' })
  to?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(200, { message: 'limit must be at most 200' })
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString({ message: 'cursor must be a string' })
  cursor?: string;
}
