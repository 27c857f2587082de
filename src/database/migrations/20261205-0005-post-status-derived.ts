import { Kysely } from 'kysely';

/**
 * A post's status is derived from its deliveries when it is read (posts.repository.ts, statuses.ts), no longer
 * stored: a stored copy had to be rewritten, under the post's row lock, by every delivery that changed, which
 * serialised every delivery of a post (a burst of one post to a hundred accounts went one at a time) and could
 * go stale. Forward-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('posts').dropColumn('status').execute();
}
