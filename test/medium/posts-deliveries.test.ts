import { randomUUID } from 'node:crypto';
import { PostsRepository } from '../../src/posts/posts.repository';
import type { AccountRow } from '../../src/database/schema';
import { insertAccount, insertPostWith, mediumDb, MediumDb, seconds, testCipher } from './medium-env';

/** PostsRepository against a real Postgres: inserting, claiming and the delivery state changes. */
describe('PostsRepository: deliveries (medium)', () => {
  let m: MediumDb;
  let posts: PostsRepository;
  let tg: AccountRow;
  let masto: AccountRow;

  beforeAll(async () => {
    m = await mediumDb();
    posts = new PostsRepository(m.db);
    const cipher = testCipher();
    tg = await insertAccount(m.db, cipher, { platform: 'telegram' });
    masto = await insertAccount(m.db, cipher, { platform: 'mastodon', credentials: { accessToken: 'tok' } });
  });

  afterAll(async () => {
    await m?.close();
  });

  const statusOf = async (id: string) => (await posts.findDelivery(id))?.status;

  it('insertPost writes the post and one delivery per account, due at the scheduled time', async () => {
    const at = seconds(3600);
    const { postId, deliveryIds } = await insertPostWith(posts, at, [{ account: tg }, { account: masto }]);

    const post = await posts.findPost(postId);
    expect(post).toMatchObject({ id: postId, status: 'scheduled' });
    expect(post!.scheduled_at.getTime()).toBe(at.getTime());

    const ds = await posts.deliveriesOfPosts([postId]);
    expect(ds.map((d) => d.id).sort()).toEqual([...deliveryIds].sort());
    for (const d of ds) {
      expect(d).toMatchObject({
        post_id: postId,
        status: 'scheduled',
        attempts: 0,
        ambiguous: false,
        first_attempt_at: null,
      });
      expect(d.next_attempt_at.getTime()).toBe(at.getTime());
    }
    expect(ds.map((d) => d.platform).sort()).toEqual(['mastodon', 'telegram']);
  });

  it('insertPost inside a rolled-back transaction leaves nothing behind', async () => {
    let postId = '';
    await expect(
      posts.transaction(async (tx) => {
        postId = randomUUID();
        await posts.insertPost(
          { id: postId, articleId: null, text: 'x', scheduledAt: new Date(), timezone: null },
          [],
          tx,
        );
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await posts.findPost(postId)).toBeUndefined();
  });

  it('claim: of two concurrent claimers exactly one wins', async () => {
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-5), [{ account: tg }]);
    const now = new Date();
    const results = await Promise.all([posts.claim(id, now), posts.claim(id, now)]);
    const winners = results.filter((r) => r !== undefined);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect(winners[0]).toMatchObject({ id, status: 'publishing' });
    expect(winners[0]!.first_attempt_at?.getTime()).toBe(now.getTime());
    expect(await statusOf(id)).toBe('publishing');
  });

  it('claim keeps the first attempt time when a retrying delivery is claimed again', async () => {
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-60), [{ account: tg }]);
    const first = new Date(Date.now() - 30_000);
    await posts.transition(id, ['scheduled'], {
      status: 'retrying',
      first_attempt_at: first,
      next_attempt_at: new Date(),
    });
    const claimed = await posts.claim(id, new Date());
    expect(claimed?.first_attempt_at?.getTime()).toBe(first.getTime());
  });

  it('claim refuses a delivery that is not yet due, and one that is not runnable', async () => {
    const {
      deliveryIds: [future],
    } = await insertPostWith(posts, seconds(60), [{ account: tg }]);
    expect(await posts.claim(future, new Date())).toBeUndefined();
    expect(await statusOf(future)).toBe('scheduled');

    const {
      deliveryIds: [done],
    } = await insertPostWith(posts, seconds(-5), [{ account: tg, status: 'published' }]);
    expect(await posts.claim(done, new Date())).toBeUndefined();
    expect(await statusOf(done)).toBe('published');
  });

  it('transition only applies from the allowed statuses', async () => {
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-5), [{ account: tg }]);
    expect(await posts.transition(id, ['publishing'], { status: 'published' })).toBeUndefined();
    expect(await statusOf(id)).toBe('scheduled');

    const moved = await posts.transition(id, ['scheduled', 'retrying'], { status: 'publishing' });
    expect(moved).toMatchObject({ id, status: 'publishing' });

    const done = await posts.transition(id, ['publishing'], {
      status: 'published',
      remote_id: '42',
      published_at: new Date(),
    });
    expect(done).toMatchObject({ status: 'published', remote_id: '42' });
    expect(await posts.transition(id, ['publishing'], { status: 'failed' })).toBeUndefined();
    expect(await statusOf(id)).toBe('published');
  });

  it('holdAccount holds only the runnable deliveries of that account; resumeAccount brings them back', async () => {
    const cipher = testCipher();
    const a = await insertAccount(m.db, cipher);
    const b = await insertAccount(m.db, cipher);
    const past = await insertPostWith(posts, seconds(-600), [
      { account: a },
      { account: a, status: 'retrying' },
      { account: b },
    ]);
    const future = await insertPostWith(posts, seconds(3600), [{ account: a }, { account: a, status: 'published' }]);
    const [pastScheduled, pastRetrying, otherAccount] = past.deliveryIds;
    const [futureScheduled, published] = future.deliveryIds;

    const held = await posts.holdAccount(a.id, 'reauth required');
    expect(held.map((d) => d.id).sort()).toEqual([pastScheduled, pastRetrying, futureScheduled].sort());
    for (const id of [pastScheduled, pastRetrying, futureScheduled]) {
      expect(await posts.findDelivery(id)).toMatchObject({ status: 'held', error: 'reauth required' });
    }
    expect(await statusOf(otherAccount)).toBe('scheduled');
    expect(await statusOf(published)).toBe('published');

    const now = new Date();
    const resumed = await posts.resumeAccount(a.id, now);
    expect(resumed.map((d) => d.id).sort()).toEqual([pastScheduled, pastRetrying, futureScheduled].sort());
    for (const id of [pastScheduled, pastRetrying]) {
      const d = await posts.findDelivery(id);
      expect(d).toMatchObject({ status: 'scheduled', error: null });
      expect(d!.next_attempt_at.getTime()).toBe(now.getTime()); // overdue: now
    }
    const f = await posts.findDelivery(futureScheduled);
    expect(f).toMatchObject({ status: 'scheduled', error: null });
    expect(f!.next_attempt_at.getTime()).toBe(f!.scheduled_at.getTime()); // still ahead: on time
    expect(await statusOf(published)).toBe('published');
    expect(await posts.resumeAccount(a.id, new Date())).toEqual([]);
  });

  it('cancelNotStarted cancels scheduled/retrying/held deliveries and leaves published ones alone', async () => {
    const { postId, deliveryIds } = await insertPostWith(posts, seconds(600), [
      { account: tg },
      { account: tg, status: 'retrying' },
      { account: masto, status: 'held' },
      { account: masto, status: 'published' },
      { account: tg, status: 'publishing' },
    ]);
    const other = await insertPostWith(posts, seconds(600), [{ account: tg }]);
    const cancelled = await posts.cancelNotStarted({ postId }, 'cancelled by user');
    expect(cancelled.map((d) => d.id).sort()).toEqual(deliveryIds.slice(0, 3).sort());
    expect(await Promise.all(deliveryIds.map(statusOf))).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
      'published',
      'publishing',
    ]);
    expect(await statusOf(other.deliveryIds[0])).toBe('scheduled');
    expect(await posts.refreshPostStatus(postId)).toBe('publishing');
  });

  it('cancelNotStarted by account touches only that account', async () => {
    const cipher = testCipher();
    const a = await insertAccount(m.db, cipher);
    const { deliveryIds } = await insertPostWith(posts, seconds(600), [{ account: a }, { account: tg }]);
    const cancelled = await posts.cancelNotStarted({ accountId: a.id }, null);
    expect(cancelled.map((d) => d.id)).toEqual([deliveryIds[0]]);
    expect(await statusOf(deliveryIds[1])).toBe('scheduled');
  });

  it('rescheduleNotStarted moves the not-started deliveries and the post, not the published one', async () => {
    const original = seconds(600);
    const { postId, deliveryIds } = await insertPostWith(posts, original, [
      { account: tg },
      { account: masto, status: 'published' },
    ]);
    const at = seconds(7200);
    const moved = await posts.rescheduleNotStarted(postId, at);
    expect(moved.map((d) => d.id)).toEqual([deliveryIds[0]]);
    const [d0, d1] = await Promise.all(deliveryIds.map((id) => posts.findDelivery(id)));
    expect(d0!.scheduled_at.getTime()).toBe(at.getTime());
    expect(d0!.next_attempt_at.getTime()).toBe(at.getTime());
    expect(d1!.scheduled_at.getTime()).toBe(original.getTime());
    expect((await posts.findPost(postId))!.scheduled_at.getTime()).toBe(at.getTime());
  });

  it('rescheduleNotStarted with nothing left to move leaves the post time alone', async () => {
    const original = seconds(600);
    const { postId } = await insertPostWith(posts, original, [{ account: tg, status: 'published' }]);
    expect(await posts.rescheduleNotStarted(postId, seconds(7200))).toEqual([]);
    expect((await posts.findPost(postId))!.scheduled_at.getTime()).toBe(original.getTime());
  });

  it('refreshPostStatus derives and stores the post status from its deliveries', async () => {
    const { postId, deliveryIds } = await insertPostWith(posts, seconds(-5), [{ account: tg }, { account: masto }]);
    expect(await posts.refreshPostStatus(postId)).toBe('scheduled');

    await posts.transition(deliveryIds[0], ['scheduled'], { status: 'published' });
    expect(await posts.refreshPostStatus(postId)).toBe('publishing');
    expect((await posts.findPost(postId))!.status).toBe('publishing');

    await posts.transition(deliveryIds[1], ['scheduled'], { status: 'failed', error: 'rejected' });
    expect(await posts.refreshPostStatus(postId)).toBe('partially_published');
    expect((await posts.findPost(postId))!.status).toBe('partially_published');

    const { postId: p2, deliveryIds: d2 } = await insertPostWith(posts, seconds(60), [{ account: tg }]);
    await posts.cancelNotStarted({ postId: p2 }, null);
    expect(await posts.refreshPostStatus(p2)).toBe('cancelled');
    expect((await posts.findPost(p2))!.status).toBe('cancelled');
    expect(await statusOf(d2[0])).toBe('cancelled');
  });
});
