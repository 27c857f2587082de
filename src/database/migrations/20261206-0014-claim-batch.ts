import { Kysely, sql } from 'kysely';

/**
 * Claims in batches (docs/ARCHITECTURE.md, "The publishing core"): a worker process sends the claims of every job
 * that started while its previous claim statement was in flight as one statement. `crier_claim_batch` runs
 * `crier_claim` (migrations 0006/0007, and whatever later migrations add to it) for each item, each in its own
 * subtransaction, so one item's spent budget or lost race undoes that item only.
 *
 * Deadlocks: every rate budget the batch may touch is locked first, in key order, as a single claim does; the
 * caller sends items in account order, so two batches meet the one-`publishing`-per-account index in the same
 * order too.
 *
 * Per item: `p_nows[i]` is its claim time (the spends' stamp: the caller keeps them distinct, so a settle restamps
 * or refunds exactly its own spends), `p_lease_ms[i]` its lease, `p_units[i]`/`p_versions[i]` as in crier_claim
 * (null: computed / not checked), and its budgets are `p_counters[p_b_from[i]:p_b_to[i]]` (with the windows and
 * maxes at the same places).
 * One row per item that did not simply find nothing to claim: `claimed` with the row, or `budget` with the time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create function crier_claim_batch(
  p_ids uuid[], p_tokens uuid[], p_nows timestamptz[], p_lease_ms bigint[], p_units integer[], p_versions bigint[],
  p_b_from integer[], p_b_to integer[], p_counters text[], p_windows bigint[], p_maxes integer[]
) returns table (ord integer, outcome text, until timestamptz, claimed deliveries) language plpgsql as $fn$
declare
  v_keys text[];
  v_row deliveries;
  v_detail text;
begin
  if coalesce(array_length(p_counters, 1), 0) > 0 then
    select array_agg(distinct k order by k) into v_keys from unnest(p_counters) as k;
    insert into rate_budgets (key) select unnest(v_keys) order by 1 on conflict (key) do nothing;
    perform 1 from rate_budgets where key = any(v_keys) order by key for update;
  end if;
  for i in 1 .. coalesce(array_length(p_ids, 1), 0) loop
    begin
      select * into v_row from crier_claim(
        p_ids[i], p_tokens[i], p_nows[i], p_nows[i] + p_lease_ms[i] * interval '1 millisecond',
        coalesce(p_counters[p_b_from[i]:p_b_to[i]], '{}'), coalesce(p_windows[p_b_from[i]:p_b_to[i]], '{}'),
        coalesce(p_maxes[p_b_from[i]:p_b_to[i]], '{}'), p_units[i], p_versions[i]);
      if v_row.id is not null then
        ord := i; outcome := 'claimed'; until := null; claimed := v_row;
        return next;
      end if;
    exception
      when sqlstate 'CR001' then
        get stacked diagnostics v_detail = pg_exception_detail;
        ord := i; outcome := 'budget'; until := v_detail::timestamptz; claimed := null;
        return next;
      when unique_violation then
        -- Another delivery of the account was claimed meanwhile: not this one's turn (no row).
        null;
    end;
  end loop;
end
$fn$`.execute(db);
}
