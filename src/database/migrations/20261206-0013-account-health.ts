import { Kysely, sql } from 'kysely';

/**
 * Account health (GET /api/v1/accounts, the dashboard's Accounts page; src/accounts/account-health.repository.ts).
 *
 * - `deliveries_account_published_idx`: an account's published deliveries newest first, so its last success and its
 *   posts of the last 24 hours (the daily cap, X's cost) are one short index range per account, not a read of every
 *   delivery it ever had.
 * - `accounts.rate_limited_until` is dropped: nothing wrote it since rate limits moved to `rate_budgets` and
 *   `budget_spends` (migration 0004), where the platform's "not before" and the sliding windows are kept per counter
 *   (a token, a chat, an app may be shared by several accounts). An account's wait is derived from those when read;
 *   a copy on the account could only go stale.
 *
 * Forward-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index deliveries_account_published_idx on deliveries (account_id, published_at desc)
    where status = 'published'`.execute(db);
  await sql`alter table accounts drop column rate_limited_until`.execute(db);
}
