import { randomUUID } from 'node:crypto';
import { HttpException, Injectable, Logger } from '@nestjs/common';
import { ArticlesService } from '../articles/articles.service';
import type { FeedItemRow, FeedRow } from '../database/schema';
import { PostsService } from '../posts/posts.service';
import type { FeedItem } from './feed-item';
import { oldestFirst, spreadSlots } from './feed-schedule';
import { FeedsRepository, NewFeedItem } from './feeds.repository';
import { FEED_ITEM_KEY_PREFIX, ItemKeys, itemKeys } from './item-keys';

export interface IngestResult {
  /** New items taken in this poll. */
  taken: number;
  scheduled: number;
  failed: number;
  /** The last item failure, for the feed's lastError. */
  lastFailure: string | null;
}

/**
 * Turns feed items into articles and scheduled posts, each exactly once. An item is first CLAIMED (a row whose
 * GUID, link and hash are unique within the feed: the insert that wins takes it), then posted with an
 * idempotency key derived from the claim, then marked. A poller that dies half-way leaves a `pending` claim,
 * which the next poll of the feed finishes without ever creating a second post.
 */
@Injectable()
export class FeedIngestService {
  private readonly log = new Logger(FeedIngestService.name);

  constructor(
    private readonly repo: FeedsRepository,
    private readonly articles: ArticlesService,
    private readonly posts: PostsService,
  ) {}

  /** Items present when a feed is added: remembered under all their keys, never posted. */
  seenRows(feedId: string, items: FeedItem[]): NewFeedItem[] {
    return distinct(items).map(({ item, keys }) => ({
      id: randomUUID(),
      feedId,
      keys,
      title: item.title,
      status: 'seen' as const,
      publishedAt: item.publishedAt,
    }));
  }

  /**
   * Takes every item not known under any key, oldest first, spread over time, and schedules each. On `stop`
   * (shutdown) it ends between items; those not taken yet are new to the next poll.
   */
  async takeNew(feed: FeedRow, items: FeedItem[], now: Date, stop?: AbortSignal): Promise<IngestResult> {
    const result: IngestResult = { taken: 0, scheduled: 0, failed: 0, lastFailure: null };
    const candidates = distinct(items);
    // This read lists these: stamped now, and every item it adds below gets the same stamp (retention's rule).
    await this.repo.markSeen(
      feed.id,
      candidates.map((c) => c.keys),
      now,
    );
    const known = await this.repo.knownKeys(
      feed.id,
      candidates.map((c) => c.keys),
    );
    const guids = new Set(known.map((k) => k.guid));
    const links = new Set(known.map((k) => k.link));
    const hashes = new Set(known.map((k) => k.content_hash));
    const isKnown = (k: ItemKeys) =>
      (k.guid !== null && guids.has(k.guid)) || (k.link !== null && links.has(k.link)) || hashes.has(k.hash);
    const fresh = candidates.filter(({ keys }) => !isKnown(keys));
    if (fresh.length === 0) return result;

    const ordered = oldestFirst(fresh.map((c) => ({ ...c, publishedAt: c.item.publishedAt })));
    const slots = spreadSlots(
      ordered.length,
      now,
      feed.delay_seconds,
      feed.spacing_seconds,
      await this.repo.lastSlot(feed.id),
    );
    for (const [i, { item, keys }] of ordered.entries()) {
      if (stop?.aborted) break;
      const base = {
        id: randomUUID(),
        feedId: feed.id,
        keys,
        title: item.title,
        publishedAt: item.publishedAt,
        seenAt: now,
      };
      if (!item.link) {
        await this.repo.insertItems([{ ...base, status: 'skipped', error: 'the item has no http(s) link to post' }]);
        continue;
      }
      const created = await this.articles
        .create({
          url: item.link,
          title: item.title || item.link,
          ...(item.html ? { html: item.html } : {}),
          ...(item.imageUrl ? { imageUrl: item.imageUrl } : {}),
          tags: item.tags,
        })
        .catch(async (e: unknown) => {
          // A body the cleaner refuses (too deep, too large, too slow: a 4xx) fails this item alone, with why;
          // the item is remembered under its keys, so it is not tried again on every poll.
          const why = refusal(e);
          const [failed] = await this.repo.insertItems([{ ...base, status: 'failed', error: why }]);
          if (failed) {
            result.taken++;
            result.failed++;
            result.lastFailure = `item "${item.title.slice(0, 80)}": ${why}`;
          }
          return null;
        });
      if (!created) continue;
      const { article } = created;
      const [claimed] = await this.repo.insertItems([
        { ...base, status: 'pending', articleId: article.id, scheduledAt: slots[i] },
      ]);
      if (!claimed) continue; // another poller, or a twin of this item, got there first
      result.taken++;
      const outcome = await this.schedule(feed, claimed, article.id, slots[i]);
      if (outcome === null) result.scheduled++;
      else {
        result.failed++;
        result.lastFailure = `item "${item.title.slice(0, 80)}": ${outcome}`;
      }
    }
    return result;
  }

