import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { DEFAULT_SPACING_SECONDS } from './feed-schedule';

export class CreateFeedDto {
  @ApiProperty({
    example: 'https://news.example/feed/',
    description: 'An RSS or Atom feed, a WordPress site (wp-json/wp/v2/posts), or a page that names one',
  })
  @IsString()
  @MaxLength(2000)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'url must be an http or https URL' },
  )
  url!: string;

  @ApiProperty({ type: [String], description: 'Every new item is scheduled to these accounts' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true, message: 'accountIds must contain account ids' })
  accountIds!: string[];

  @ApiPropertyOptional({ default: 0, description: 'Seconds between finding an item and posting it' })
  @IsOptional()
  @IsInt({ message: 'delay must be a whole number of seconds' })
  @Min(0)
  @Max(30 * 86400)
  delay?: number;

  @ApiPropertyOptional({
    default: DEFAULT_SPACING_SECONDS,
    description: 'Seconds between two items that arrive together (a burst is spread, never dropped)',
  })
  @IsOptional()
  @IsInt({ message: 'spacing must be a whole number of seconds' })
  @Min(0)
  @Max(86400)
  spacing?: number;

  @ApiPropertyOptional({ description: 'Template for the text composed from each item' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  template?: string;

  @ApiPropertyOptional({ default: false, description: 'Also post the items already in the feed when it is added' })
  @IsOptional()
  @IsBoolean({ message: 'backfill must be true or false' })
  backfill?: boolean;
}

export class FeedItemsQuery {
  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(200)
  limit?: number;
}
