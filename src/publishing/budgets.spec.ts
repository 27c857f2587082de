import type { PlatformAdapter } from '../platforms/platform';
import { countersOfScope, ResolvedBudget, resolveBudgets } from './budgets';

const b = (
  counter: string,
  max: number,
  windowMs: number,
  scope: ResolvedBudget['scope'] = 'account',
): ResolvedBudget => ({
  scope,
  key: counter,
  counter,
  max,
  windowMs,
});

describe('countersOfScope', () => {
  const budgets = [b('tg:bot:1', 30, 1000, 'bot'), b('tg:chat:1', 20, 60_000, 'chat')];
  it("applies a platform's wait to the counters of its scope", () => {
    expect(countersOfScope(budgets, 'chat')).toEqual(['tg:chat:1']);
    expect(countersOfScope(budgets, 'bot')).toEqual(['tg:bot:1']);
  });
  it("falls back to the account's counters when the scope has none, else to all of them", () => {
    expect(countersOfScope([b('x:account:u', 100, 900_000)], 'app')).toEqual(['x:account:u']);
    expect(countersOfScope([b('page:p', 60, 3_600_000, 'page')], 'app')).toEqual(['page:p']);
  });
});

describe('resolveBudgets', () => {
  it('names each counter scope:key (one Gab account is one counter, through Gab or Gab TV)', () => {
    const adapter = { id: 'gab', budgets: () => [{ scope: 'account', key: 'k', max: 20, windowMs: 60_000 }] };
    const ref = { accountId: 'a', credentials: {}, settings: {}, remote: null };
    expect(resolveBudgets(adapter as unknown as PlatformAdapter, ref)[0].counter).toBe('account:k');
  });
});
