import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { BadInput } from '../common/errors';
import { CreatePostDto, ListPostsQuery, ReschedulePostDto } from './posts.dto';
import { PausesService } from '../pauses/pauses.service';
import { PostsService } from './posts.service';

@ApiTags('posts')
@ApiBearerAuth()
@Controller('api/v1')
export class PostsController {
  constructor(
    private readonly posts: PostsService,
    private readonly pauses: PausesService,
  ) {}

  @Post('posts')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key again returns the first response' })
  async create(
    @Body() dto: CreatePostDto,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (key !== undefined && (key.length === 0 || key.length > 255))
      throw new BadInput('Idempotency-Key must be 1-255 characters');
    const { status, body } = await this.posts.create(dto, key);
    res.status(status);
    return body;
  }

  @Get('posts')
  list(@Query() q: ListPostsQuery) {
    return this.posts.list({
      status: q.status,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      limit: q.limit ?? 20,
      cursor: q.cursor,
    });
  }

  @Get('posts/:id')
  get(@Param('id') id: string) {
    return this.posts.get(id);
  }

  @Patch('posts/:id')
  reschedule(@Param('id') id: string, @Body() dto: ReschedulePostDto) {
    return this.posts.reschedule(id, dto.scheduledAt, dto.timezone);
  }

  @Delete('posts/:id')
  cancel(@Param('id') id: string) {
    return this.posts.cancel(id);
  }

  @Post('posts/:id/retry-failed')
  @HttpCode(200)
  @ApiOperation({
    summary: "Retry the post's failed and unconfirmed deliveries",
    description: '200 with the post; 409 when none of its deliveries can be retried.',
  })
  retryFailed(@Param('id') id: string) {
    return this.posts.retryFailed(id);
  }

  @Get('deliveries/:id')
  @ApiOperation({
    summary: 'A delivery with its attempt log (attemptLog, oldest first)',
    description: 'waitingFor names the active pause a scheduled or retrying delivery waits for, else null.',
  })
  async delivery(@Param('id') id: string) {
    const [d] = await this.pauses.withWaitingFor([await this.posts.delivery(id)]);
    return d;
  }

  @Patch('deliveries/:id')
  @ApiOperation({
    summary: 'Move one delivery to another time (the post and its other deliveries keep theirs)',
    description:
      "`scheduledAt` as for PATCH /posts/:id; a local time is read in `timezone`, else the post's. 200 with the " +
      'delivery; 409 unless it is scheduled, retrying or held.',
  })
  rescheduleDelivery(@Param('id') id: string, @Body() dto: ReschedulePostDto) {
    return this.posts.rescheduleDelivery(id, dto.scheduledAt, dto.timezone);
  }

  @Post('deliveries/:id/retry')
  @HttpCode(200)
  retry(@Param('id') id: string) {
    return this.posts.retryDelivery(id);
  }
}
