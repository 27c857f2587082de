import { Inject, Injectable } from '@nestjs/common';
import { sql, Transaction } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { Database } from '../database/schema';
import { BudgetUse, ResolvedBudget } from './budgets';

type Executor = Db | Transaction<Database>;

/**
 * Rate budgets in PostgreSQL: one row per counter (`rate_budgets`, locked while a claim decides, holding the
 * platform's own "not before") and a sliding-window log of spends (`budget_spends`). Kept with the deliveries so a
 * claim and its spend commit together, and so any queue backend can use them.
 */
@Injectable()
export class BudgetsRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  /**
   * Locks the counters (in key order, so two claims never deadlock) for the rest of `tx`, and returns the
   * platform's "not before" of those that have one.
   */
  async lock(tx: Executor, counters: readonly string[]): Promise<Map<string, Date>> {
    const keys = [...new Set(counters)].sort();
    if (keys.length === 0) return new Map();
    const rows = await sql<{ key: string; blocked_until: Date | null }>`
      insert into rate_budgets (key) select unnest(${keys}::text[]) order by 1
      on conflict (key) do update set key = excluded.key
      returning key, blocked_until`.execute(tx);
    const out = new Map<string, Date>();
    for (const r of rows.rows) if (r.blocked_until) out.set(r.key, new Date(r.blocked_until));
    return out;
  }

  /** For each budget, its spends within its window and the spend whose leaving makes room for `units` more. */
  async uses(tx: Executor, budgets: readonly ResolvedBudget[], units: number, now: Date): Promise<BudgetUse[]> {
    if (budgets.length === 0) return [];
    const counters = budgets.map((b) => b.counter);
    const windows = budgets.map((b) => b.windowMs);
    const offsets = budgets.map((b) => Math.max(0, b.max - Math.min(units, b.max)));
    const rows = await sql<{ i: number; used: number; pivot: Date | null }>`
      select b.i::int as i,
        (select count(*) from budget_spends s
          where s.key = b.counter and s.at > ${now}::timestamptz - b.window_ms * interval '1 millisecond')::int as used,
        (select s.at from budget_spends s
          where s.key = b.counter and s.at > ${now}::timestamptz - b.window_ms * interval '1 millisecond'
          order by s.at desc offset b.off limit 1) as pivot
      from unnest(${counters}::text[], ${windows}::bigint[], ${offsets}::bigint[])
        with ordinality as b(counter, window_ms, off, i)
      order by b.i`.execute(tx);
    return rows.rows.map((r) => ({ used: Number(r.used), pivot: r.pivot ? new Date(r.pivot) : null }));
  }

  /** Records `units` publishes on every distinct counter. */
  async spend(tx: Executor, counters: readonly string[], units: number, at: Date): Promise<void> {
    const keys = [...new Set(counters)];
    if (keys.length === 0 || units <= 0) return;
    const all = keys.flatMap((k) => Array<string>(units).fill(k));
    await sql`insert into budget_spends (key, at) select unnest(${all}::text[]), ${at}::timestamptz`.execute(tx);
  }

  /**
   * A claim's spends take the time the platform answered: it counts a post when the request arrives, which is
   * after the claim, so a spend stamped at the claim would let the next one through a little early.
   */
  async restamp(tx: Executor, counters: readonly string[], from: Date, to: Date): Promise<void> {
    const keys = [...new Set(counters)];
    if (keys.length === 0) return;
    await tx.updateTable('budget_spends').set({ at: to }).where('key', 'in', keys).where('at', '=', from).execute();
  }

  /** The platform refused the publish for its rate: it did not count, so neither do we (`units` per counter). */
  async refund(tx: Executor, counters: readonly string[], units: number, at: Date): Promise<void> {
    const keys = [...new Set(counters)];
    if (keys.length === 0) return;
    await sql`
      delete from budget_spends where ctid in (
        select ctid from (
          select ctid, row_number() over (partition by key) as n from budget_spends
          where key = any(${keys}::text[]) and at = ${at}::timestamptz
        ) s where s.n <= ${units}
      )`.execute(tx);
  }

  /** The platform said "not before `until`" for these counters (never moves an existing block earlier). */
  async block(tx: Executor, counters: readonly string[], until: Date): Promise<void> {
    const keys = [...new Set(counters)].sort();
    if (keys.length === 0) return;
    await sql`
      insert into rate_budgets (key, blocked_until) select unnest(${keys}::text[]), ${until}::timestamptz order by 1
      on conflict (key) do update
        set blocked_until = greatest(coalesce(rate_budgets.blocked_until, excluded.blocked_until), excluded.blocked_until)`.execute(
      tx,
    );
  }

  /** Spends older than every window (a day is the longest any platform declares, plus margin). */
  async prune(before: Date): Promise<number> {
    const r = await this.db.deleteFrom('budget_spends').where('at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
