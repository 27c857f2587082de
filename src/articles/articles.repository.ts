import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, Db } from '../database/database';
import type { ArticleRow } from '../database/schema';

export interface NewArticle {
  id: string;
  url: string;
  title: string;
  text: string;
  lead: string;
  imageUrl: string | null;
  videoUrl: string | null;
  tags: string[];
}

/** All SQL on the articles table. */
@Injectable()
export class ArticlesRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  /** Inserts unless an article with the same URL exists; returns the stored row and whether it is new. */
  async insertOrGet(a: NewArticle): Promise<{ row: ArticleRow; created: boolean }> {
    const inserted = await this.db
      .insertInto('articles')
      .values({
        id: a.id,
        url: a.url,
        title: a.title,
        text: a.text,
        lead: a.lead,
        image_url: a.imageUrl,
        video_url: a.videoUrl,
        tags: JSON.stringify(a.tags),
      })
      .onConflict((oc) => oc.column('url').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { row: inserted, created: true };
    const existing = await this.db
      .selectFrom('articles')
      .selectAll()
      .where('url', '=', a.url)
      .executeTakeFirstOrThrow();
    return { row: existing, created: false };
  }

  async find(id: string): Promise<ArticleRow | undefined> {
    return this.db.selectFrom('articles').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
