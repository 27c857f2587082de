import { PostsRepository } from '../../src/posts/posts.repository';
import { FeedsEnv, story } from './feeds-env';

/** Adding feeds and taking their new items, against real Postgres + Redis and a local feed server. */
describe('feeds: add, dedupe, backfill, spread (medium)', () => {
  let e: FeedsEnv;

  beforeAll(async () => {
    e = await FeedsEnv.create();
  });

  afterAll(async () => {
    await e?.close();
  });

  const add = (path: string, over: Record<string, unknown> = {}) =>
    e.feeds.create({ url: e.server.baseUrl + path, accountIds: [e.tg.id, e.masto.id], spacing: 60, ...over });

  it('first add records what is there without posting; later items are scheduled, oldest first, spread', async () => {
    e.server.feed('/a', 'rss', [story(), story(), story()]);
    const feed = await add('/a');
    expect(feed).toMatchObject({
      kind: 'rss',
      accountIds: [e.tg.id, e.masto.id],
      delay: 0,
      spacing: 60,
      backfill: false,
    });
    expect(feed.items).toMatchObject({ seen: 3, scheduled: 0 });
    expect((await e.postsOf(feed.id)).totalPosts).toBe(0);

    const [older, newer] = [story({ date: new Date(Date.now() - 60_000) }), story({ date: new Date() })];
    e.server.addItems('/a', newer, older);
    const before = Date.now();
    const outcome = await e.pollNow(feed.id);
    expect(outcome).toMatchObject({ ok: true, result: { taken: 2, scheduled: 2, failed: 0 } });

    const { rows } = await e.postsOf(feed.id);
    expect(rows.map((r) => r.url)).toEqual([older.link, newer.link]);
    const [t0, t1] = rows.map((r) => new Date(r.scheduled_at).getTime());
    expect(t0).toBeGreaterThanOrEqual(before - 1000);
    expect(t1 - t0).toBe(60_000);
    const deliveries = await e.m.db
      .selectFrom('deliveries')
      .select(['account_id', 'post_id'])
      .where(
        'post_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    expect(deliveries).toHaveLength(4);

    // Nothing new: a second poll (304 or not) takes nothing, and the GET shows the counts.
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, result: { taken: 0 } });
    e.server.conditional = false;
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, notModified: false, result: { taken: 0 } });
    e.server.conditional = true;
    expect((await e.feeds.get(feed.id)).items).toMatchObject({ seen: 3, scheduled: 2 });

    // A third item later goes after the slots already given out, not on top of them.
    e.server.addItems('/a', story());
    await e.pollNow(feed.id);
    const after = (await e.postsOf(feed.id)).rows.map((r) => new Date(r.scheduled_at).getTime());
    expect(after[2] - after[1]).toBe(60_000);
  });

  it('an item known under any key is not taken again: same GUID, same link with tracking, same content', async () => {
    const original = story();
    e.server.feed('/dedupe', 'atom', [original]);
    const feed = await add('/dedupe');
    e.server.updateItem('/dedupe', original.guid, { title: 'Edited headline', html: '<p>Edited body</p>' });
    e.server.addItems(
      '/dedupe',
      story({ link: `${original.link}?utm_source=twitter&fbclid=abc#comments` }),
      story({ title: original.title, html: original.html }),
    );
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, result: { taken: 0 } });

    const fresh = story();
    e.server.addItems('/dedupe', fresh, { ...fresh, guid: `${fresh.guid}-twin` });
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, result: { taken: 1 } });
    expect((await e.postsOf(feed.id)).rows.map((r) => r.url)).toEqual([fresh.link]);
  });

  it('backfill: true posts what is already in the feed (on the first poll), with delay and the article fields', async () => {
    const items = [story({ imageUrl: 'https://cdn.example/a.jpg', categories: ['Politics', 'Budget'] }), story()];
    e.server.feed('/wp-json/wp/v2/posts', 'wordpress', items);
    const feed = await add('/wp-json/wp/v2/posts', { backfill: true, delay: 600, template: '{title} {url}' });
    expect(feed).toMatchObject({ kind: 'wordpress', backfill: true, template: '{title} {url}' });
    expect(feed.fetchUrl).toContain('_embed=1');
    const before = Date.now();
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, result: { taken: 2, scheduled: 2 } });
    const { rows } = await e.postsOf(feed.id);
    expect(rows).toHaveLength(2);
    expect(new Date(rows[0].scheduled_at).getTime()).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    const article = await e.m.db
      .selectFrom('articles')
      .selectAll()
      .where('url', '=', items[0].link)
      .executeTakeFirstOrThrow();
    expect(article).toMatchObject({
      title: items[0].title,
      image_url: 'https://cdn.example/a.jpg',
      tags: ['Politics', 'Budget'],
    });
  });

  it('a burst of 25 items is spread, none dropped', async () => {
    e.server.feed('/burst', 'rss', []);
    const feed = await add('/burst', { spacing: 120 });
    e.server.addItems('/burst', ...Array.from({ length: 25 }, () => story()));
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, result: { taken: 25, scheduled: 25 } });
    const times = (await e.postsOf(feed.id)).rows.map((r) => new Date(r.scheduled_at).getTime());
    expect(times).toHaveLength(25);
    expect(times.slice(1).every((t, i) => t - times[i] === 120_000)).toBe(true);
  });

  it('refuses what cannot become a feed with 400/404 naming the field, and stores nothing', async () => {
    const before = (await e.feeds.list()).length;
    await expect(add('/nope')).rejects.toMatchObject({
      response: { statusCode: 400, message: 'url answered HTTP 404' },
    });
    e.server.raw('/html', 200, '<!doctype html><html><head></head></html>', { 'Content-Type': 'text/html' });
    await expect(add('/html')).rejects.toMatchObject({
      response: { statusCode: 400, message: expect.stringMatching(/^url is a web page/) },
    });
    e.server.feed('/ok', 'rss', [story()]);
    const ghost = '00000000-0000-4000-8000-000000000000';
    await expect(e.feeds.create({ url: `${e.server.baseUrl}/ok`, accountIds: [e.tg.id, ghost] })).rejects.toMatchObject(
      {
        response: { statusCode: 404, message: `accountIds[1]: account ${ghost} not found` },
      },
    );
    await expect(add('/ok', { template: '{title}' })).rejects.toMatchObject({
      response: { statusCode: 400, message: expect.stringMatching(/^template .*\{url\}/) },
    });
    await expect(add('/ok', { template: '<h1>{title}</h1> {url}' })).rejects.toMatchObject({
      response: { statusCode: 400, message: expect.stringMatching(/^template .*<h1>/) },
    });
    expect((await e.feeds.list()).length).toBe(before);
  });

  it('DELETE stops polling and keeps the posts already scheduled', async () => {
    e.server.feed('/gone', 'rss', []);
    const feed = await add('/gone');
    e.server.addItems('/gone', story());
    await e.pollNow(feed.id);
    const { rows } = await e.postsOf(feed.id);
    await e.feeds.remove(feed.id);
    await expect(e.feeds.get(feed.id)).rejects.toMatchObject({ response: { statusCode: 404 } });
    expect(await new PostsRepository(e.m.db).postStatus(rows[0].id)).toBe('scheduled');
    e.server.addItems('/gone', story());
    const hits = e.server.hits('/gone');
    await e.poller().tick(new Date(Date.now() + 86_400_000));
    expect(e.server.hits('/gone')).toBe(hits);
  });
});
