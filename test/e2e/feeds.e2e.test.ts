import { MastodonFake } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import { CrierProcess } from '../support/crier-process';
import { createMastodonAccount, createTelegramAccount, E2EStack } from '../support/e2e-stack';
import { FeedServer, TestItem } from '../support/feed-server';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

/** Feeds end to end: the built Crier polls a local feed server every second and publishes to the fakes. */
describe('feeds: new items are published once to every account of the feed, also across a restart', () => {
  let stack: E2EStack;
  let crier: CrierProcess;
  let tg: TelegramFake;
  let masto: MastodonFake;
  let server: FeedServer;
  let accountIds: string[];
  const env = { CRIER_FEEDS_ALLOW_PRIVATE: 'true', CRIER_FEEDS_POLL_SECONDS: '1' };
  let n = 0;
  const story = (over: Partial<TestItem> = {}): TestItem => {
    n++;
    return {
      guid: `urn:e2e:${n}`,
      link: `https://news.example/2026/e2e-${n}`,
      title: `E2E story ${n}`,
      html: `<p>Body ${n}.</p>`,
      ...over,
    };
  };
  const api = () => crier.api();
  const published = () => ({ tg: tg.messages.length, masto: masto.statuses.length });

  /** Resolves once the feed has been polled after `since` (its lastPolledAt moved past it). */
  async function polledAfter(feedId: string, since: number): Promise<void> {
    await waitFor(
      async () => {
        const res = await api().get(`/api/v1/feeds/${feedId}`);
        return (
          res.status === 200 && res.body.lastPolledAt !== null && new Date(res.body.lastPolledAt).getTime() > since
        );
      },
      { timeoutMs: 20_000, what: `feed ${feedId} to be polled` },
    );
  }

  beforeAll(async () => {
    stack = await E2EStack.create();
    [tg, masto, server] = await Promise.all([
      TelegramFake.start(),
      MastodonFake.start({ flavour: 'mastodon' }),
      FeedServer.start(),
    ]);
    crier = await stack.start('all', env);
    accountIds = [await createTelegramAccount(api(), tg), await createMastodonAccount(api(), masto)];
  });

  afterAll(async () => {
    await stack?.close();
    await Promise.all([tg?.stop(), masto?.stop(), server?.stop()]);
  });

  it('adds a feed, posts only what arrives after, each item once, and nothing again after a restart', async () => {
    const url = server.feed('/news.xml', 'rss', [story(), story()]);
    const created = await api().post('/api/v1/feeds').send({ url, accountIds, spacing: 1 }).expect(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      url,
      kind: 'rss',
      accountIds,
      backfill: false,
      items: { seen: 2 },
    });
    const feedId = created.body.id as string;
    await polledAfter(feedId, Date.now());
    expect(published()).toEqual({ tg: 0, masto: 0 });

    const a = story();
    const b = story({ link: 'https://news.example/2026/e2e-b?utm_source=rss&utm_medium=feed&id=9' });
    server.addItems('/news.xml', b, a);
    await waitFor(() => published().tg === 2 && published().masto === 2, {
      timeoutMs: 30_000,
      what: 'two items on both fakes',
    });
    for (const link of [a.link, 'https://news.example/2026/e2e-b?id=9']) {
      expect(tg.messages.filter((m) => m.text.includes(link))).toHaveLength(1);
      expect(masto.statuses.filter((s) => s.text.includes(link))).toHaveLength(1);
    }
    expect(tg.messages.some((m) => m.text.includes('utm_'))).toBe(false);

    // Known items in new clothes: the same GUID edited, the same link with tracking, the same text re-published.
    server.updateItem('/news.xml', a.guid, { title: 'E2E story, edited', html: '<p>Edited.</p>' });
    server.addItems('/news.xml', story({ link: `${a.link}?fbclid=xyz#top` }), story({ title: b.title, html: b.html }));
    await polledAfter(feedId, Date.now());
    await polledAfter(feedId, Date.now());

    server.conditional = false; // after the restart every poll reads the whole document again
    await crier.stop();
    crier = await stack.start('all', env);
    await polledAfter(feedId, Date.now());
    await polledAfter(feedId, Date.now());
    expect(published()).toEqual({ tg: 2, masto: 2 });

    const c = story();
    server.addItems('/news.xml', c);
    await waitFor(() => published().tg === 3 && published().masto === 3, {
      timeoutMs: 30_000,
      what: 'the item added after the restart',
    });
    await polledAfter(feedId, Date.now());
    expect(published()).toEqual({ tg: 3, masto: 3 });

    const items = await api().get(`/api/v1/feeds/${feedId}/items`).expect(200);
    expect(items.body.filter((i: { status: string }) => i.status === 'scheduled')).toHaveLength(3);
    const posts = await api().get('/api/v1/posts?limit=100').expect(200);
    expect(posts.body.items).toHaveLength(3);
    for (const p of posts.body.items)
      expect(p.deliveries.map((d: { accountId: string }) => d.accountId).sort()).toEqual([...accountIds].sort());
  });

  it('Atom with backfill posts what is there; WordPress is detected and polled; GET lists, DELETE stops', async () => {
    const atomUrl = server.feed('/atom.xml', 'atom', [story(), story()]);
    const before = published();
    const atom = await api()
      .post('/api/v1/feeds')
      .send({ url: atomUrl, accountIds: [accountIds[0]], backfill: true, spacing: 0 })
      .expect(201);
    expect(atom.body.kind).toBe('atom');
    await waitFor(() => tg.messages.length === before.tg + 2, { timeoutMs: 30_000, what: 'the backfilled items' });

    const wpUrl = server.feed('/wp-json/wp/v2/posts', 'wordpress', [story()]);
    const wp = await api()
      .post('/api/v1/feeds')
      .send({ url: wpUrl, accountIds: [accountIds[1]] })
      .expect(201);
    expect(wp.body).toMatchObject({ kind: 'wordpress', delay: 0, spacing: 120 });
    server.addItems('/wp-json/wp/v2/posts', story());
    await waitFor(() => masto.statuses.length === before.masto + 1, {
      timeoutMs: 30_000,
      what: 'the new WordPress post',
    });

    const list = await api().get('/api/v1/feeds').expect(200);
    expect(list.body.map((f: { id: string }) => f.id)).toEqual(expect.arrayContaining([atom.body.id, wp.body.id]));
    await api().delete(`/api/v1/feeds/${atom.body.id}`).expect(204);
    await api().get(`/api/v1/feeds/${atom.body.id}`).expect(404);
    const hits = server.hits('/atom.xml');
    server.addItems('/atom.xml', story());
    await polledAfter(wp.body.id, Date.now());
    await polledAfter(wp.body.id, Date.now());
    expect(server.hits('/atom.xml')).toBe(hits);
    expect(tg.messages.length).toBe(before.tg + 2);
  });

  it('answers 400 naming the field, or 404, for what cannot be a feed', async () => {
    const url = server.feed('/valid.xml', 'rss', []);
    const bad = async (body: Record<string, unknown>, status: number, message: RegExp) => {
      const res = await api().post('/api/v1/feeds').send(body).expect(status);
      expect(res.body).toMatchObject({ statusCode: status, message: expect.stringMatching(message) });
    };
    await bad({ url: 'ftp://example.com/feed', accountIds }, 400, /^url/);
    await bad({ url: `${server.baseUrl}/missing.xml`, accountIds }, 400, /^url answered HTTP 404/);
    await bad({ url: 'http://127.0.0.1:1/feed', accountIds }, 400, /^url could not be reached/);
    await bad({ url, accountIds: [] }, 400, /accountIds/);
    await bad({ url, accountIds: ['00000000-0000-4000-8000-000000000000'] }, 404, /^accountIds\[0\]/);
    await bad({ url, accountIds, delay: -1 }, 400, /^delay/);
    await bad({ url, accountIds, backfill: 'yes' }, 400, /^backfill/);
    await bad({ url, accountIds, template: 42 }, 400, /^template/);
    await bad({ url, accountIds, template: '{title} only' }, 400, /^template .*\{url\}/);
    await api().get('/api/v1/feeds/not-a-uuid').expect(404);
  });
});
