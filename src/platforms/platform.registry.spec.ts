import { ADAPTERS, checkRegistry, findAdapter, getAdapter } from './platform.registry';
import { PLATFORM_IDS } from './platform';

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

  it.each(ADAPTERS.map((a) => [a.id, a] as const))('%s declares its fields and a queue rate limit', (_id, a) => {
    // API.md: identifiers that are not secret are shown as they are; everything else is masked.
    for (const f of a.credentialFields) expect(f.secret).toBe(!['username', 'clientId', 'expiresAt'].includes(f.name));
    expect(a.settingsFields.find((f) => f.name === 'apiBaseUrl')).toMatchObject({ secret: false });
    expect(a.rateLimit.max).toBeGreaterThan(0);
    expect(a.rateLimit.durationMs).toBeGreaterThan(0);
  });
});
