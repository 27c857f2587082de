import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { POST_STATUSES } from './statuses';

export class CreatePostDto {
  @ApiPropertyOptional({ description: 'Compose from this article (or give text)' })
  @IsOptional()
  @IsString()
  articleId?: string;

  @ApiPropertyOptional({ description: 'Text written by the user, sent as is to every account' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100_000)
  text?: string;

  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true, message: 'accountIds must contain account ids' })
  accountIds!: string[];

  @ApiPropertyOptional({
    example: '2026-12-01T09:00:00+01:00',
    description: 'ISO-8601 with offset, or local time with timezone',
  })
  @IsOptional()
  @IsString()
  scheduledAt?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin' })
  @IsOptional()
  @IsString()
  timezone?: string;

  @ApiPropertyOptional({ description: '{<accountId>: {text}}', example: {} })
  @IsOptional()
  @IsObject()
  overrides?: Record<string, { text: string }>;
}

export class ReschedulePostDto {
  @ApiProperty({ example: '2026-12-01T10:00:00Z' })
  @IsString()
  scheduledAt!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  timezone?: string;
}

export class ListPostsQuery {
  @ApiPropertyOptional({ enum: POST_STATUSES })
  @IsOptional()
  @IsIn(POST_STATUSES, { message: `status must be one of ${POST_STATUSES.join(', ')}` })
  status?: (typeof POST_STATUSES)[number];

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO-8601 date-time' })
  to?: string;

  @ApiPropertyOptional({ default: 20, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  cursor?: string;
}
