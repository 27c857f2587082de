import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ArticleRow } from '../database/schema';
import { BadInput, isUuid, NotFound } from '../common/errors';
import { cleanArticle } from './article-cleaner';
import { ArticlesRepository } from './articles.repository';

export interface ArticleInput {
  url: string;
  title: string;
  html?: string;
  text?: string;
  imageUrl?: string;
  videoUrl?: string;
  tags?: string[];
}

export interface ArticleView {
  id: string;
  url: string;
  title: string;
  text: string;
  lead: string;
  imageUrl: string | null;
  videoUrl: string | null;
  tags: string[];
  createdAt: string;
}

@Injectable()
export class ArticlesService {
  constructor(private readonly repo: ArticlesRepository) {}

  /** Cleans and stores an article; the same URL again returns the stored one (`created` false). */
  async create(input: ArticleInput): Promise<{ article: ArticleView; created: boolean }> {
    if (input.html !== undefined && input.text !== undefined) throw new BadInput('give html or text, not both');
    const clean = cleanArticle(input);
    const { row, created } = await this.repo.insertOrGet({
      id: randomUUID(),
      url: input.url,
      title: input.title.trim(),
      text: clean.text,
      lead: clean.lead,
      imageUrl: input.imageUrl ?? null,
      videoUrl: input.videoUrl ?? null,
      tags: input.tags ?? [],
    });
    return { article: view(row), created };
  }

  async get(id: string): Promise<ArticleView> {
    return view(await this.row(id));
  }

  async row(id: string, field = 'article'): Promise<ArticleRow> {
    const row = isUuid(id) ? await this.repo.find(id) : undefined;
    if (!row) throw new NotFound(`${field} ${id} not found`);
    return row;
  }
}

function view(r: ArticleRow): ArticleView {
  return {
    id: r.id,
    url: r.url,
    title: r.title,
    text: r.text,
    lead: r.lead,
    imageUrl: r.image_url,
    videoUrl: r.video_url,
    tags: r.tags,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
