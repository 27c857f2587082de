import { Kysely, sql } from 'kysely';

/**
 * Feeds and the items seen in them. Forward-only. An item is one row whose three keys (GUID, canonical link,
 * content hash) are each unique within its feed, so `INSERT … ON CONFLICT DO NOTHING` lets exactly one poller
 * take an item, and an item known under any of its keys is never taken again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feeds')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('fetch_url', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('account_ids', 'jsonb', (c) => c.notNull())
    .addColumn('delay_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('spacing_seconds', 'integer', (c) => c.notNull())
    .addColumn('template', 'text')
    .addColumn('backfill', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'text')
    .addColumn('last_polled_at', 'timestamptz')
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_poll_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('feeds_next_poll_idx').on('feeds').column('next_poll_at').execute();

  await db.schema
    .createTable('feed_items')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('feed_id', 'uuid', (c) => c.notNull().references('feeds.id').onDelete('cascade'))
    .addColumn('guid', 'text')
    .addColumn('link', 'text')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('article_id', 'uuid', (c) => c.references('articles.id').onDelete('set null'))
    .addColumn('post_id', 'uuid', (c) => c.references('posts.id').onDelete('set null'))
    .addColumn('scheduled_at', 'timestamptz')
    .addColumn('error', 'text')
    .addColumn('published_at', 'timestamptz')
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('feed_items_guid_key', ['feed_id', 'guid'])
    .addUniqueConstraint('feed_items_link_key', ['feed_id', 'link'])
    .addUniqueConstraint('feed_items_hash_key', ['feed_id', 'content_hash'])
    .execute();
  await db.schema.createIndex('feed_items_feed_status_idx').on('feed_items').columns(['feed_id', 'status']).execute();
}
