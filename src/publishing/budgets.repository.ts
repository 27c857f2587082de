import { Inject, Injectable } from '@nestjs/common';
import { sql, Transaction } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { Database } from '../database/schema';

type Executor = Db | Transaction<Database>;

/**
 * Rate budgets in PostgreSQL: one row per counter (`rate_budgets`, locked while a claim decides, holding the
 * platform's own "not before") and a sliding-window log of spends (`budget_spends`). Kept with the deliveries so a
 * claim and its spend commit together (crier_claim, migration 0006), and so any queue backend can use them. This
 * is what happens to spends afterwards.
 */
@Injectable()
export class BudgetsRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

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
