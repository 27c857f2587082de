import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueuesOverviewService } from './queues-overview.service';

@ApiTags('queues')
@ApiBearerAuth()
@Controller('api/v1')
export class QueuesController {
  constructor(private readonly overview: QueuesOverviewService) {}

  @Get('queues')
  @ApiOperation({
    summary: 'Every platform queue: jobs, workers and deliveries',
    description:
      'One entry per platform: BullMQ job counts (waiting, delayed, active, completed, failed, paused), workers ' +
      'connected, oldestWaitingSeconds, deliveries per status, overdue (runnable deliveries past their time) and ' +
      'mostOverdueSeconds.',
  })
  list() {
    return this.overview.overview();
  }
}
