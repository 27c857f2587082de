import { Kysely, sql } from 'kysely';

/**
 * Publishing core v2 (docs/ARCHITECTURE.md). Forward-only.
 *
 * - `claim_token` / `claimed_until`: the fence. A worker that claims a delivery writes a fresh token and a lease;
 *   every write out of `publishing` (and every thread-part append) must name that token, so a worker that lost
 *   its claim cannot overwrite what its successor did. A `publishing` row is recovered only once its lease ran out.
 * - `seq`: a total order for deliveries scheduled at the same instant (ties broken by creation order).
 * - One `publishing` delivery per account, enforced by the database: per-account order needs no lock service.
 * - `rate_budgets` / `budget_spends`: per-account (per-token, per-chat, per-app…) rate budgets, a sliding-window
 *   log of spends per counter and the platform's own "wait until" per counter.
 * - `leases`: named leases for work one process does at a time (the sweep).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('claim_token', 'uuid').execute();
  await db.schema.alterTable('deliveries').addColumn('claimed_until', 'timestamptz').execute();
  await sql`alter table deliveries add column seq bigserial`.execute(db);
  await sql`create unique index deliveries_one_publishing_per_account on deliveries (account_id) where status = 'publishing'`.execute(
    db,
  );
  // The account's turn: its runnable deliveries in order.
  await sql`create index deliveries_account_turn_idx on deliveries (account_id, scheduled_at, seq)
            where status in ('scheduled', 'retrying')`.execute(db);
  // The sweep: runnable deliveries due within a horizon, and `publishing` leases that ran out.
  await sql`create index deliveries_runnable_due_idx on deliveries (next_attempt_at) where status in ('scheduled', 'retrying')`.execute(
    db,
  );
  await sql`create index deliveries_publishing_lease_idx on deliveries (claimed_until) where status = 'publishing'`.execute(
    db,
  );
  await db.schema
    .createTable('rate_budgets')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('blocked_until', 'timestamptz')
    .execute();
  await db.schema
    .createTable('budget_spends')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('budget_spends_key_at_idx').on('budget_spends').columns(['key', 'at']).execute();
  await upLeases(db);
}

/** Named leases for work only one process may do at a time (the sweep), kept in the database like everything else. */
async function upLeases(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('until', 'timestamptz', (c) => c.notNull())
    .execute();
}
