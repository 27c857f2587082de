import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreateFeedDto, FeedItemsQuery } from './feeds.dto';
import { FeedsService } from './feeds.service';

@ApiTags('feeds')
@ApiBearerAuth()
@Controller('api/v1')
export class FeedsController {
  constructor(private readonly feeds: FeedsService) {}

  @Post('feeds')
  create(@Body() dto: CreateFeedDto) {
    return this.feeds.create(dto);
  }

  @Get('feeds')
  @ApiOperation({
    summary: 'List feeds with their polling state',
    description:
      'Each feed: lastPolledAt, lastError, nextPollAt, pollInterval (seconds), backoff (null, or {failures, ' +
      'interval, reason} while polls fail) and item counts per status.',
  })
  list() {
    return this.feeds.list();
  }

  @Get('feeds/:id')
  get(@Param('id') id: string) {
    return this.feeds.get(id);
  }

  /** What the feed's items became: seen at add time, scheduled (with the post), failed (with why), skipped. */
  @Get('feeds/:id/items')
  @ApiOperation({
    summary: "A feed's items, newest first, with what each became",
    description:
      'Each item adds postStatus (of the post it made, else null) and deliveries [{id, accountId, platform, ' +
      'status, remoteUrl, error}].',
  })
  items(@Param('id') id: string, @Query() q: FeedItemsQuery) {
    return this.feeds.items(id, q.limit ?? 50);
  }

  @Delete('feeds/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Stop and remove a feed',
    description: '409 when the feed is managed by the config file (managedBy "config"): remove it there.',
  })
  async remove(@Param('id') id: string): Promise<void> {
    await this.feeds.remove(id);
  }
}
