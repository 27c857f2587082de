import { FeedReader } from '../../src/feeds/feed-reader';
import { FeedServer } from '../support/feed-server';

/** Fetching and reading feeds from a real HTTP server on loopback: bounds, the address guard, discovery, 304s. */
describe('FeedReader against a local feed server (medium)', () => {
  let server: FeedServer;
  const reader = (over: Partial<FeedReader['limits']> = {}) =>
    new FeedReader({ httpTimeoutMs: 2000, feedsAllowPrivate: true }, { maxBytes: 1024 * 1024, ...over });
  const item = (n: number) => ({
    guid: `g-${n}`,
    link: `https://news.example/${n}`,
    title: `Story ${n}`,
    html: `<p>Body ${n}</p>`,
    categories: ['Local'],
  });

  beforeAll(async () => {
    server = await FeedServer.start();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it.each(['rss', 'atom', 'wordpress'] as const)('reads a %s feed and knows its kind', async (kind) => {
    const url = server.feed(`/${kind}`, kind, [item(2), item(1)]);
    const read = await reader().discover(url);
    expect(read.feed.kind).toBe(kind);
    expect(read.feed.items.map((i) => [i.guid, i.link, i.title, i.tags])).toEqual([
      ['g-2', 'https://news.example/2', 'Story 2', ['Local']],
      ['g-1', 'https://news.example/1', 'Story 1', ['Local']],
    ]);
  });

  it('refuses loopback unless private addresses are allowed, naming the setting', async () => {
    const url = server.feed('/private', 'rss', [item(1)]);
    await expect(new FeedReader({ httpTimeoutMs: 2000, feedsAllowPrivate: false }).discover(url)).rejects.toThrow(
      'points to a private address; set CRIER_FEEDS_ALLOW_PRIVATE=true to allow',
    );
    expect(server.hits('/private')).toBe(0);
  });

  it('follows up to 5 redirects and refuses a 6th', async () => {
    server.feed('/target', 'rss', [item(1)]);
    const ok = await reader().discover(server.redirectChain('/five', 5, '/target'));
    expect(ok.feed.items).toHaveLength(1);
    await expect(reader().discover(server.redirectChain('/six', 6, '/target'))).rejects.toThrow(
      'redirects more than 5 times',
    );
  });

  it('refuses a redirect to another scheme', async () => {
    server.raw('/to-file', 302, '', { Location: 'file:///etc/passwd' });
    await expect(reader().discover(`${server.baseUrl}/to-file`)).rejects.toThrow(
      'redirects to something other than http or https',
    );
  });

  it('abandons a body larger than the limit while it streams', async () => {
    const url = server.huge('/huge', 64 * 1024 * 1024);
    const started = Date.now();
    await expect(reader().discover(url)).rejects.toThrow('is larger than 1 MiB');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('cuts a body that trickles at the timeout', async () => {
    const url = server.slow('/slow', 40);
    const started = Date.now();
    await expect(reader({ timeoutMs: 500 }).discover(url)).rejects.toThrow('did not answer completely within 0.5 s');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('says what went wrong for an error status, an unreachable host and a non-feed', async () => {
    await expect(reader().discover(`${server.baseUrl}/missing`)).rejects.toThrow('answered HTTP 404');
    await expect(reader().discover('http://127.0.0.1:1/feed')).rejects.toThrow(/could not be reached \(ECONNREFUSED\)/);
    server.raw('/text', 200, 'hello');
    await expect(reader().discover(`${server.baseUrl}/text`)).rejects.toThrow(/not a feed we can read/);
    await expect(reader().discover('ftp://example.com/feed')).rejects.toThrow('must be an http or https URL');
  });

  it('discovers the feed a web page names', async () => {
    server.feed('/site/feed.xml', 'atom', [item(1)]);
    server.raw(
      '/site/',
      200,
      '<!doctype html><html><head><link rel="alternate" type="application/atom+xml" href="/site/feed.xml"></head></html>',
      {
        'Content-Type': 'text/html',
      },
    );
    const read = await reader().discover(`${server.baseUrl}/site/`);
    expect(read.fetchUrl).toBe(`${server.baseUrl}/site/feed.xml`);
    expect(read.feed.kind).toBe('atom');
    server.raw('/nofeed', 200, '<!doctype html><html><head></head></html>', { 'Content-Type': 'text/html' });
    await expect(reader().discover(`${server.baseUrl}/nofeed`)).rejects.toThrow(
      'is a web page that names no RSS, Atom or WordPress feed',
    );
  });

  it('polls conditionally: an unchanged feed answers 304, a changed one is read again', async () => {
    const url = server.feed('/etag', 'rss', [item(1)]);
    const first = await reader().discover(url);
    expect(first.etag).toMatch(/^"/);
    const again = await reader().read(url, { etag: first.etag, lastModified: first.lastModified });
    expect(again.notModified).toBe(true);
    server.addItems('/etag', item(2));
    const changed = await reader().read(url, { etag: first.etag });
    expect(changed.notModified).toBe(false);
  });
});
