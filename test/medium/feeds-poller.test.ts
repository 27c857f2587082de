import { randomUUID } from 'node:crypto';
import { ArticlesService } from '../../src/articles/articles.service';
import { AccountsService } from '../../src/accounts/accounts.service';
import { FeedIngestService, postKey } from '../../src/feeds/feed-ingest.service';
import { FeedReader } from '../../src/feeds/feed-reader';
import { FeedsService } from '../../src/feeds/feeds.service';
import { itemKeys } from '../../src/feeds/item-keys';
import { PostsService } from '../../src/posts/posts.service';
import { FeedsEnv, story } from './feeds-env';

/** Polling: one taker per item under concurrency, crash recovery, failures and back-off. */
describe('feeds: polling (medium)', () => {
  let e: FeedsEnv;

  beforeAll(async () => {
    e = await FeedsEnv.create();
  });

  afterAll(async () => {
    await e?.close();
  });

  const add = async (path: string, accountIds = [e.tg.id, e.masto.id]) => {
    e.server.feed(path, 'rss', [story()]);
    return e.feeds.create({ url: e.server.baseUrl + path, accountIds, spacing: 0 });
  };

  it('pollers racing on one feed take every item exactly once', async () => {
    const feed = await add('/race');
    e.server.addItems('/race', ...Array.from({ length: 10 }, () => story()));
    await e.makeDue(feed.id);
    // Two worker processes' pollers (the feed's lease lets one in) and two unlocked polls (the unique keys decide).
    const results = await Promise.all([e.poller().tick(), e.poller().tick(), e.pollNow(feed.id), e.pollNow(feed.id)]);
    expect(results.slice(0, 2).sort()).toEqual([0, 1]);
    const { rows } = await e.postsOf(feed.id);
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((r) => r.url)).size).toBe(10);
    // The lease was released: nothing blocks the next poll.
    expect(await e.m.db.selectFrom('leases').selectAll().where('name', '=', `feed:${feed.id}`).execute()).toEqual([]);
  });

  it('finishes an item a stopped poller left pending, and never posts one twice', async () => {
    const feed = await add('/resume');
    const articles = e.app.get(ArticlesService);
    const posts = e.app.get(PostsService);
    // Claimed, article made, then the poller died before the post.
    const a = story();
    const { article: artA } = await articles.create({ url: a.link, title: a.title, html: a.html });
    const idA = randomUUID();
    const claim = (id: string, it: typeof a, articleId: string, scheduledAt: Date) =>
      e.repo.insertItems([
        {
          id,
          feedId: feed.id,
          keys: itemKeys({ ...it, html: it.html ?? '' }),
          title: it.title,
          status: 'pending',
          articleId,
          scheduledAt,
          publishedAt: null,
        },
      ]);
    await claim(idA, a, artA.id, new Date(Date.now() - 3_600_000));
    // Claimed and posted, then the poller died before marking it.
    const b = story();
    const { article: artB } = await articles.create({ url: b.link, title: b.title, html: b.html });
    const idB = randomUUID();
    await claim(idB, b, artB.id, new Date());
    const made = await posts.create({ articleId: artB.id, accountIds: [e.tg.id, e.masto.id] }, postKey(idB));

    e.server.addItems('/resume', a, b);
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, result: { taken: 0 } });
    const items = await e.feeds.items(feed.id, 10);
    expect(items.find((i) => i.id === idA)).toMatchObject({ status: 'scheduled', postId: expect.any(String) });
    expect(items.find((i) => i.id === idB)).toMatchObject({ status: 'scheduled', postId: made.body.id });
    const { rows } = await e.postsOf(feed.id);
    expect(rows.map((r) => r.url).sort()).toEqual([a.link, b.link].sort());
    // The long-overdue one goes out now rather than being refused as "in the past".
    expect(new Date(rows.find((r) => r.url === a.link)!.scheduled_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a failing feed records the error, backs off doubling, and recovers', async () => {
    const feed = await add('/flaky');
    e.server.raw('/flaky', 500, 'oops');
    const t0 = Date.now();
    expect(await e.pollNow(feed.id)).toEqual({ ok: false, error: 'the feed answered HTTP 500' });
    let view = await e.feeds.get(feed.id);
    expect(view).toMatchObject({ lastError: 'the feed answered HTTP 500', consecutiveFailures: 1 });
    expect(new Date(view.lastPolledAt!).getTime()).toBeGreaterThanOrEqual(t0);
    expect(new Date(view.nextPollAt!).getTime() - t0).toBeGreaterThanOrEqual(120_000 - 1000);
    await e.pollNow(feed.id);
    view = await e.feeds.get(feed.id);
    expect(view.consecutiveFailures).toBe(2);
    expect(new Date(view.nextPollAt!).getTime() - Date.now()).toBeGreaterThan(230_000);

    e.server.feed('/flaky', 'rss', [story()]); // the feed is back
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true });
    view = await e.feeds.get(feed.id);
    expect(view).toMatchObject({ lastError: null, consecutiveFailures: 0 });
  });

  it('an item whose post is refused (account deleted) is marked failed and shown on the feed', async () => {
    const doomed = await e.m.db
      .insertInto('accounts')
      .values({ ...e.tg, id: randomUUID(), settings: JSON.stringify(e.tg.settings), remote: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    const feed = await add('/orphan', [doomed.id]);
    await e.m.db.deleteFrom('accounts').where('id', '=', doomed.id).execute();
    e.server.addItems('/orphan', story({ title: 'Nobody to post to' }));
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, result: { taken: 1, failed: 1 } });
    const view = await e.feeds.get(feed.id);
    expect(view.lastError).toMatch(/^item "Nobody to post to": accountIds\[0\]: account .* not found/);
    expect(view.items).toMatchObject({ failed: 1 });
  });

  it('refuses a feed on a private address unless allowed, before storing anything', async () => {
    const strict = new FeedsService(
      e.repo,
      new FeedReader({ httpTimeoutMs: 2000, feedsAllowPrivate: false }),
      e.app.get(FeedIngestService),
      e.app.get(AccountsService),
      e.config,
    );
    e.server.feed('/private', 'rss', [story()]);
    await expect(strict.create({ url: `${e.server.baseUrl}/private`, accountIds: [e.tg.id] })).rejects.toMatchObject({
      response: {
        statusCode: 400,
        message: 'url points to a private address; set CRIER_FEEDS_ALLOW_PRIVATE=true to allow',
      },
    });
    expect(e.server.hits('/private')).toBe(0);
  });
});
