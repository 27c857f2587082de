import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADAPTERS } from '../platforms/platform.registry';
import { AccountHealthService } from './account-health.service';
import { AccountHealthQuery, CreateAccountDto, UpdateAccountDto } from './accounts.dto';
import { AccountsService } from './accounts.service';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('api/v1')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly health: AccountHealthService,
  ) {}

  @Get('platforms')
  platforms() {
    return ADAPTERS.map((a) => {
      const l = a.limits(null);
      return {
        id: a.id,
        name: a.name,
        kind: a.kind,
        limits: {
          maxLength: l.maxLength,
          counting: l.counting,
          maxImages: l.maxImages,
          video: l.video,
          maxCaptionLength: l.maxCaptionLength,
        },
        credentialFields: a.credentialFields,
        credentialSets: a.credentialSets ?? null,
        settingsFields: a.settingsFields,
        pricing: a.pricing ?? null,
      };
    });
  }

  @Post('accounts')
  create(@Body() dto: CreateAccountDto) {
    return this.accounts.create(dto);
  }

  @Get('accounts')
  @ApiOperation({
    summary: 'List accounts, each with its health',
    description:
      'health: status, last success, last error, rate-limit wait, pending and held counts, and for platforms ' +
      'that bill per post (X) the posts and estimated cost of the last 24 hours and of today. One query for all.',
  })
  list(@Query() q: AccountHealthQuery) {
    return this.health.list(q.timezone);
  }

  @Get('accounts/:id')
  get(@Param('id') id: string) {
    return this.accounts.get(id);
  }

  @Get('accounts/:id/health')
  @ApiOperation({ summary: "One account's health, as in the list" })
  accountHealth(@Param('id') id: string, @Query() q: AccountHealthQuery) {
    return this.health.get(id, q.timezone);
  }

  @Patch('accounts/:id')
  @ApiOperation({
    summary: 'Change an account',
    description: '409 when the account is managed by the config file (managedBy "config"): change it there.',
  })
  update(@Param('id') id: string, @Body() dto: UpdateAccountDto) {
    return this.accounts.update(id, dto);
  }

  @Delete('accounts/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an account',
    description: '409 when the account is managed by the config file (managedBy "config"): remove it there.',
  })
  async remove(@Param('id') id: string): Promise<void> {
    await this.accounts.remove(id);
  }

  @Post('accounts/:id/verify')
  @HttpCode(200)
  verify(@Param('id') id: string) {
    return this.accounts.verify(id);
  }
}
