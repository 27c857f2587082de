import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CreateArticleDto, PreviewDto } from './articles.dto';
import { ArticlesService } from './articles.service';
import { PreviewsService } from './previews.service';

@ApiTags('articles')
@ApiBearerAuth()
@Controller('api/v1')
export class ArticlesController {
  constructor(
    private readonly articles: ArticlesService,
    private readonly previews: PreviewsService,
  ) {}

  /** 201 with the new article, or 200 with the one already stored under the same URL. */
  @Post('articles')
  async create(@Body() dto: CreateArticleDto, @Res({ passthrough: true }) res: Response) {
    const { article, created } = await this.articles.create(dto);
    res.status(created ? 201 : 200);
    return article;
  }

  @Get('articles/:id')
  get(@Param('id') id: string) {
    return this.articles.get(id);
  }

  @Post('previews')
  @HttpCode(200)
  preview(@Body() dto: PreviewDto) {
    return this.previews.preview(dto);
  }
}
