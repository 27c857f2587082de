import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DATABASE, Db } from '../database/database';
import { FEED_ITEM_KEY_PREFIX } from '../feeds/item-keys';
import type { DeliveryStatus } from '../posts/statuses';

/** A delivery in one of these is done: nothing reads its attempts to decide anything any more, only people. */
const FINISHED: readonly DeliveryStatus[] = ['published', 'failed', 'skipped', 'unconfirmed', 'cancelled'];

/**
 * What retention deletes, each table in batches of at most `limit` rows: one statement never holds its row locks
 * for long, and the sweep stops after a few batches (the next sweep goes on). Each query finds its rows through an
 * index (migration 0009), so a prune with nothing to do costs a few index probes.
 */
@Injectable()
export class RetentionRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  /**
   * Attempts that finished before `before`, of deliveries finished (and last changed) before it. The delivery keeps
   * its outcome (status, remote id, error); only the attempt log goes. An open attempt is never deleted: it tells a
   * worker that a crashed one may have sent the request.
   */
  async pruneAttempts(before: Date, limit: number): Promise<number> {
    const r = await this.db
      .deleteFrom('delivery_attempts')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('delivery_attempts as a')
          .innerJoin('deliveries as d', 'd.id', 'a.delivery_id')
          .select('a.id')
          .where('a.finished_at', '<', before)
          .where('d.status', 'in', FINISHED)
          .where('d.updated_at', '<', before)
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Webhook messages that ended (delivered, failed, dropped) before `before`, with their attempts (cascade). */
  async pruneWebhookMessages(before: Date, limit: number): Promise<number> {
    const r = await this.db
      .deleteFrom('webhook_messages')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_messages')
          .select('id')
          .where('status', '!=', 'pending')
          .where('finished_at', '<', before)
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /**
   * Keys made before `before`, answered or not, except those of feed items still pending: the next poll of their
   * feed reads the key to learn that the post exists (FeedIngestService.resumePending), so deleting it would post
   * the item twice.
   */
  async pruneIdempotencyKeys(before: Date, limit: number): Promise<number> {
    const r = await this.db
      .deleteFrom('idempotency_keys')
      .where('key', 'in', (eb) =>
        eb
          .selectFrom('idempotency_keys as k')
          .select('k.key')
          .where('k.created_at', '<', before)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('feed_items as fi')
                  .select(sql`1`.as('one'))
                  .where('fi.status', '=', 'pending')
                  .whereRef(sql`${FEED_ITEM_KEY_PREFIX}::text || fi.id::text`, '=', 'k.key'),
              ),
            ),
          )
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /**
   * Feed items that are done (not pending) and gone from their feed since before `before`. An item's
   * `last_seen_at` is the last read of its feed that listed it (FeedsRepository.markSeen); every item of the
   * latest read carries the feed's newest stamp. So an item is forgotten only when a LATER read no longer listed
   * it (its stamp is below the feed's newest) and that was before `before`. An item still in the feed is kept
   * however old, also while the feed answers 304 or fails (no read moves the newest stamp then): forgetting it
   * would make it new again and post it twice.
   */
  async pruneFeedItems(before: Date, limit: number): Promise<number> {
    const r = await this.db
      .deleteFrom('feed_items')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('feed_items as fi')
          .select('fi.id')
          .where('fi.status', '<>', 'pending')
          .where('fi.last_seen_at', '<', before)
          .where('fi.last_seen_at', '<', (sub) =>
            sub
              .selectFrom('feed_items as newest')
              .select((n) => n.fn.max('newest.last_seen_at').as('at'))
              .whereRef('newest.feed_id', '=', 'fi.feed_id'),
          )
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
