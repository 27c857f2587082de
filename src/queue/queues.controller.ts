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
    summary: 'Every platform queue (jobs, workers and deliveries), then the webhooks queue',
    description:
      'One entry per platform: BullMQ job counts (waiting, delayed, active, completed, failed, paused), workers ' +
      'connected, oldestWaitingSeconds, deliveries per status, overdue (runnable deliveries past their time) and ' +
      'mostOverdueSeconds. Last, the webhooks queue (platform null): its job counts, workers and ' +
      'oldestWaitingSeconds.',
  })
  async list() {
    const { platforms, webhooks } = await this.overview.overview();
    return [...platforms, webhooks];
  }
}
