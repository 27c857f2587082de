import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreateWebhookDto } from './webhooks.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('api/v1')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('webhooks')
  @ApiOperation({
    summary: 'Register a receiver',
    description: 'The answer carries the signing secret (`whsec_…`): the only time it is shown.',
  })
  create(@Body() dto: CreateWebhookDto) {
    return this.webhooks.create(dto);
  }

  @Get('webhooks')
  list() {
    return this.webhooks.list();
  }

  /** The webhook with its last attempts (newest first). */
  @Get('webhooks/:id')
  get(@Param('id') id: string) {
    return this.webhooks.get(id);
  }

  @Post('webhooks/:id/enable')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send to a disabled receiver again',
    description: 'Same secret; from the next event on (messages dropped while it was disabled are not sent).',
  })
  enable(@Param('id') id: string) {
    return this.webhooks.enable(id);
  }

  @Delete('webhooks/:id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.webhooks.delete(id);
  }
}
