import type { Pool } from 'pg';

/**
 * The bench database's deliveries: two per post over `accounts` accounts (already inserted), in a mix of statuses
 * close to a working install's (mostly published, some failed, a few of every other status), `deliveries` in all.
 */
export async function seedDeliveries(pool: Pool, deliveries: number, accounts: number): Promise<void> {
  await pool.query(
    `with acc as (select id, platform, row_number() over (order by id) - 1 as n from accounts),
     p as (select id, scheduled_at, row_number() over (order by id) as n from posts),
     d as (select p.id as post_id, acc.id as account_id, acc.platform, p.scheduled_at,
             (array['published', 'published', 'published', 'published', 'published', 'published', 'published',
                    'failed', 'failed', 'scheduled', 'retrying', 'held', 'unconfirmed', 'cancelled', 'skipped'])
               [1 + floor(random() * 15)::int] as status
           from p cross join generate_series(0, 1) k join acc on acc.n = (p.n * 2 + k) % $2
           limit $1)
     insert into deliveries (id, post_id, account_id, platform, status, text, scheduled_at, next_attempt_at,
                             attempts, error, published_at)
     select gen_random_uuid(), post_id, account_id, platform, status, 'Bench text', scheduled_at, scheduled_at,
            case when status in ('scheduled', 'cancelled', 'held', 'skipped') then 0 else 1 end,
            case when status in ('failed', 'unconfirmed', 'held', 'retrying') then 'bench: ' || status end,
            case when status = 'published' then scheduled_at end
     from d`,
    [deliveries, accounts],
  );
}
