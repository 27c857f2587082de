import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PLATFORM_IDS } from '../platforms/platform';

const HTTP_URL = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class CreateArticleDto {
  @ApiProperty({ example: 'https://news.example/2026/11/council-vote' })
  @IsUrl(HTTP_URL, { message: 'url must be an http(s) URL' })
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ example: 'Council approves the new budget' })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  title!: string;

  @ApiPropertyOptional({ description: 'Article body as HTML (or give text)' })
  @IsOptional()
  @IsString()
  html?: string;

  @ApiPropertyOptional({ description: 'Article body as plain text (or give html)' })
  @IsOptional()
  @IsString()
  text?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl(HTTP_URL, { message: 'imageUrl must be an http(s) URL' })
  imageUrl?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl(HTTP_URL, { message: 'videoUrl must be an http(s) URL' })
  videoUrl?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  tags?: string[];
}

export class PreviewDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  articleId?: string;

  @ApiPropertyOptional({ type: CreateArticleDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CreateArticleDto)
  article?: CreateArticleDto;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true, message: 'accountIds must contain account ids' })
  accountIds?: string[];

  @ApiPropertyOptional({ enum: PLATFORM_IDS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(PLATFORM_IDS, { each: true, message: `platforms must contain platform ids (${PLATFORM_IDS.join(', ')})` })
  platforms?: string[];
}
