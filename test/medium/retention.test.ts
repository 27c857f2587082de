import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { postKey } from '../../src/feeds/feed-ingest.service';
import { PostsRepository } from '../../src/posts/posts.repository';
import { PostsService } from '../../src/posts/posts.service';
import type { DeliveryStatus } from '../../src/posts/statuses';
import { RetentionRepository } from '../../src/retention/retention.repository';
import { ORPHANED_VIDEO_MS, RetentionService } from '../../src/retention/retention.service';
import { FeedsEnv, story } from './feeds-env';
import { insertPostWith } from './medium-env';

const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms);

/**
 * Retention against real PostgreSQL: each prune deletes what is past its time and nothing a later step needs
 * (an open attempt, the key of a pending feed item, a feed item still listed by its feed); a key left in progress
 * by a dead process is finished by the next request with it.
 */
describe('retention (medium)', () => {
  let e: FeedsEnv;
  let retention: RetentionService;
  let repo: RetentionRepository;
  let posts: PostsRepository;

  beforeAll(async () => {
    // Defaults: 30 days for attempts and feed items, 24 hours for idempotency keys.
    e = await FeedsEnv.create();
    repo = new RetentionRepository(e.m.db);
    retention = new RetentionService(repo, e.config);
    posts = new PostsRepository(e.m.db);
  });

  afterAll(async () => {
    await e?.close();
  });

  /** A delivery in `status`, last changed `age` ago, with one attempt per `attempts` entry (null = still open). */
  const deliveryWith = async (status: DeliveryStatus, age: number, attempts: Array<number | null>) => {
    const { deliveryIds } = await insertPostWith(posts, ago(age), [{ account: e.tg, status }]);
    const [id] = deliveryIds;
    await e.m.db
      .updateTable('deliveries')
      .set({ updated_at: ago(age) })
      .where('id', '=', id)
      .execute();
    for (const [i, finishedAgo] of attempts.entries()) {
      await e.m.db
        .insertInto('delivery_attempts')
        .values({
          delivery_id: id,
          attempt: i + 1,
          started_at: ago(age + 60_000),
          finished_at: finishedAgo === null ? null : ago(finishedAgo),
          outcome: finishedAgo === null ? null : 'transient',
        })
        .execute();
    }
    return id;
  };
  const attemptsOf = async (id: string) => (await posts.attemptsOf(id)).length;

  it('deletes the attempt log of deliveries finished before the retention, in batches, and nothing else', async () => {
    const oldPublished = await deliveryWith('published', 40 * DAY, [41 * DAY, 40 * DAY]);
    const oldFailed = await deliveryWith('failed', 35 * DAY, [36 * DAY, null]);
    const recentPublished = await deliveryWith('published', 2 * DAY, [2 * DAY]);
    const stillRetrying = await deliveryWith('retrying', 40 * DAY, [40 * DAY]);

    // One batch of at most 2 rows: a prune never deletes more in one statement than its limit.
    expect(await repo.pruneAttempts(ago(30 * DAY), 2)).toBe(2);
    expect((await retention.pruneRows(new Date())).attempts).toBe(1);

    expect(await attemptsOf(oldPublished)).toBe(0);
    // An open attempt says a crashed worker may have sent the request: kept whatever its age.
    expect(await attemptsOf(oldFailed)).toBe(1);
    expect(await attemptsOf(recentPublished)).toBe(1);
    expect(await attemptsOf(stillRetrying)).toBe(1);
    // The delivery keeps its outcome.
    const row = await e.m.db.selectFrom('deliveries').selectAll().where('id', '=', oldPublished).executeTakeFirst();
    expect(row?.status).toBe('published');
  });

  it('deletes idempotency keys after their hours, but not the key of a feed item still pending', async () => {
    const key = (k: string, age: number) =>
      e.m.db
        .insertInto('idempotency_keys')
        .values({ key: k, request_hash: 'h', status_code: 201, response: '{}', created_at: ago(age) })
        .execute();
    const feed = await e.feeds.create({ url: e.server.feed('/keys', 'rss', [story()]), accountIds: [e.tg.id] });
    const item = (status: string) =>
      e.m.db
        .insertInto('feed_items')
        .values({ id: randomUUID(), feed_id: feed.id, content_hash: randomUUID(), title: 't', status })
        .returning('id')
        .executeTakeFirstOrThrow();
    const pending = await item('pending');
    const scheduled = await item('scheduled');
    const old = `old-${randomUUID()}`;
    const fresh = `fresh-${randomUUID()}`;
    await key(old, 25 * 3600_000);
    await key(fresh, 23 * 3600_000);
    await key(postKey(pending.id), 48 * 3600_000);
    await key(postKey(scheduled.id), 48 * 3600_000);

    expect((await retention.pruneRows(new Date())).idempotencyKeys).toBe(2);
    const left = (await e.m.db.selectFrom('idempotency_keys').select('key').execute()).map((r) => r.key);
    expect(left).toEqual(expect.arrayContaining([fresh, postKey(pending.id)]));
    expect(left).not.toContain(old);
    expect(left).not.toContain(postKey(scheduled.id));
  });

  it('forgets feed items only once a later read of the feed no longer listed them', async () => {
    await e.m.db.deleteFrom('feeds').execute(); // this feed's items are the only ones
    const [a, b] = [story(), story()];
    const url = e.server.feed('/gone', 'rss', [a, b]);
    const feed = await e.feeds.create({ url, accountIds: [e.tg.id], spacing: 0 });
    const c = story();
    e.server.addItems('/gone', c);
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, result: { taken: 1 } });
    // `a` leaves the feed; the next read lists b and c only.
    e.server.feed('/gone', 'rss', [c, b]);
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, result: { taken: 0 } });
    // The next read is answered 304: nothing moves.
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, notModified: true });

    // Far in the future every stamp is past the retention; only `a` is gone from the feed.
    const later = new Date(Date.now() + 31 * DAY);
    expect((await retention.pruneRows(later)).feedItems).toBe(1);
    const titles = (await e.feeds.items(feed.id, 10)).map((i) => i.title).sort();
    expect(titles).toEqual([b.title, c.title].sort());

    // The items still listed were kept: reading the feed again takes nothing, so nothing is posted twice.
    const before = (await e.postsOf(feed.id)).totalPosts;
    e.server.feed('/gone', 'rss', [c, b], 'Renamed feed'); // the same items in a changed document (no 304)
    expect(await e.pollNow(feed.id)).toMatchObject({ ok: true, notModified: false, result: { taken: 0 } });
    expect((await e.postsOf(feed.id)).totalPosts).toBe(before);
  });

  it('finishes a post whose request died before answering, once its key is stale, without a second post', async () => {
    const service = e.app.get(PostsService);
    const input = { text: `Left in progress ${randomUUID()}`, accountIds: [e.tg.id] };
    const k = `crash-${randomUUID()}`;
    const first = await service.create(input, k);
    // The process died after the post's transaction and before saving the response.
    const abandon = (age: number) =>
      e.m.db
        .updateTable('idempotency_keys')
        .set({ status_code: null, response: null, created_at: ago(age) })
        .where('key', '=', k)
        .execute();
    const countPosts = async () => (await e.m.db.selectFrom('posts').select('id').execute()).length;
    const postsBefore = await countPosts();

    await abandon(1_000);
    await expect(service.create(input, k)).rejects.toMatchObject({ status: 409 });

    await abandon(2 * 60_000);
    await expect(service.create({ ...input, text: 'another body' }, k)).rejects.toMatchObject({ status: 422 });
    const again = await service.create(input, k);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await countPosts()).toBe(postsBefore);
    // The response is saved now: the key answers like any finished one.
    const stored = await e.m.db.selectFrom('idempotency_keys').selectAll().where('key', '=', k).executeTakeFirst();
    expect(stored).toMatchObject({ status_code: 201, post_id: first.body.id });
    expect((await service.create(input, k)).body.id).toBe(first.body.id);
  });

  it('removes staged video directories a dead process left, and only those', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'crier-retention-'));
    try {
      const old = new Date(Date.now() - ORPHANED_VIDEO_MS - 60_000);
      const staged = async (name: string, dirTime: Date, fileTime: Date) => {
        const dir = path.join(tmp, name);
        await mkdir(dir);
        await writeFile(path.join(dir, 'video.mp4'), 'x');
        await utimes(path.join(dir, 'video.mp4'), fileTime, fileTime);
        await utimes(dir, dirTime, dirTime);
      };
      await staged('crier-video-orphan', old, old);
      await staged('crier-video-recent', new Date(), new Date());
      // Staged long ago but still being written: the file's time counts.
      await staged('crier-video-writing', old, new Date());
      await staged('someone-else', old, old);

      expect(await retention.pruneFiles(new Date(), tmp)).toBe(1);
      expect((await readdir(tmp)).sort()).toEqual(['crier-video-recent', 'crier-video-writing', 'someone-else']);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
