import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { DeliveryRow } from '../database/schema';
import type { Keyset } from './listing-cursor';
import type { DeliveryStatus } from './statuses';

export interface DeliveryFilter {
  statuses?: readonly DeliveryStatus[];
  platform?: string;
  accountId?: string;
  postId?: string;
  /** Bounds on `scheduled_at`: from inclusive, to exclusive. */
  from?: Date;
  to?: Date;
  /**
   * `retrying` rows only when stuck: scheduled before this time, or held back by a rate limit (the latest attempt
   * was rate-limited, or the daily cap deferred it; see delivery-cause.ts). Other statuses are not affected.
   */
  retryingStuckBefore?: Date;
  limit: number;
  /** (scheduled_at, id) of the last item of the previous page. */
  after?: Keyset;
}

/** A delivery with what a list of deliveries shows beside it, read in the same statement. */
export type ListedDelivery = DeliveryRow & {
  account_name: string | null;
  /** The article's title, else the first 80 characters of the post's text (else of the delivery's). */
  post_title: string;
  /** The latest attempt's outcome, read only for `retrying` deliveries (the one status whose cause needs it). */
  last_outcome: string | null;
};

/** The read side of deliveries for operators: one statement per page, whatever the filters. */
@Injectable()
export class DeliveriesRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  /** Newest `scheduled_at` first, then id (migration 0010 indexes both orders, with and without a status). */
  async list(f: DeliveryFilter): Promise<ListedDelivery[]> {
    let q = this.db
      .selectFrom('deliveries as d')
      .innerJoin('posts as p', 'p.id', 'd.post_id')
      .leftJoin('articles as ar', 'ar.id', 'p.article_id')
      .leftJoin('accounts as acc', 'acc.id', 'd.account_id')
      .selectAll('d')
      .select([
        'acc.name as account_name',
        sql<string>`coalesce(nullif(ar.title, ''), left(p.text, 80), left(d.text, 80))`.as('post_title'),
        (eb) =>
          eb
            .case()
            .when('d.status', '=', 'retrying')
            .then(
              eb
                .selectFrom('delivery_attempts as da')
                .select('da.outcome')
                .whereRef('da.delivery_id', '=', 'd.id')
                .orderBy('da.id', 'desc')
                .limit(1),
            )
            .end()
            .as('last_outcome'),
      ]);
    if (f.statuses && f.statuses.length > 0) q = q.where('d.status', 'in', [...new Set(f.statuses)]);
    if (f.platform) q = q.where('d.platform', '=', f.platform);
    if (f.accountId) q = q.where('d.account_id', '=', f.accountId);
    if (f.postId) q = q.where('d.post_id', '=', f.postId);
    if (f.from) q = q.where('d.scheduled_at', '>=', f.from);
    if (f.to) q = q.where('d.scheduled_at', '<', f.to);
    if (f.retryingStuckBefore) {
      const before = f.retryingStuckBefore;
      q = q.where((eb) =>
        eb.or([
          eb('d.status', '<>', 'retrying'),
          eb('d.scheduled_at', '<', before),
          eb('d.error', 'like', 'daily cap of %'),
          eb(
            eb
              .selectFrom('delivery_attempts as da')
              .select('da.outcome')
              .whereRef('da.delivery_id', '=', 'd.id')
              .orderBy('da.id', 'desc')
              .limit(1),
            '=',
            'rate-limited',
          ),
        ]),
      );
    }
    if (f.after) {
      const { at, id } = f.after;
      q = q.where((eb) => eb(eb.refTuple('d.scheduled_at', 'd.id'), '<', eb.tuple(at, id)));
    }
    const rows = await q.orderBy('d.scheduled_at', 'desc').orderBy('d.id', 'desc').limit(f.limit).execute();
    return rows as ListedDelivery[];
  }
}
