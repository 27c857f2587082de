import { Injectable } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service';
import { BadInput } from '../common/errors';
import type { PlatformId, RemoteAccount } from '../platforms/platform';
import { getAdapter } from '../platforms/platform.registry';
import { cleanArticle } from './article-cleaner';
import { ArticlesService } from './articles.service';
import { ComposeInput, composeArticle } from './composer';
import type { PreviewDto } from './articles.dto';

export interface PreviewItem {
  platform: string;
  accountId: string | null;
  text: string;
  length: number;
  limit: number;
  warnings: string[];
}

/** What each target would send, composed exactly as scheduling composes it; nothing is stored or queued. */
@Injectable()
export class PreviewsService {
  constructor(
    private readonly articles: ArticlesService,
    private readonly accounts: AccountsService,
  ) {}

  async preview(dto: PreviewDto): Promise<{ items: PreviewItem[] }> {
    if ((dto.articleId === undefined) === (dto.article === undefined)) throw new BadInput('give exactly one of articleId or article');
    if ((dto.accountIds === undefined) === (dto.platforms === undefined)) throw new BadInput('give exactly one of accountIds or platforms');
    const article = await this.articleInput(dto);
    const targets: { platform: PlatformId; accountId: string | null; remote: RemoteAccount | null }[] = [];
    if (dto.accountIds) {
      for (const [i, id] of dto.accountIds.entries()) {
        const row = await this.accounts.row(id).catch(() => {
          throw new BadInput(`accountIds[${i}]: account ${id} not found`);
        });
        targets.push({ platform: row.platform as PlatformId, accountId: row.id, remote: (row.remote as RemoteAccount | null) ?? null });
      }
    } else {
      for (const p of dto.platforms ?? []) targets.push({ platform: p as PlatformId, accountId: null, remote: null });
    }
    return {
      items: targets.map((t) => ({ platform: t.platform, accountId: t.accountId, ...composeArticle(article, getAdapter(t.platform), t.remote) })),
    };
  }

  private async articleInput(dto: PreviewDto): Promise<ComposeInput> {
    if (dto.articleId !== undefined) {
      const r = await this.articles.row(dto.articleId, 'articleId');
      return { url: r.url, title: r.title, lead: r.lead, imageUrl: r.image_url };
    }
    const a = dto.article!;
    if (a.html !== undefined && a.text !== undefined) throw new BadInput('article: give html or text, not both');
    const clean = cleanArticle(a);
    return { url: a.url, title: a.title.trim(), lead: clean.lead, imageUrl: a.imageUrl ?? null };
  }
}
