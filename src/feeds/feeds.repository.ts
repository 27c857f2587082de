import { Inject, Injectable } from '@nestjs/common';
import { sql, Transaction } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { Database, DeliveryRow, FeedItemRow, FeedRow } from '../database/schema';
import type { ItemKeys } from './item-keys';

type Executor = Db | Transaction<Database>;

export interface NewFeed {
  id: string;
  url: string;
  fetchUrl: string;
  kind: string;
  title: string | null;
  accountIds: string[];
  delaySeconds: number;
  spacingSeconds: number;
  template: string | null;
  backfill: boolean;
  etag: string | null;
  lastModified: string | null;
  lastPolledAt: Date;
  nextPollAt: Date;
  /** Declared by the config file under this key (migration 0015). */
  configKey?: string;
}

/** What the config file's apply may change on a feed it declares (the url makes another feed). */
export interface FeedChanges {
  accountIds: string[];
  delaySeconds: number;
  spacingSeconds: number;
  template: string | null;
  backfill: boolean;
  configKey: string;
}

export interface NewFeedItem {
  id: string;
  feedId: string;
  keys: ItemKeys;
  title: string;
  status: 'seen' | 'pending' | 'skipped' | 'failed';
  articleId?: string | null;
  scheduledAt?: Date | null;
  publishedAt: Date | null;
  error?: string | null;
  /** The read of the feed that listed it (see markSeen); default: the database's now(). */
  seenAt?: Date;
}

export type FeedPostDelivery = Pick<
  DeliveryRow,
  'id' | 'post_id' | 'account_id' | 'platform' | 'status' | 'remote_url' | 'error'
>;

export type KnownKeys = Pick<FeedItemRow, 'guid' | 'link' | 'content_hash'>;

