import { ArticlesService } from '../../src/articles/articles.service';
import { FeedReader } from '../../src/feeds/feed-reader';
import { isPublicAddress } from '../../src/platforms/net-guard';
import { FeedsEnv, story } from './feeds-env';

/**
 * Feeds written to hurt: bodies and titles shaped to make parsers and regular expressions slow, documents that
 * expand, servers that drip or redirect inward, charsets that lie. Each is read through the app's own services
 * (the content pool's worker thread included) against real Postgres + Redis; every case must end well within its
 * budget, and this thread (the one that would answer /health) must keep ticking meanwhile.
 */
jest.setTimeout(60_000);

/** Largest gap between 10 ms timer ticks on this thread while `work` runs; the work's result or error. */
async function withLoopLag<T>(work: () => Promise<T>): Promise<{ lag: number; result?: T; error?: Error }> {
  let last = performance.now();
  let lag = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last);
    last = now;
  }, 10);
  try {
    return { lag, result: await work() };
  } catch (e) {
    return { lag, error: e as Error };
  } finally {
    clearInterval(tick);
    lag = Math.max(lag, performance.now() - last);
  }
}

describe('feeds: hostile content (medium)', () => {
  let e: FeedsEnv;

  beforeAll(async () => {
    e = await FeedsEnv.create();
  });

  afterAll(async () => {
    await e?.close();
  });

  const add = (path: string) => e.feeds.create({ url: e.server.baseUrl + path, accountIds: [e.tg.id], spacing: 60 });
  const itemRows = (feedId: string) =>
    e.m.db
      .selectFrom('feed_items')
      .select(['title', 'status', 'error'])
      .where('feed_id', '=', feedId)
      .where('status', '!=', 'seen')
      .execute();

  it('fails a poisoned item alone, with its reason, and schedules the rest of the poll; the loop stays free', async () => {
    e.server.feed('/poison', 'rss', [story()]);
    const feed = await add('/poison');
    const deep = story({ title: 'Deep', html: '<div>'.repeat(2000) + '<p>deep</p>' });
    const scripts = story({ title: 'Scripts', html: '<p>Lead.</p>' + '<script'.repeat(100_000) });
    const cdata = story({ title: 'CDATA ' + '&lt;![CDATA['.repeat(20_000), html: '<p>Body.</p>' });
    const huge = story({ title: 'T'.repeat(3 * 1024 * 1024), html: '<p>A story with a huge title.</p>' });
    const fine = story({ title: 'Fine' });
    e.server.addItems('/poison', deep, scripts, cdata, huge, fine);

    const started = Date.now();
    const { lag, result } = await withLoopLag(() => e.pollNow(feed.id));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(lag).toBeLessThan(1500);
    expect(result).toMatchObject({ ok: true, result: { taken: 5, scheduled: 4, failed: 1 } });

    const rows = await itemRows(feed.id);
    expect(rows.find((r) => r.title === 'Deep')).toMatchObject({
      status: 'failed',
      error: 'html nests elements more than 200 deep',
    });
    const scheduled = rows.filter((r) => r.status === 'scheduled').map((r) => r.title.slice(0, 9));
    expect(scheduled.sort()).toEqual(['CDATA <![', 'Fine', 'Scripts', 'TTTTTTTTT']);
    const article = await e.m.db.selectFrom('articles').select('title').where('url', '=', huge.link).executeTakeFirst();
    expect(article?.title).toHaveLength(1000); // cut as the API would take it
    expect((await e.feeds.get(feed.id)).lastError).toBe('item "Deep": html nests elements more than 200 deep');
  });

  it('refuses a feed over 5 MiB (a 6 MiB title) while it streams', async () => {
    e.server.feed('/big-title', 'rss', [story({ title: 'T'.repeat(6 * 1024 * 1024) })]);
    await expect(add('/big-title')).rejects.toThrow('url is larger than 5 MiB');
  });

  it('bounds XML entities a document declares, and still reads thousands of escaped references', async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' +
      'x'.repeat(5000) +
      '">]><rss><channel><title>t</title><item><title>' +
      '&a;'.repeat(2000) +
      '</title><link>https://news.example/x</link></item></channel></rss>';
    e.server.raw('/laughs', 200, laughs, { 'Content-Type': 'application/rss+xml' });
    await expect(add('/laughs')).rejects.toThrow(/url is not a feed we can read: .*limit exceeded/);

    const nested =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' +
      '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss><channel><title>&c;&c;&c;</title></channel></rss>';
    e.server.raw('/nested', 200, nested, { 'Content-Type': 'application/rss+xml' });
    const read = await add('/nested');
    expect(read.title?.length ?? 0).toBeLessThan(100); // nested references are not expanded at all

    const escaped = story({ title: 'Escaped', html: '<p>' + 'a &amp; b &lt; c '.repeat(3000) + '</p>' });
    e.server.raw(
      '/escaped',
      200,
      `<rss><channel><title>Esc</title><item><title>Escaped</title><link>${escaped.link}</link>` +
        `<description>${escaped.html!.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</description></item></channel></rss>`,
      { 'Content-Type': 'application/rss+xml' },
    );
    await expect(add('/escaped')).resolves.toMatchObject({ kind: 'rss', items: { seen: 1 } });
  });

  it('decides at once that a body of empty comments is no web page (the old pattern backtracked for minutes)', async () => {
    e.server.raw('/comments', 200, '<!---->'.repeat(60) + 'x', { 'Content-Type': 'text/html' });
    const started = Date.now();
    await expect(add('/comments')).rejects.toThrow('url is not a feed we can read');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('scans a web page of 200,000 unclosed <link tags for feeds in linear time', async () => {
    e.server.raw('/links', 200, '<!doctype html><html><head>' + '<link'.repeat(200_000), {
      'Content-Type': 'text/html',
    });
    const started = Date.now();
    await expect(add('/links')).rejects.toThrow('url is a web page that names no RSS, Atom or WordPress feed');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers 422 naming the field for an article the cleaner refuses (API and previews share the service)', async () => {
    const articles = e.app.get(ArticlesService);
    const deep = { url: 'https://news.example/deep', title: 'Deep', html: '<div>'.repeat(2000) };
    await expect(articles.create(deep)).rejects.toMatchObject({
      status: 422,
      response: { message: 'html nests elements more than 200 deep' },
    });
    await expect(articles.clean({ html: deep.html }, 'article.')).rejects.toMatchObject({
      status: 422,
      response: { message: 'article.html nests elements more than 200 deep' },
    });
  });

  describe('the fetcher', () => {
    const reader = (over: Partial<FeedReader['limits']> = {}) =>
      new FeedReader({ httpTimeoutMs: 2000, feedsAllowPrivate: false }, over);

    it('has a total deadline: a server sending a byte every 100 ms is cut at the timeout (already so)', async () => {
      const url = e.server.slow('/drip', 100);
      const started = Date.now();
      await expect(reader({ timeoutMs: 1000, allowPrivateAddresses: true }).discover(url)).rejects.toThrow(
        'did not answer completely within 1 s',
      );
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('refuses a redirect into private space on any hop (already so)', async () => {
      // 127.0.0.1 stands in for the public internet here; every other non-public address stays refused.
      const permit = (a: string) => a === '127.0.0.1' || isPublicAddress(a);
      const port = new URL(e.server.baseUrl).port;
      for (const [path, target] of [
        ['/to-loopback', `http://127.0.0.2:${port}/feed`],
        ['/to-10', 'http://10.1.2.3/feed'],
        ['/to-metadata', 'http://169.254.169.254/latest/meta-data/'],
        ['/to-v6-mapped', `http://[::ffff:127.0.0.2]:${port}/feed`],
      ]) {
        const url = e.server.redirectChain(path, 2, target);
        await expect(reader({ permit }).discover(url)).rejects.toThrow(
          'points to a private address; set CRIER_FEEDS_ALLOW_PRIVATE=true to allow',
        );
      }
      expect(e.server.hits('/to-loopback/hop1')).toBe(1); // the public hops were followed, the private one refused
    });

    it('decodes by the BOM over a declared charset, ignores an impossible UTF-16 label and unknown charsets', async () => {
      const xml = (title: string) =>
        `<?xml version="1.0"?><rss><channel><title>${title}</title><item><title>${title}</title>` +
        '<link>https://news.example/c</link></item></channel></rss>';
      const cases: Array<[string, Buffer, string]> = [
        ['utf8-bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml('Café'))]), 'iso-8859-1'],
        ['utf16le-bom', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml('Café'), 'utf16le')]), 'utf-8'],
        ['lying-utf16', Buffer.from(xml('Café').replace('version="1.0"', 'version="1.0" encoding="UTF-16"')), ''],
        ['unknown', Buffer.from(xml('Café')), 'x-no-such-charset'],
        ['latin1', Buffer.from(xml('Café'), 'latin1'), 'ISO-8859-1'],
      ];
      for (const [path, body, charset] of cases) {
        const type = `application/rss+xml${charset ? `; charset=${charset}` : ''}`;
        e.server.rawBytes(`/charset-${path}`, body, type);
        const read = await reader({ allowPrivateAddresses: true }).discover(`${e.server.baseUrl}/charset-${path}`);
        expect([path, read.feed.items[0]?.title]).toEqual([path, 'Café']);
      }
    });
  });
});
