import { BadInput } from '../common/errors';
import { checkHostMove, originOf } from './account-host';

describe('checkHostMove (credentials stay with their host)', () => {
  const refused = (before: string | undefined, after: string | undefined) => {
    try {
      checkHostMove(before, after, false);
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it.each([
    ['another host', 'https://mastodon.social', 'https://attacker.example'],
    ['another port', 'http://127.0.0.1:4000', 'http://127.0.0.1:4001'],
    ['another scheme', 'https://api.telegram.org', 'http://api.telegram.org'],
    ['a subdomain', 'https://example.social', 'https://api.example.social'],
    ['from the platform default to a set URL', 'https://api.telegram.org', 'https://evil.example'],
  ])('a move to %s needs credentials (400 naming credentials)', (_name, before, after) => {
    const e = refused(before, after);
    expect(e).toBeInstanceOf(BadInput);
    expect((e as Error).message).toMatch(/^credentials are required when settings\.apiBaseUrl moves to another host/);
    expect((e as Error).message).toContain(`(${new URL(before).origin} → ${new URL(after).origin})`);
    expect(checkHostMove(before, after, true)).toBe(true);
  });

  it.each([
    ['the same URL', 'https://mastodon.social', 'https://mastodon.social'],
    ['a path only', 'https://example.social', 'https://example.social/api/proxy'],
    ['the default port written out', 'https://example.social', 'https://example.social:443/'],
    ['the host in capitals', 'https://example.social', 'https://EXAMPLE.social'],
  ])('%s is no move: the stored credentials stay', (_name, before, after) => {
    expect(checkHostMove(before, after, false)).toBe(false);
    expect(checkHostMove(before, after, true)).toBe(false);
  });

  it('treats an unreadable stored URL as another origin', () => {
    expect(refused('not a url', 'https://example.social')).toBeInstanceOf(BadInput);
    expect(originOf('not a url')).toBeNull();
    expect(originOf(undefined)).toBeNull();
  });
});
