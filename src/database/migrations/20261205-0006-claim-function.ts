import { Kysely, sql } from 'kysely';

/**
 * The claim as one database function (docs/ARCHITECTURE.md, "The publishing core"): the turn check and claim, the
 * budget counters locked in key order, their sliding windows counted after the lock, and the spend, in one round
 * trip. On this hardware a round trip costs more than the work, and the claim is on every delivery's path.
 *
 * Returns the claimed row; no row when it is not the delivery's turn (or it is not due or not runnable); raises
 * SQLSTATE CR001 with the time the budgets allow it in DETAIL (ISO 8601) when a budget is spent, rolling the
 * claim back. Another delivery of the account being `publishing` raises 23505 (the unique index).
 * Budgets come as parallel arrays: counter, window (ms), max; `units` is how many publishes the claim spends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create function crier_claim(
  p_id uuid, p_token uuid, p_now timestamptz, p_lease_until timestamptz,
  p_counters text[], p_windows bigint[], p_maxes integer[], p_units integer
) returns setof deliveries language plpgsql as $fn$
declare
  v_row deliveries;
  v_until timestamptz := p_now;
  v_keys text[];
  v_blocked timestamptz;
  v_window interval;
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
     and not exists (
       select 1 from deliveries o
        where o.account_id = d.account_id and o.status in ('scheduled', 'retrying')
          and o.next_attempt_at <= p_now and (o.scheduled_at, o.seq) < (d.scheduled_at, d.seq))
  returning * into v_row;
  if not found then
    return;
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
      v_need := least(p_units, p_maxes[i]);
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
    insert into budget_spends (key, at) select k, p_now from unnest(v_keys) as k, generate_series(1, p_units);
  end if;
  return next v_row;
end
$fn$`.execute(db);
}
