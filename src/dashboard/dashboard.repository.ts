import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Db } from '../database/database';
import type { Database } from '../database/schema';

/** What the Today page filters on: a window of scheduled time, and optional delivery and text filters. */
export interface TodayFilter {
  from: Date;
  to: Date;
  accountId?: string;
  platform?: string;
  status?: string;
  /** Words in the article title, the post text or a delivery's text (case-insensitive substring). */
  search?: string;
  /** Posts at most; one more is read to tell whether the window held more. */
  limit: number;
}

export interface TodayPost {
  id: string;
  scheduledAt: Date;
  text: string | null;
  title: string | null;
}

export interface BadgeRow {
  id: string;
  postId: string;
  platform: string;
  status: string;
  error: string | null;
  accountId: string | null;
  accountName: string | null;
}

export interface AccountOption {
  id: string;
  name: string;
  platform: string;
}

/** `%`, `_` and `\` are LIKE's own syntax: a search for "50%" means the text "50%". */
function likePattern(words: string): string {
  return `%${words.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

type DeliveryFilter = Pick<TodayFilter, 'accountId' | 'platform' | 'status'>;

/** The delivery filters as one condition (true when none is set). */
function deliveryMatches(eb: ExpressionBuilder<Database, 'deliveries'>, f: DeliveryFilter): Expression<SqlBool> {
  const all: Expression<SqlBool>[] = [];
  if (f.accountId !== undefined) all.push(eb('deliveries.account_id', '=', f.accountId));
  if (f.platform !== undefined) all.push(eb('deliveries.platform', '=', f.platform));
  if (f.status !== undefined) all.push(eb('deliveries.status', '=', f.status));
  return eb.and(all);
}

/**
 * The dashboard's reads, shaped for its pages (one query per method). Reads only: every change goes through the
 * services that own the state (PostsService, and the delivery state machine behind it).
 */
export class DashboardRepository {
  constructor(private readonly db: Db) {}

  /** Posts scheduled in [from, to) that have a delivery matching the filters, by scheduled time. */
  async postsInWindow(f: TodayFilter): Promise<TodayPost[]> {
    const deliveryFilter = f.accountId !== undefined || f.platform !== undefined || f.status !== undefined;
    let q = this.db
      .selectFrom('posts')
      .leftJoin('articles', 'articles.id', 'posts.article_id')
      .select(['posts.id', 'posts.scheduled_at', 'posts.text', 'articles.title'])
      .where('posts.scheduled_at', '>=', f.from)
      .where('posts.scheduled_at', '<', f.to);
    if (deliveryFilter) {
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('deliveries')
            .select('deliveries.id')
            .whereRef('deliveries.post_id', '=', 'posts.id')
            .where((d) => deliveryMatches(d, f)),
        ),
      );
    }
    if (f.search) {
      const pattern = likePattern(f.search);
      q = q.where((eb) =>
        eb.or([
          eb('articles.title', 'ilike', pattern),
          eb('posts.text', 'ilike', pattern),
          eb.exists(
            eb
              .selectFrom('deliveries')
              .select('deliveries.id')
              .whereRef('deliveries.post_id', '=', 'posts.id')
              .where('deliveries.text', 'ilike', pattern),
          ),
        ]),
      );
    }
    const rows = await q
      .orderBy('posts.scheduled_at')
      .orderBy('posts.id')
      .limit(f.limit + 1)
      .execute();
    return rows.map((r) => ({ id: r.id, scheduledAt: new Date(r.scheduled_at), text: r.text, title: r.title }));
  }

  /** The deliveries of these posts that match the filters, with their account's name, in creation order. */
  async badges(postIds: readonly string[], f: DeliveryFilter): Promise<BadgeRow[]> {
    if (postIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('deliveries')
      .leftJoin('accounts', 'accounts.id', 'deliveries.account_id')
      .select([
        'deliveries.id',
        'deliveries.post_id',
        'deliveries.platform',
        'deliveries.status',
        'deliveries.error',
        'deliveries.account_id',
        'accounts.name as account_name',
      ])
      .where('deliveries.post_id', 'in', postIds)
      .where((d) => deliveryMatches(d, f))
      .orderBy('deliveries.seq')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      postId: r.post_id,
      platform: r.platform,
      status: r.status,
      error: r.error,
      accountId: r.account_id,
      accountName: r.account_name,
    }));
  }

  /** Every account, for the filter and for naming a post's targets. */
  async accounts(): Promise<AccountOption[]> {
    return this.db.selectFrom('accounts').select(['id', 'name', 'platform']).orderBy('name').orderBy('id').execute();
  }

  async articleTitle(articleId: string): Promise<string | null> {
    const r = await this.db.selectFrom('articles').select('title').where('id', '=', articleId).executeTakeFirst();
    return r?.title ?? null;
  }
}
