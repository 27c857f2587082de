import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsString, MaxLength } from 'class-validator';
import { WEBHOOK_EVENTS } from './webhook-events';

export class CreateWebhookDto {
  @ApiProperty({
    description: 'Where the events are POSTed: http(s), a public address unless CRIER_FEEDS_ALLOW_PRIVATE',
  })
  // The last decorator is checked first: a missing url is told what a url must be, not how long it may be.
  @MaxLength(2048, { message: 'url must be at most 2048 characters' })
  @IsString({ message: 'url must be an http or https URL' })
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true, description: 'The events this receiver wants' })
  @IsArray({ message: 'events must be a list of event names' })
  @ArrayNotEmpty({ message: 'events must name at least one event' })
  @ArrayMaxSize(WEBHOOK_EVENTS.length, { message: `events must name at most ${WEBHOOK_EVENTS.length} events` })
  @IsIn(WEBHOOK_EVENTS, { each: true, message: `events must each be one of ${WEBHOOK_EVENTS.join(', ')}` })
  events!: string[];
}
