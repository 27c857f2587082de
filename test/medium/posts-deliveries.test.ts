import { randomUUID } from 'node:crypto';
import { PostsRepository } from '../../src/posts/posts.repository';
import type { AccountRow } from '../../src/database/schema';
import { insertAccount, insertPostWith, mediumDb, MediumDb, seconds, testCipher } from './medium-env';

/** PostsRepository against a real Postgres: inserting posts with their deliveries (state changes: delivery-state.test.ts). */
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
    expect(post).toMatchObject({ id: postId });
    expect(await posts.postStatus(postId)).toBe('scheduled');
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
});
