import { Kysely, sql } from 'kysely';

/**
 * Pauses, the kill switch (docs/ARCHITECTURE.md, "Pauses"): a row per pause of everything, a platform or an account;
 * active while `resumed_at` is null, kept afterwards as history with what resume did (`outcome`).
 *
 * `crier_claim` keeps the signature and contract of migration 0007 (no row: the delivery cannot be claimed now) and
 * adds one condition: no active pause covers the delivery. The claim is the one door to `publishing`, so a pause
 * written before a claim starts stops it, whichever worker and process runs it; a paused delivery's job ends as
 * "not its turn" and the delivery waits, runnable and without a job, until a resume hands its account over.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create table pauses (
  id uuid primary key,
  scope text not null check (scope in ('all', 'platform', 'account')),
  target text,
  reason text,
  missed text not null default 'send' check (missed in ('send', 'skip', 'hold')),
  skip_older_than_minutes integer check (skip_older_than_minutes >= 0),
  created_at timestamptz not null default now(),
  resumed_at timestamptz,
  outcome jsonb,
  check ((scope = 'all') = (target is null)),
  check ((missed = 'skip') = (skip_older_than_minutes is not null))
)`.execute(db);
  // The claim looks for active pauses on every delivery: a handful of rows, found through this index.
  await sql`create index pauses_active_idx on pauses (scope, target) where resumed_at is null`.execute(db);
  await sql`create index pauses_history_idx on pauses (created_at desc, id desc)`.execute(db);

  await sql`
create or replace function crier_claim(
  p_id uuid, p_token uuid, p_now timestamptz, p_lease_until timestamptz,
  p_counters text[], p_windows bigint[], p_maxes integer[], p_units integer, p_account_version bigint
) returns setof deliveries language plpgsql as $fn$
declare
  v_row deliveries;
  v_until timestamptz := p_now;
  v_keys text[];
  v_blocked timestamptz;
  v_window interval;
  v_units integer := p_units;
  v_need integer;
  v_used integer;
  v_pivot timestamptz;
begin
  update deliveries d
     set status = 'publishing', claim_token = p_token, claimed_until = p_lease_until,
         first_attempt_at = coalesce(d.first_attempt_at, p_now), updated_at = p_now
   where d.id = p_id
     and d.status in ('scheduled', 'retrying')
     and d.next_attempt_at <= p_now + interval '1 second'
     and (p_account_version is null or exists (
       select 1 from accounts a
        where a.id = d.account_id and a.status = 'active' and a.version = p_account_version))
     and not exists (
       select 1 from deliveries o
        where o.account_id = d.account_id and o.status in ('scheduled', 'retrying')
          and o.next_attempt_at <= p_now and (o.scheduled_at, o.seq) < (d.scheduled_at, d.seq))
     -- Paused (migration 0011): any active pause of everything, of the platform or of the account.
     and not exists (
       select 1 from pauses p
        where p.resumed_at is null
          and (p.scope = 'all'
            or (p.scope = 'platform' and p.target = d.platform)
            or (p.scope = 'account' and p.target = d.account_id::text)))
  returning * into v_row;
  if not found then
    return;
  end if;

  if v_units is null then
    -- A thread spends one publish per part not yet posted; anything else one.
    v_units := 1;
    if jsonb_typeof(v_row.parts) = 'array' then
      if jsonb_array_length(v_row.parts) > 1 then
        v_units := jsonb_array_length(v_row.parts) - case when jsonb_typeof(v_row.thread_remote_ids) = 'array'
          then jsonb_array_length(v_row.thread_remote_ids) else 0 end;
      end if;
    end if;
  end if;

  if coalesce(array_length(p_counters, 1), 0) > 0 then
    select array_agg(distinct k order by k) into v_keys from unnest(p_counters) as k;
    insert into rate_budgets (key) select unnest(v_keys) order by 1 on conflict (key) do nothing;
    -- Locked in key order (no two claims deadlock); every statement below sees spends committed before it.
    for v_blocked in select blocked_until from rate_budgets where key = any(v_keys) order by key for update loop
      if v_blocked > v_until then v_until := v_blocked; end if;
    end loop;
    for i in 1 .. array_length(p_counters, 1) loop
      v_window := p_windows[i] * interval '1 millisecond';
      v_need := least(v_units, p_maxes[i]);
      select count(*) into v_used from budget_spends where key = p_counters[i] and at > p_now - v_window;
      if v_used + v_need > p_maxes[i] then
        -- Room for v_need more once the (max - need + 1)-th most recent spend leaves the window.
        select at into v_pivot from budget_spends where key = p_counters[i] and at > p_now - v_window
         order by at desc offset p_maxes[i] - v_need limit 1;
        if v_pivot + v_window > v_until then v_until := v_pivot + v_window; end if;
      end if;
    end loop;
    if v_until > p_now then
      raise exception using errcode = 'CR001', message = 'rate budget spent',
        detail = to_char(v_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    end if;
    insert into budget_spends (key, at) select k, p_now from unnest(v_keys) as k, generate_series(1, v_units);
  end if;
  return next v_row;
end
$fn$`.execute(db);
}
