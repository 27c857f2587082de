import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { QueueService } from './queue.service';

@ApiTags('queues')
@ApiBearerAuth()
@Controller('api/v1')
export class QueuesController {
  constructor(private readonly queues: QueueService) {}

  @Get('queues')
  list() {
    return this.queues.counts();
  }
}
