import type { PlatformAdapter } from '../platforms/platform';
import { budgetWait, countersOfScope, ResolvedBudget, resolveBudgets } from './budgets';

const t0 = new Date('2026-12-05T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
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

describe('budgetWait', () => {
  it('is null while every budget has room', () => {
    expect(budgetWait([b('a', 20, 60_000)], [{ used: 19, pivot: at(-1000) }], new Map(), 1, t0)).toBeNull();
  });

  it('waits until the spend that makes room leaves its window', () => {
    // 20 a minute, 20 used; the 20th most recent (the pivot) was 45 s ago: room in 15 s.
    expect(budgetWait([b('a', 20, 60_000)], [{ used: 20, pivot: at(-45_000) }], new Map(), 1, t0)).toEqual(at(15_000));
  });

  it('takes the longest wait of several budgets (Gab: per minute and per half hour)', () => {
    const budgets = [b('gab', 20, 60_000), b('gab', 100, 30 * 60_000)];
    const uses = [
      { used: 3, pivot: null },
      { used: 100, pivot: at(-20 * 60_000) },
    ];
    expect(budgetWait(budgets, uses, new Map(), 1, t0)).toEqual(at(10 * 60_000));
  });

  it("honours the platform's own 'not before', and ignores one already past", () => {
    expect(budgetWait([], [], new Map([['x', at(30_000)]]), 1, t0)).toEqual(at(30_000));
    expect(budgetWait([], [], new Map([['x', at(-1)]]), 1, t0)).toBeNull();
  });

  it('a thread of several parts needs room for all of them; one larger than the budget waits for it to empty', () => {
    expect(budgetWait([b('a', 10, 60_000)], [{ used: 8, pivot: at(-50_000) }], new Map(), 3, t0)).toEqual(at(10_000));
    expect(budgetWait([b('a', 2, 60_000)], [{ used: 0, pivot: null }], new Map(), 5, t0)).toBeNull();
  });
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
