import { Injectable } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service';
import { BadInput } from '../common/errors';
import type { PlatformId, RemoteAccount } from '../platforms/platform';
import { getAdapter } from '../platforms/platform.registry';
import type { ArticleToCompose, ComposeTarget } from './article-composer';
import { ArticlesService } from './articles.service';
import type { PreviewDto } from './articles.dto';

export interface PreviewItem {
  platform: string;
  accountId: string | null;
  text: string;
  length: number;
  limit: number;
  warnings: string[];
  /** A thread's parts (part 1 = `text`), each with its length; absent for a single post. */
  parts?: { text: string; length: number }[];
}

/**
 * What each target would send, composed by the very function scheduling uses (ArticlesService.compose): by
 * platform with its defaults, or by account with that account's template and remote limits (e.g. a Mastodon
 * instance's `max_characters`). Nothing is stored or queued.
 */
@Injectable()
export class PreviewsService {
  constructor(
    private readonly articles: ArticlesService,
    private readonly accounts: AccountsService,
  ) {}

  async preview(dto: PreviewDto): Promise<{ items: PreviewItem[] }> {
    if ((dto.articleId === undefined) === (dto.article === undefined))
      throw new BadInput('give exactly one of articleId or article');
    if ((dto.accountIds === undefined) === (dto.platforms === undefined))
      throw new BadInput('give exactly one of accountIds or platforms');
    const article = await this.articleInput(dto);
    const targets: (ComposeTarget & { platform: PlatformId; accountId: string | null })[] = [];
    if (dto.accountIds) {
      for (const [i, id] of dto.accountIds.entries()) {
        const row = await this.accounts.row(id).catch(() => {
          throw new BadInput(`accountIds[${i}]: account ${id} not found`);
        });
        const platform = row.platform as PlatformId;
        const remote = (row.remote as RemoteAccount | null) ?? null;
        targets.push({
          platform,
          accountId: row.id,
          adapter: getAdapter(platform),
          remote,
          template: row.settings.template,
          thread: row.settings.thread === 'true',
        });
      }
    } else {
      for (const p of dto.platforms ?? [])
        targets.push({
          platform: p as PlatformId,
          accountId: null,
          adapter: getAdapter(p as PlatformId),
          remote: null,
        });
    }
    const composed = await this.articles.compose(article, targets);
    return { items: targets.map((t, i) => ({ platform: t.platform, accountId: t.accountId, ...composed[i] })) };
  }

  private async articleInput(dto: PreviewDto): Promise<ArticleToCompose> {
    if (dto.articleId !== undefined)
      return ArticlesService.composable(await this.articles.row(dto.articleId, 'articleId'));
    const a = dto.article!;
    if (a.html !== undefined && a.text !== undefined) throw new BadInput('article: give html or text, not both');
    const clean = await this.articles.clean({ html: a.html, text: a.text, title: a.title }, 'article.');
    return {
      url: a.url,
      title: a.title.trim(),
      text: clean.text,
      lead: clean.lead,
      imageUrl: a.imageUrl ?? null,
      tags: a.tags ?? [],
      lang: clean.lang,
    };
  }
}
