import { ADAPTERS, checkRegistry, findAdapter, getAdapter } from './platform.registry';
import { PLATFORM_IDS } from './platform';

describe('platform registry', () => {
  it('has one adapter per id, each a known platform id', () => {
    expect(() => checkRegistry()).not.toThrow();
    for (const a of ADAPTERS) expect(PLATFORM_IDS).toContain(a.id);
  });

  it('refuses two adapters for one id', () => {
    expect(() => checkRegistry([...ADAPTERS, ADAPTERS[0]])).toThrow(/two adapters for "telegram"/);
  });

  it('finds adapters by id', () => {
    expect(getAdapter('gab').id).toBe('gab');
    expect(findAdapter('nope')).toBeUndefined();
    expect(() => getAdapter('rumble')).toThrow(/no adapter/);
  });

  it.each(ADAPTERS.map((a) => [a.id, a] as const))('%s declares its fields and a queue rate limit', (_id, a) => {
    expect(a.credentialFields.every((f) => f.secret)).toBe(true);
    expect(a.settingsFields.find((f) => f.name === 'apiBaseUrl')).toMatchObject({ secret: false });
    expect(a.rateLimit.max).toBeGreaterThan(0);
    expect(a.rateLimit.durationMs).toBeGreaterThan(0);
  });
});
