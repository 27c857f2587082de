import type { PlatformAdapter, AccountRef, BudgetScope, RateBudget } from '../platforms/platform';

/** A budget as the worker keeps it: the adapter's declaration with the counter's full name. */
export interface ResolvedBudget extends RateBudget {
  /**
   * `scope:key`: the counter's row in `rate_budgets` / `budget_spends`. Not named by platform: keys carry the API
   * origin, so Gab and Gab TV posting through one Gab account spend one counter, as Gab counts them.
   */
  counter: string;
}

/** The budgets one publish through this account spends, named for storage. */
export function resolveBudgets(adapter: PlatformAdapter, account: AccountRef): ResolvedBudget[] {
  return adapter.budgets(account).map((b) => ({ ...b, counter: `${b.scope}:${b.key}` }));
}

/**
 * The counters a platform's "wait" applies to: those of its scope; where nothing is declared for that scope,
 * the account's own; where nothing is declared for the account either (a Facebook Page), all of them.
 */
export function countersOfScope(budgets: readonly ResolvedBudget[], scope: BudgetScope): string[] {
  const of = (s: BudgetScope) => [...new Set(budgets.filter((b) => b.scope === s).map((b) => b.counter))];
  for (const counters of [of(scope), of('account')]) if (counters.length > 0) return counters;
  return [...new Set(budgets.map((b) => b.counter))];
}
