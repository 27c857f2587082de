import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MISSED_RULES, PAUSE_SCOPES } from './pause-rules';
import { MAX_REASON_LENGTH, MAX_SKIP_MINUTES } from './pauses.service';

export class CreatePauseDto {
  @ApiProperty({ enum: PAUSE_SCOPES, description: 'Pause everything, one platform, or one account' })
  @IsIn(PAUSE_SCOPES, { message: `scope must be one of ${PAUSE_SCOPES.join(', ')}` })
  scope!: string;

  @ApiPropertyOptional({
    description: 'The platform id (scope platform) or the account id (scope account); left out for scope all',
  })
  @IsOptional()
  @IsString({ message: 'target must be a platform id or an account id' })
  @MaxLength(100)
  target?: string;

  @ApiPropertyOptional({ description: 'Why: shown on the dashboard and on every delivery that waits for it' })
  @IsOptional()
  @IsString({ message: 'reason must be text' })
  @MaxLength(MAX_REASON_LENGTH)
  reason?: string;

  @ApiPropertyOptional({
    enum: MISSED_RULES,
    default: 'send',
    description:
      'What the resume does with deliveries that fell due while paused: send them, skip those older than ' +
      'skipOlderThanMinutes (the rest are sent), or hold them for a person',
  })
  @IsOptional()
  @IsIn(MISSED_RULES, { message: `missed must be one of ${MISSED_RULES.join(', ')}` })
  missed?: string;

  @ApiPropertyOptional({
    default: 0,
    maximum: MAX_SKIP_MINUTES,
    description:
      'Only with missed skip: a missed delivery scheduled more than this many minutes before the resume is skipped',
  })
  @IsOptional()
  @IsInt({ message: 'skipOlderThanMinutes must be a whole number of minutes' })
  @Min(0)
  @Max(MAX_SKIP_MINUTES)
  skipOlderThanMinutes?: number;
}

export class ListPausesQuery {
  @ApiPropertyOptional({ default: false, description: 'Also the ended pauses (the last 200, newest first)' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'all must be true or false' })
  all?: boolean;
}
