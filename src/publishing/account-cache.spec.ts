import type { AccountRow } from '../database/schema';
import type { AccountRef } from '../platforms/platform';
import { AccountCache } from './account-cache';

const row = (id: string, version: string, settings: Record<string, string> = {}): AccountRow => ({
  id,
  platform: 'telegram',
  name: id,
  status: 'active',
  settings: { chatId: '-100', ...settings },
  credentials_enc: 'enc',
  remote: null,
  status_reason: null,
  created_at: new Date(),
  updated_at: new Date(),
  version,
});

describe('AccountCache', () => {
  let decrypted: number;
  const toRef = (r: AccountRow): AccountRef => {
    decrypted++;
    return { accountId: r.id, settings: r.settings, credentials: { botToken: `1:${r.version}` }, remote: null };
  };
  beforeEach(() => (decrypted = 0));

  it('keeps an account until its version moves; then the new row replaces it', () => {
    const cache = new AccountCache(toRef);
    const first = cache.remember(row('a', '1'));
    expect(cache.get('a')).toBe(first);
    expect(cache.remember(row('a', '1'))).toBe(first);
    expect(decrypted).toBe(1);
    const second = cache.remember(row('a', '2'));
    expect(second).not.toBe(first);
    expect(second.ref.credentials.botToken).toBe('1:2');
    expect(cache.get('a')).toBe(second);
    expect(first.budgets.length).toBeGreaterThan(0);
  });

  it('does not keep an account with a daily cap (the cap is counted before every claim)', () => {
    const cache = new AccountCache(toRef);
    cache.remember(row('a', '1'));
    const capped = cache.remember(row('a', '2', { maxPostsPerDay: '5' }));
    expect(capped.row.version).toBe('2');
    expect(cache.get('a')).toBeUndefined();
  });

  it('holds at most its bound, dropping the oldest', () => {
    const cache = new AccountCache(toRef, 2);
    cache.remember(row('a', '1'));
    cache.remember(row('b', '1'));
    cache.remember(row('c', '1'));
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map((k) => k?.row.id)).toEqual([undefined, 'b', 'c']);
  });
});
