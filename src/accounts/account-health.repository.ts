import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DATABASE, Db } from '../database/database';

/** One rate budget of one account, as the worker spends it (`scope:key` counter, window, max). */
export interface HealthBudget {
  accountId: string;
  /** The budget's index in the account's list, handed back with the wait it causes. */
  index: number;
  counter: string;
  windowMs: number;
  max: number;
}

export interface HealthInput {
  accountIds: readonly string[];
  budgets: readonly HealthBudget[];
  /** Accounts with `settings.maxPostsPerDay`. */
  caps: ReadonlyArray<{ accountId: string; cap: number }>;
  /** Accounts whose published posts are counted (a daily cap, or a platform that bills per post). */
  counted: readonly string[];
  now: Date;
  /** The start of "today" in the caller's time zone. */
  dayStart: Date;
}

/** What the database knows about one account's health, before it is put in words (AccountHealthService). */
export interface HealthRow {
  account_id: string;
  success_at: Date | null;
  success_delivery: string | null;
  success_post: string | null;
  success_url: string | null;
  error_at: Date | null;
  error_delivery: string | null;
  error_post: string | null;
  error_outcome: string | null;
  error_code: number | null;
  error_message: string | null;
  scheduled: number | null;
  retrying: number | null;
  publishing: number | null;
  held: number | null;
  /** The latest wait of the account's budgets: the budget's index, until when, and whether the platform set it. */
  budget_index: number | null;
  budget_until: Date | null;
  budget_blocked: boolean | null;
  cap_until: Date | null;
  published_24h: number | null;
  published_today: number | null;
  url_posts_24h: number | null;
  plain_posts_24h: number | null;
  url_posts_today: number | null;
  plain_posts_today: number | null;
}

/** Attempt outcomes that are an error of the account's (docs/API.md, attempt log). */
export const ERROR_OUTCOMES = ['rate-limited', 'transient', 'reauth', 'permanent', 'ambiguous', 'interrupted'];

/** A post "with a URL" as X bills it: an http(s) link, as Crier's own counting finds them (platforms/counting.ts). */
const URL_PATTERN = 'https?://[^/?#.,[:space:]]';

/**
 * Account health for any number of accounts in one statement (the list stays one round trip with hundreds of
 * accounts): last success through `deliveries_account_published_idx` (one index probe per account), last error from
 * the attempt log (bounded by retention), pending counts, the budgets' waits (each distinct counter once, as
 * `crier_claim` computes them for one more publish) and the posts of the last 24 hours.
 */
