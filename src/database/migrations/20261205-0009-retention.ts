import { Kysely, sql } from 'kysely';

/**
 * Retention (src/retention/): what the sweep prunes needs an index to be found without a scan, and two facts.
 * - `idempotency_keys.post_id`: the post made under the key, written in the transaction that makes it. A key whose
 *   response was never saved (its process died in between) is finished from that post after a while instead of
 *   answering 409 for ever (PostsService.replay).
 * - `feed_items.last_seen_at`: when a read of the feed last listed the item. An item is only forgotten once a
 *   later read of its feed no longer listed it (RetentionRepository.pruneFeedItems): forgetting one still listed
 *   would post it again. Existing rows start from now.
 * Forward-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').addColumn('post_id', 'uuid').execute();
  await db.schema.createIndex('idempotency_keys_created_idx').on('idempotency_keys').column('created_at').execute();
  await db.schema.createIndex('delivery_attempts_finished_idx').on('delivery_attempts').column('finished_at').execute();
  await db.schema
    .alterTable('feed_items')
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('feed_items_feed_last_seen_idx')
    .on('feed_items')
    .columns(['feed_id', 'last_seen_at'])
    .execute();
  await db.schema.createIndex('feed_items_last_seen_idx').on('feed_items').column('last_seen_at').execute();
}