  /** Finishes claims a stopped poller left behind: posted already (the key exists) or posted now. */
  async resumePending(feed: FeedRow, now: Date): Promise<number> {
    const rows = await this.repo.pending(feed.id);
    for (const row of rows) await this.resume(feed, row, now);
    return rows.length;
  }

  private async resume(feed: FeedRow, row: FeedItemRow, now: Date): Promise<void> {
    const done = await this.repo.idempotentPost(postKey(row.id));
    if (done.exists) return this.repo.markScheduled(row.id, done.postId);
    if (!row.article_id) return this.repo.markFailed(row.id, 'the article of this item is gone');
    const due = row.scheduled_at && new Date(row.scheduled_at) > now ? new Date(row.scheduled_at) : now;
    this.log.warn(`finishing feed item ${row.id} of feed ${feed.id}, left pending by a stopped poller`);
    await this.schedule(feed, row.id, row.article_id, due);
  }

  /** Creates the post; null when scheduled, else why not (a refusal that a retry cannot change). */
  private async schedule(feed: FeedRow, itemId: string, articleId: string, at: Date): Promise<string | null> {
    try {
      const { body } = await this.posts.create(
        {
          articleId,
          accountIds: feed.account_ids,
          scheduledAt: at.toISOString(),
          ...(feed.template ? { template: feed.template } : {}),
        },
        postKey(itemId),
      );
      await this.repo.markScheduled(itemId, body.id);
      return null;
    } catch (e) {
      // 4xx: the post cannot be made (an account gone or disabled, content refused); anything else is left
      // pending and thrown, so the poll counts as failed and the next one tries again.
      if (!(e instanceof HttpException) || e.getStatus() >= 500) throw e;
      const message = String((e.getResponse() as { message?: unknown }).message ?? e.message);
      await this.repo.markFailed(itemId, message);
      return message;
    }
  }
}

/** The message of a 4xx (content refused), else the error itself is thrown (the poll fails and is retried). */
function refusal(e: unknown): string {
  if (!(e instanceof HttpException) || e.getStatus() >= 500) throw e;
  return String((e.getResponse() as { message?: unknown }).message ?? e.message);
}

export const postKey = (itemId: string) => `${FEED_ITEM_KEY_PREFIX}${itemId}`;

/** Items of one document with their keys, each item once (a feed may list the same item twice). */
function distinct(items: FeedItem[]): Array<{ item: FeedItem; keys: ItemKeys }> {
  const seen = new Set<string>();
  const out: Array<{ item: FeedItem; keys: ItemKeys }> = [];
  for (const item of items) {
    const keys = itemKeys(item);
    const names = [
      `h:${keys.hash}`,
      ...(keys.guid !== null ? [`g:${keys.guid}`] : []),
      ...(keys.link !== null ? [`l:${keys.link}`] : []),
    ];
    if (names.some((n) => seen.has(n))) continue;
    names.forEach((n) => seen.add(n));
    out.push({ item, keys });
  }
  return out;
}
