import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PLATFORM_IDS } from '../platforms/platform';

export class CreateAccountDto {
  @ApiProperty({ enum: PLATFORM_IDS })
  @IsIn(PLATFORM_IDS, { message: `platform must be one of ${PLATFORM_IDS.join(', ')}` })
  platform!: string;

  @ApiProperty({ example: 'Newsroom channel' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({
    description: 'Per platform: see GET /api/v1/platforms credentialFields',
    example: { accessToken: '…' },
  })
  @IsObject()
  credentials!: Record<string, string>;

  @ApiPropertyOptional({
    description: 'Per platform: see settingsFields',
    example: { apiBaseUrl: 'https://mastodon.social' },
  })
  @IsOptional()
  @IsObject()
  settings?: Record<string, string>;
}

export class UpdateAccountDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({
    description:
      'Fields given replace the stored ones; new credentials re-activate a held account. Required, complete, when ' +
      'settings.apiBaseUrl moves to another origin (scheme, host, port): stored credentials never follow a move',
  })
  @IsOptional()
  @IsObject()
  credentials?: Record<string, string>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject()
  settings?: Record<string, string>;

  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'], { message: 'status must be active or disabled' })
  status?: string;
}

export class AccountHealthQuery {
  @ApiPropertyOptional({
    description: 'IANA time zone whose midnight starts "today" in health.cost (default UTC)',
    example: 'Europe/Berlin',
  })
  @IsOptional()
  @IsString({ message: 'timezone must be an IANA time zone such as Europe/Berlin' })
  @MaxLength(100, { message: 'timezone must be an IANA time zone such as Europe/Berlin' })
  timezone?: string;
}