@Injectable()
export class AccountHealthRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  async health(input: HealthInput): Promise<HealthRow[]> {
    if (input.accountIds.length === 0) return [];
    const { budgets, caps, now } = input;
    const dayAgo = new Date(now.getTime() - 24 * 3600_000);
    // A day of 25 hours (a DST change) starts more than 24 hours ago: read from whichever is earlier.
    const from = input.dayStart < dayAgo ? input.dayStart : dayAgo;
    const r = await sql<HealthRow>`
with acc as (select unnest(${input.accountIds}::uuid[]) as id),
b as (
  select * from unnest(${budgets.map((x) => x.accountId)}::uuid[], ${budgets.map((x) => x.index)}::int[],
    ${budgets.map((x) => x.counter)}::text[], ${budgets.map((x) => x.windowMs)}::bigint[],
    ${budgets.map((x) => x.max)}::int[]) as b(account_id, idx, counter, window_ms, max)
),
w as (
  select u.counter, u.window_ms, u.max,
    (select r.blocked_until from rate_budgets r where r.key = u.counter) as blocked_until,
    (select s.at from budget_spends s
      where s.key = u.counter and s.at > ${now}::timestamptz - u.window_ms * interval '1 millisecond'
      order by s.at desc offset u.max - 1 limit 1) + u.window_ms * interval '1 millisecond' as spent_until
  from (select distinct counter, window_ms, max from b) u
),
waits as (
  select distinct on (b.account_id) b.account_id, b.idx,
    greatest(w.blocked_until, w.spent_until) as wait_until,
    coalesce(w.blocked_until >= coalesce(w.spent_until, w.blocked_until), false) as blocked
  from b join w on w.counter = b.counter and w.window_ms = b.window_ms and w.max = b.max
  where greatest(w.blocked_until, w.spent_until) > ${now}::timestamptz
  order by b.account_id, wait_until desc, blocked desc, b.idx
),
last_errors as (
  select d.account_id, max(t.finished_at) as at
  from delivery_attempts t join deliveries d on d.id = t.delivery_id
  where t.outcome = any(${ERROR_OUTCOMES}::text[]) and d.account_id = any(${input.accountIds}::uuid[])
  group by d.account_id
),
errors as (
  select distinct on (le.account_id) le.account_id, t.finished_at, t.error, t.outcome, t.status_code,
    d.id as delivery_id, d.post_id
  from last_errors le
  join delivery_attempts t on t.finished_at = le.at and t.outcome = any(${ERROR_OUTCOMES}::text[])
  join deliveries d on d.id = t.delivery_id and d.account_id = le.account_id
  order by le.account_id, t.id desc
),
pending as (
  select account_id,
    count(*) filter (where status = 'scheduled')::int as scheduled,
    count(*) filter (where status = 'retrying')::int as retrying,
    count(*) filter (where status = 'publishing')::int as publishing,
    count(*) filter (where status = 'held')::int as held
  from deliveries
  where account_id = any(${input.accountIds}::uuid[]) and status in ('scheduled', 'retrying', 'publishing', 'held')
  group by account_id
),
caps as (
  select c.account_id,
    (select d.published_at from deliveries d
      where d.account_id = c.account_id and d.status = 'published' and d.published_at >= ${dayAgo}::timestamptz
      order by d.published_at desc offset c.cap - 1 limit 1) + interval '1 day 1 second' as wait_until
  from unnest(${caps.map((c) => c.accountId)}::uuid[], ${caps.map((c) => c.cap)}::int[]) as c(account_id, cap)
),
recent as (
  select d.account_id,
    count(*) filter (where d.published_at > ${dayAgo}::timestamptz)::int as published_24h,
    count(*) filter (where d.published_at >= ${input.dayStart}::timestamptz)::int as published_today,
    coalesce(sum(u.with_url) filter (where d.published_at > ${dayAgo}::timestamptz), 0)::int as url_posts_24h,
    coalesce(sum(u.plain) filter (where d.published_at > ${dayAgo}::timestamptz), 0)::int as plain_posts_24h,
    coalesce(sum(u.with_url) filter (where d.published_at >= ${input.dayStart}::timestamptz), 0)::int
      as url_posts_today,
    coalesce(sum(u.plain) filter (where d.published_at >= ${input.dayStart}::timestamptz), 0)::int
      as plain_posts_today
  from deliveries d
  cross join lateral (
    -- Every post of a thread is a post to the platform; a single post is its text.
    select count(*) filter (where p.value ~* ${URL_PATTERN}) as with_url,
      count(*) filter (where p.value !~* ${URL_PATTERN}) as plain
    from jsonb_array_elements_text(case when jsonb_typeof(d.parts) = 'array' and jsonb_array_length(d.parts) > 1
      then d.parts else jsonb_build_array(d.text) end) as p(value)
  ) u
  where d.account_id = any(${input.counted}::uuid[]) and d.status = 'published'
    and d.published_at >= ${from}::timestamptz
  group by d.account_id
)
select acc.id as account_id,
  s.published_at as success_at, s.id as success_delivery, s.post_id as success_post, s.remote_url as success_url,
  e.finished_at as error_at, e.delivery_id as error_delivery, e.post_id as error_post, e.outcome as error_outcome,
  e.status_code as error_code, e.error as error_message,
  p.scheduled, p.retrying, p.publishing, p.held,
  wt.idx as budget_index, wt.wait_until as budget_until, wt.blocked as budget_blocked,
  case when c.wait_until > ${now}::timestamptz then c.wait_until end as cap_until,
  r.published_24h, r.published_today, r.url_posts_24h, r.plain_posts_24h, r.url_posts_today, r.plain_posts_today
from acc
left join lateral (
  select d.id, d.post_id, d.published_at, d.remote_url from deliveries d
  where d.account_id = acc.id and d.status = 'published' and d.published_at is not null
  order by d.published_at desc limit 1
) s on true
left join errors e on e.account_id = acc.id
left join pending p on p.account_id = acc.id
left join waits wt on wt.account_id = acc.id
left join caps c on c.account_id = acc.id
left join recent r on r.account_id = acc.id`.execute(this.db);
    return r.rows;
  }
}