/** All SQL on feeds and feed_items. */
@Injectable()
export class FeedsRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  transaction<T>(fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  async insertFeed(f: NewFeed, tx: Executor = this.db): Promise<void> {
    await tx
      .insertInto('feeds')
      .values({
        id: f.id,
        url: f.url,
        fetch_url: f.fetchUrl,
        kind: f.kind,
        title: f.title,
        account_ids: JSON.stringify(f.accountIds),
        delay_seconds: f.delaySeconds,
        spacing_seconds: f.spacingSeconds,
        template: f.template,
        backfill: f.backfill,
        etag: f.etag,
        last_modified: f.lastModified,
        last_polled_at: f.lastPolledAt,
        last_success_at: f.lastPolledAt,
        next_poll_at: f.nextPollAt,
        ...(f.configKey ? { managed_by: 'config', config_key: f.configKey } : {}),
      })
      .execute();
  }

  /** The config file's new declaration of a feed (and its mark, adopting a feed it had released). */
  async reconfigure(id: string, c: FeedChanges): Promise<boolean> {
    const r = await this.db
      .updateTable('feeds')
      .set({
        account_ids: JSON.stringify(c.accountIds),
        delay_seconds: c.delaySeconds,
        spacing_seconds: c.spacingSeconds,
        template: c.template,
        backfill: c.backfill,
        managed_by: 'config',
        config_key: c.configKey,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async find(id: string): Promise<FeedRow | undefined> {
    return this.db.selectFrom('feeds').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(): Promise<FeedRow[]> {
    return this.db.selectFrom('feeds').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('feeds').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Feeds whose next poll is due, earliest first; `after` pages on (next_poll_at, id). */
  async due(now: Date, limit: number, after?: { at: Date; id: string }): Promise<FeedRow[]> {
    let q = this.db.selectFrom('feeds').selectAll().where('next_poll_at', '<=', now);
    if (after) {
      q = q.where((eb) =>
        eb.or([
          eb('next_poll_at', '>', after.at),
          eb.and([eb('next_poll_at', '=', after.at), eb('id', '>', after.id)]),
        ]),
      );
    }
    return q.orderBy('next_poll_at').orderBy('id').limit(limit).execute();
  }

  async recordSuccess(
    id: string,
    at: Date,
    next: Date,
    v: { etag?: string | null; lastModified?: string | null; title?: string | null; error?: string | null },
  ) {
    await this.db
      .updateTable('feeds')
      .set({
        last_polled_at: at,
        last_success_at: at,
        last_error: v.error ?? null,
        failures: 0,
        next_poll_at: next,
        updated_at: at,
        ...(v.etag !== undefined ? { etag: v.etag } : {}),
        ...(v.lastModified !== undefined ? { last_modified: v.lastModified } : {}),
        ...(v.title ? { title: v.title } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async recordFailure(id: string, at: Date, next: Date, error: string): Promise<void> {
    await this.db
      .updateTable('feeds')
      .set((eb) => ({
        last_polled_at: at,
        last_error: error,
        failures: eb('failures', '+', 1),
        next_poll_at: next,
        updated_at: at,
      }))
      .where('id', '=', id)
      .execute();
  }

  /** The stored keys among the given ones (one query, whatever the number of items). */
  async knownKeys(feedId: string, keys: ItemKeys[]): Promise<KnownKeys[]> {
    const guids = keys.map((k) => k.guid).filter((g): g is string => g !== null);
    const links = keys.map((k) => k.link).filter((l): l is string => l !== null);
    const hashes = keys.map((k) => k.hash);
    if (hashes.length === 0) return [];
    return this.db
      .selectFrom('feed_items')
      .select(['guid', 'link', 'content_hash'])
      .where('feed_id', '=', feedId)
      .where((eb) =>
        eb.or([
          eb('content_hash', 'in', hashes),
          ...(guids.length ? [eb('guid', 'in', guids)] : []),
          ...(links.length ? [eb('link', 'in', links)] : []),
        ]),
      )
      .execute();
  }

  /**
   * Stamps the stored items a read of the feed listed (under any of their keys) with that read's time. Every item
   * of the latest read then carries the same, newest stamp of its feed, which is what retention keeps.
   */
  async markSeen(feedId: string, keys: ItemKeys[], at: Date): Promise<void> {
    const guids = keys.map((k) => k.guid).filter((g): g is string => g !== null);
    const links = keys.map((k) => k.link).filter((l): l is string => l !== null);
    const hashes = keys.map((k) => k.hash);
    if (hashes.length === 0) return;
    await this.db
      .updateTable('feed_items')
      .set({ last_seen_at: at })
      .where('feed_id', '=', feedId)
      .where((eb) =>
        eb.or([
          eb('content_hash', 'in', hashes),
          ...(guids.length ? [eb('guid', 'in', guids)] : []),
          ...(links.length ? [eb('link', 'in', links)] : []),
        ]),
      )
      .execute();
  }

  /**
   * Records items; an item conflicting with a stored one on ANY key is left out. Returns the ids inserted:
   * for a `pending` item that is the claim (exactly one poller gets it).
   */
  async insertItems(items: NewFeedItem[], tx: Executor = this.db): Promise<string[]> {
    if (items.length === 0) return [];
    const rows = await tx
      .insertInto('feed_items')
      .values(
        items.map((i) => ({
          id: i.id,
          feed_id: i.feedId,
          guid: i.keys.guid,
          link: i.keys.link,
          content_hash: i.keys.hash,
          title: i.title.slice(0, 500),
          status: i.status,
          article_id: i.articleId ?? null,
          scheduled_at: i.scheduledAt ?? null,
          published_at: i.publishedAt,
          error: i.error ?? null,
          ...(i.seenAt ? { last_seen_at: i.seenAt } : {}),
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async markScheduled(itemId: string, postId: string | null): Promise<void> {
    await this.db
      .updateTable('feed_items')
      .set({ status: 'scheduled', post_id: postId, error: null, updated_at: new Date() })
      .where('id', '=', itemId)
      .execute();
  }

  async markFailed(itemId: string, error: string): Promise<void> {
    await this.db
      .updateTable('feed_items')
      .set({ status: 'failed', error, updated_at: new Date() })
      .where('id', '=', itemId)
      .execute();
  }

  /** Items taken but not yet turned into a post (their poller stopped half-way). */
  async pending(feedId: string): Promise<FeedItemRow[]> {
    return this.db
      .selectFrom('feed_items')
      .selectAll()
      .where('feed_id', '=', feedId)
      .where('status', '=', 'pending')
      .orderBy('scheduled_at')
      .execute();
  }

  /** The latest slot given to an item of the feed (new items are spread after it). */
  async lastSlot(feedId: string): Promise<Date | null> {
    const r = await this.db
      .selectFrom('feed_items')
      .select((eb) => eb.fn.max('scheduled_at').as('last'))
      .where('feed_id', '=', feedId)
      .executeTakeFirst();
    return r?.last ? new Date(r.last) : null;
  }

  async items(feedId: string, limit: number): Promise<FeedItemRow[]> {
    return this.db
      .selectFrom('feed_items')
      .selectAll()
      .where('feed_id', '=', feedId)
      .orderBy('first_seen_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** The deliveries of these posts (what a feed's items became), in creation order. */
  async postDeliveries(postIds: string[]): Promise<FeedPostDelivery[]> {
    if (postIds.length === 0) return [];
    return this.db
      .selectFrom('deliveries')
      .select(['id', 'post_id', 'account_id', 'platform', 'status', 'remote_url', 'error'])
      .where('post_id', 'in', postIds)
      .orderBy('seq')
      .execute();
  }

  async counts(feedIds: string[]): Promise<Array<{ feed_id: string; status: string; n: number }>> {
    if (feedIds.length === 0) return [];
    return this.db
      .selectFrom('feed_items')
      .select(['feed_id', 'status', sql<number>`count(*)::int`.as('n')])
      .where('feed_id', 'in', feedIds)
      .groupBy(['feed_id', 'status'])
      .execute();
  }

  /**
   * The post a finished `PostsService.create` left under an idempotency key (reserved in the same transaction
   * as the post, so a key means the post exists). Read here so a resumed item never creates a second post.
   */
  async idempotentPost(key: string): Promise<{ exists: boolean; postId: string | null }> {
    const row = await this.db
      .selectFrom('idempotency_keys')
      .select(['response', 'post_id'])
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) return { exists: false, postId: null };
    const id = row.post_id ?? (row.response as { id?: unknown } | null)?.id;
    return { exists: true, postId: typeof id === 'string' ? id : null };
  }
}
