import { Kysely } from 'kysely';

/**
 * Threads (Mastodon family): a delivery may carry several parts, posted in order as replies to each other.
 * Forward-only. `parts` holds every part's final text (part 1 also stays in `text`, so every reader of `text`
 * still works); `thread_remote_ids` the remote ids of the parts already posted, in order, so a retry resumes at
 * the first part not yet out. Both are null for an ordinary single post.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('parts', 'jsonb').execute();
  await db.schema.alterTable('deliveries').addColumn('thread_remote_ids', 'jsonb').execute();
}
