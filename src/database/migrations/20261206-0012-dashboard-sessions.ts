import { Kysely, sql } from 'kysely';

/**
 * Dashboard sessions (src/dashboard/session.ts): one row per signed-in browser, so signing out ends the session in
 * every API process, not only in the one that answered. The row holds the SHA-256 of the session id, never the id:
 * a copy of this table signs nobody in. The cookie stays HMAC-signed, so a forged one is refused before any query,
 * and a request costs one primary-key lookup. Expired rows are pruned in batches through the `expires_at` index
 * (DashboardSessionsRepository.pruneExpired). Forward-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dashboard_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dashboard_sessions_expires_idx').on('dashboard_sessions').column('expires_at').execute();
}
