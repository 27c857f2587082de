import { ADAPTERS, checkRegistry, findAdapter, getAdapter } from './platform.registry';
import { AccountRef, PLATFORM_IDS, PlatformAdapter } from './platform';

describe('platform registry', () => {
  it('has exactly one adapter for every platform id of the API', () => {
    expect(() => checkRegistry()).not.toThrow();
    expect(ADAPTERS.map((a) => a.id).sort()).toEqual([...PLATFORM_IDS].sort());
  });

  it('refuses two adapters for one id', () => {
    expect(() => checkRegistry([...ADAPTERS, ADAPTERS[0]])).toThrow(/two adapters for "telegram"/);
  });

  it('finds adapters by id', () => {
    expect(getAdapter('gab').id).toBe('gab');
    expect(findAdapter('nope')).toBeUndefined();
    expect(findAdapter('rumble')?.id).toBe('rumble');
  });

  it.each(ADAPTERS.map((a) => [a.id, a] as const))('%s declares its fields', (_id, a) => {
    // API.md: identifiers that are not secret are shown as they are; everything else is masked.
    for (const f of a.credentialFields) expect(f.secret).toBe(!['username', 'clientId', 'expiresAt'].includes(f.name));
    expect(a.settingsFields.find((f) => f.name === 'apiBaseUrl')).toMatchObject({ secret: false });
  });

  // Every credential and setting field filled with a distinct value: what an account of each platform may hold.
  const fullAccount = (a: PlatformAdapter): AccountRef => ({
    accountId: 'acc-1',
    credentials: Object.fromEntries(a.credentialFields.map((f) => [f.name, `${f.name}-value-0123456789`])),
    settings: {
      ...Object.fromEntries(a.settingsFields.map((f) => [f.name, f.default ?? '-1001234567890'])),
      apiBaseUrl: 'https://platform.example/api/',
    },
    remote: null,
  });

  it.each(ADAPTERS.map((a) => [a.id, a] as const))(
    '%s spends a per-account (or narrower) budget, keyed without any credential',
    (_id, a) => {
      const account = fullAccount(a);
      const budgets = a.budgets(account);
      expect(budgets.some((b) => ['account', 'chat', 'page'].includes(b.scope))).toBe(true);
      for (const b of budgets) {
        expect(Number.isInteger(b.max) && b.max > 0).toBe(true);
        expect(Number.isInteger(b.windowMs) && b.windowMs > 0).toBe(true);
        expect(b.key).toMatch(/^https:\/\/platform\.example#/);
        for (const value of Object.values(account.credentials)) expect(b.key).not.toContain(value);
      }
      // The same account always counts on the same keys; without credentials, budgets still answer.
      expect(a.budgets(fullAccount(a))).toEqual(budgets);
      expect(a.budgets({ ...account, credentials: {} }).length).toBeGreaterThan(0);
    },
  );
});
