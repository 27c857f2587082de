import { Kysely, sql } from 'kysely';

/**
 * The operators' delivery list (DeliveriesRepository.list) reads newest `scheduled_at` first, then id, a page at a
 * time, mostly filtered by status. Without these indexes PostgreSQL read every delivery (a sequential scan, or all
 * rows of the statuses asked for) and sorted them for each page; with them it reads one page's worth of index in
 * order (bench/deliveries-listing.ts prints the plans). Forward-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index deliveries_listing_idx on deliveries (scheduled_at desc, id desc)`.execute(db);
  await sql`create index deliveries_status_listing_idx on deliveries (status, scheduled_at desc, id desc)`.execute(db);
}
