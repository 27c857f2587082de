import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
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
  list() {
    return this.feeds.list();
  }

  @Get('feeds/:id')
  get(@Param('id') id: string) {
    return this.feeds.get(id);
  }

  /** What the feed's items became: seen at add time, scheduled (with the post), failed (with why), skipped. */
  @Get('feeds/:id/items')
  items(@Param('id') id: string, @Query() q: FeedItemsQuery) {
    return this.feeds.items(id, q.limit ?? 50);
  }

  @Delete('feeds/:id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.feeds.remove(id);
  }
}
