import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { ArticleRow } from '../database/schema';
import { BadInput, isUuid, NotFound, Unprocessable } from '../common/errors';
import { ArticleRefused, CleanArticle } from './article-cleaner';
import { ArticleComposer, ArticleToCompose, ComposeTarget } from './article-composer';
import type { ComposedThread } from './thread';
import { ArticlesRepository } from './articles.repository';
import { CleanInput, ContentPool } from './content-pool';
import { LlmSummarizer } from './llm-summarizer';

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
  private readonly log = new Logger('Composer');
  private readonly composer: ArticleComposer;

  constructor(
    private readonly repo: ArticlesRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly content: ContentPool,
  ) {
    const llm = config.llm ? new LlmSummarizer(config.llm) : null;
    this.composer = new ArticleComposer(llm, (reason) =>
      this.log.warn(`LLM summary failed (${reason}); using the extractive summary`),
    );
  }

  /** Final text per target: the one composer behind previews and scheduling alike. */
  compose(article: ArticleToCompose, targets: ComposeTarget[]): Promise<ComposedThread[]> {
    return this.composer.compose(article, targets);
  }

  /** Cleans and stores an article; the same URL again returns the stored one (`created` false). */
  async create(input: ArticleInput): Promise<{ article: ArticleView; created: boolean }> {
    if (input.html !== undefined && input.text !== undefined) throw new BadInput('give html or text, not both');
    const clean = await this.clean({ html: input.html, text: input.text, title: input.title });
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

  /**
   * Cleans on the content pool's threads, within its budgets and deadline (article-cleaner.ts, content-pool.ts).
   * A refusal is a 422 naming the field, `prefix` + html or text: the request's content, not the server, is at fault.
   */
  async clean(input: CleanInput, prefix = ''): Promise<CleanArticle> {
    try {
      return await this.content.clean(input);
    } catch (e) {
      if (!(e instanceof ArticleRefused)) throw e;
      throw new Unprocessable(`${prefix}${input.html !== undefined ? 'html' : 'text'} ${e.message}`);
    }
  }

  async get(id: string): Promise<ArticleView> {
    return view(await this.row(id));
  }

  /** A stored article as the composer takes it. */
  static composable(r: ArticleRow): ArticleToCompose {
    return { url: r.url, title: r.title, text: r.text, lead: r.lead, imageUrl: r.image_url, tags: r.tags };
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
