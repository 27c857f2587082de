import { Kysely, sql } from 'kysely';

/**
 * The worker's fast path (docs/ARCHITECTURE.md, "The publishing core"): a worker that has an account in its cache
 * claims a delivery without reading it first, so the claim must check what that read checked.
 *
 * - `accounts.version`, moved by a trigger on every update whoever writes it: a cached account is current when its
 *   version matches, so a worker never publishes with credentials or settings that changed, or for an account
 *   that is no longer active.
 * - `crier_claim` takes that version (null: the caller has just read the account, no check) and computes the units
 *   a thread spends from the row itself when `p_units` is null (the caller has not read the row).
 * Otherwise the function is the one of migration 0006.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table accounts add column version bigint not null default 0`.execute(db);
  await sql`
create function crier_account_version() returns trigger language plpgsql as $fn$
begin
  new.version := old.version + 1;
  return new;
end
$fn$`.execute(db);
  await sql`create trigger accounts_version before update on accounts
    for each row execute function crier_account_version()`.execute(db);

  await sql`drop function crier_claim(uuid, uuid, timestamptz, timestamptz, text[], bigint[], integer[], integer)`.execute(
    db,
  );
  await sql`
create function crier_claim(
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
