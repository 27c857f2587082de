import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ADAPTERS } from '../platforms/platform.registry';
import { CreateAccountDto, UpdateAccountDto } from './accounts.dto';
import { AccountsService } from './accounts.service';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('api/v1')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

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
  list() {
    return this.accounts.list();
  }

  @Get('accounts/:id')
  get(@Param('id') id: string) {
    return this.accounts.get(id);
  }

  @Patch('accounts/:id')
  update(@Param('id') id: string, @Body() dto: UpdateAccountDto) {
    return this.accounts.update(id, dto);
  }

  @Delete('accounts/:id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.accounts.remove(id);
  }

  @Post('accounts/:id/verify')
  @HttpCode(200)
  verify(@Param('id') id: string) {
    return this.accounts.verify(id);
  }
}
