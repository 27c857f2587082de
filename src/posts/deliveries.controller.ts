import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListDeliveriesQuery } from './deliveries.dto';
import { PausesService } from '../pauses/pauses.service';
import { DeliveriesService } from './deliveries.service';

/**
 * Deliveries across posts, for operators (the dashboard's lists read the same). A single delivery, its attempt
 * log and its retry are in PostsController (`/deliveries/:id`).
 */
@ApiTags('posts')
@ApiBearerAuth()
@Controller('api/v1')
export class DeliveriesController {
  constructor(
    private readonly deliveries: DeliveriesService,
    private readonly pauses: PausesService,
  ) {}

  @Get('deliveries')
  @ApiOperation({
    summary: 'List deliveries, newest scheduled first',
    description:
      'Each item adds accountName, platformName, postTitle, cause, reason and waitingFor (the active pause a ' +
      'scheduled or retrying delivery waits for, else null) to the delivery.',
  })
  async list(@Query() q: ListDeliveriesQuery) {
    const page = await this.deliveries.list({
      statuses: q.status,
      platform: q.platform,
      accountId: q.accountId,
      postId: q.postId,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      limit: q.limit ?? 50,
      cursor: q.cursor,
    });
    return { ...page, items: await this.pauses.withWaitingFor(page.items) };
  }
}
