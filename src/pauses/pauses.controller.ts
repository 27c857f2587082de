import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreatePauseDto, ListPausesQuery } from './pauses.dto';
import { PausesService } from './pauses.service';

@ApiTags('pauses')
@ApiBearerAuth()
@Controller('api/v1')
export class PausesController {
  constructor(private readonly pauses: PausesService) {}

  /** Nothing the pause covers is sent until it is resumed; nothing is lost. */
  @Post('pauses')
  create(@Body() dto: CreatePauseDto) {
    return this.pauses.create(dto);
  }

  @Get('pauses')
  list(@Query() q: ListPausesQuery) {
    return this.pauses.list(q.all ?? false);
  }

  @Get('pauses/:id')
  get(@Param('id') id: string) {
    return this.pauses.get(id);
  }

  /** Resumes: the pause, ended, with what happened to the deliveries that fell due meanwhile (`outcome`). */
  @Delete('pauses/:id')
  @ApiOperation({
    summary: 'Resume a pause',
    description: '409 when the pause is managed by the config file (managedBy "config"): only the file ends it.',
  })
  resume(@Param('id') id: string) {
    return this.pauses.resume(id);
  }
}
