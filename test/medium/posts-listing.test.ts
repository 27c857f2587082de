import { randomUUID } from 'node:crypto';
import type { AccountRow, PostRow } from '../../src/database/schema';
import { PostFilter, PostsRepository } from '../../src/posts/posts.repository';
import { DELIVERY_STATUSES, DeliveryStatus, derivePostStatus } from '../../src/posts/statuses';
import { insertAccount, insertPostWith, mediumDb, MediumDb, seconds, testCipher } from './medium-env';

/** PostsRepository against a real Postgres: list pagination, attempt records, idempotency keys. */
describe('PostsRepository: listing, attempts, idempotency (medium)', () => {
  let m: MediumDb;
  let posts: PostsRepository;
  let tg: AccountRow;

  beforeAll(async () => {
    m = await mediumDb();
    posts = new PostsRepository(m.db);
    tg = await insertAccount(m.db, testCipher());
  });

  afterAll(async () => {
    await m?.close();
  });

  it("the database derives every post's status exactly as derivePostStatus does (all mixes of up to 3 deliveries)", async () => {
    const own = await mediumDb();
    try {
      const repo = new PostsRepository(own.db);
      const cipher = testCipher();
      const account = await insertAccount(own.db, cipher);
      const mixes: DeliveryStatus[][] = [[]];
      const combos = (from: number, size: number, acc: DeliveryStatus[]): void => {
        if (acc.length === size) return void mixes.push([...acc]);
        for (let i = from; i < DELIVERY_STATUSES.length; i++) combos(i, size, [...acc, DELIVERY_STATUSES[i]]);
      };
      for (const size of [1, 2, 3]) combos(0, size, []);
      expect(mixes).toHaveLength(1 + 9 + 45 + 165);
      const want = new Map<string, string>();
      for (const mix of mixes) {
        // One `publishing` delivery per account (a unique index): each gets an account of its own.
        const specs = await Promise.all(
          mix.map(async (status) => ({
            account: status === 'publishing' ? await insertAccount(own.db, cipher) : account,
            status,
          })),
        );
        const { postId } = await insertPostWith(repo, seconds(60), specs);
        want.set(postId, derivePostStatus(mix));
      }
      const listed = await repo.listPosts({ limit: 1000 });
      expect(listed).toHaveLength(mixes.length);
      for (const p of listed) expect([p.id, p.status]).toEqual([p.id, want.get(p.id)]);
    } finally {
      await own.close();
    }
  }, 60_000);

  describe('listPosts', () => {
    const base = new Date('2030-01-01T00:00:00.000Z');
    const hours = (n: number) => new Date(base.getTime() + n * 3_600_000);

    beforeAll(async () => {
      // 11 posts an hour apart, statuses cycling scheduled / published / cancelled (no deliveries).
      const cycle: (DeliveryStatus | null)[] = ['scheduled', 'published', null];
      const ids: string[] = [];
      for (let i = 0; i < 11; i++) {
        const s = cycle[i % 3];
        if (s) ids.push((await insertPostWith(posts, hours(i), [{ account: tg, status: s }])).postId);
        else {
          const id = randomUUID();
          await posts.insertPost({ id, articleId: null, text: `post ${i}`, scheduledAt: hours(i), timezone: null }, []);
          ids.push(id);
        }
      }
      // Ties on created_at (posts created in the same millisecond): the id must break them.
      const tie = new Date(Date.now() - 60_000);
      await m.db.updateTable('posts').set({ created_at: tie }).where('id', 'in', ids.slice(2, 7)).execute();
    });

    /** Walks every page the way the API does: the cursor goes through JSON between requests. */
    async function walk(filter: Omit<PostFilter, 'limit' | 'after'>, limit: number): Promise<PostRow[]> {
      const seen: PostRow[] = [];
      let after: PostFilter['after'];
      for (let pages = 0; pages < 100; pages++) {
        const page = await posts.listPosts({ ...filter, limit, after });
        expect(page.length).toBeLessThanOrEqual(limit);
        seen.push(...page);
        if (page.length < limit) return seen;
        const last = page[page.length - 1];
        const cursor = JSON.parse(JSON.stringify({ createdAt: last.created_at, id: last.id })) as {
          createdAt: string;
          id: string;
        };
        after = { createdAt: new Date(cursor.createdAt), id: cursor.id };
      }
      throw new Error('pagination did not end');
    }

    async function expected(keep: (p: PostRow & { status: string }) => boolean): Promise<string[]> {
      const rows = await m.db.selectFrom('posts').selectAll().execute();
      const all = await Promise.all(rows.map(async (p) => ({ ...p, status: await posts.postStatus(p.id) })));
      return all
        .filter(keep)
        .sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .map((p) => p.id);
    }

    it.each([1, 2, 3, 4, 50])('returns every post exactly once, newest first (page size %i)', async (limit) => {
      const got = (await walk({}, limit)).map((p) => p.id);
      expect(new Set(got).size).toBe(got.length);
      expect(got).toEqual(await expected(() => true));
      expect(got).toHaveLength(11);
    });

    it('filters by status across pages', async () => {
      for (const status of ['scheduled', 'published', 'cancelled'] as const) {
        const got = (await walk({ status }, 2)).map((p) => p.id);
        const want = await expected((p) => p.status === status);
        expect(want.length).toBeGreaterThan(0);
        expect(got).toEqual(want);
      }
    });

    it('filters by scheduled time: from inclusive, to exclusive', async () => {
      const got = await walk({ from: hours(2), to: hours(8) }, 2);
      expect(got.map((p) => p.id)).toEqual(
        await expected((p) => p.scheduled_at >= hours(2) && p.scheduled_at < hours(8)),
      );
      expect(got.map((p) => p.scheduled_at.getTime()).sort()).toEqual(
        [2, 3, 4, 5, 6, 7].map((h) => hours(h).getTime()),
      );
    });

    it('combines status and time filters', async () => {
      const got = await walk({ status: 'published', from: hours(0), to: hours(6) }, 1);
      expect(got.map((p) => p.scheduled_at.getTime()).sort()).toEqual([1, 4].map((h) => hours(h).getTime()));
    });
  });

  describe('attempts', () => {
    it('start, finish and interrupt: only open attempts of that delivery are closed', async () => {
      const {
        deliveryIds: [d, other],
      } = await insertPostWith(posts, seconds(-5), [{ account: tg }, { account: tg }]);
      const t0 = new Date(Date.now() - 10_000);
      const a1 = await posts.startAttempt(d, 1, t0);
      await posts.finishAttempt(a1, { outcome: 'transient', statusCode: 502, error: 'bad gateway' });
      await posts.startAttempt(d, 2, new Date());
      await posts.startAttempt(d, 3, new Date());
      const otherOpen = await posts.startAttempt(other, 1, new Date());

      const finishedBefore = (await posts.attemptsOf(d))[0].finished_at;
      expect(await posts.interruptOpenAttempts(d)).toBe(2);
      expect(await posts.interruptOpenAttempts(d)).toBe(0);

      const rows = await posts.attemptsOf(d);
      expect(rows.map((r) => [r.attempt, r.outcome])).toEqual([
        [1, 'transient'],
        [2, 'interrupted'],
        [3, 'interrupted'],
      ]);
      expect(rows[0]).toMatchObject({ id: a1, status_code: 502, error: 'bad gateway', remote_id: null });
      expect(rows[0].started_at.getTime()).toBe(t0.getTime());
      expect(rows[0].finished_at).toEqual(finishedBefore);
      for (const r of rows) expect(r.finished_at).toBeInstanceOf(Date);

      const others = await posts.attemptsOf(other);
      expect(others).toEqual([expect.objectContaining({ id: otherOpen, finished_at: null, outcome: null })]);

      await posts.finishAttempt(otherOpen, { outcome: 'published', statusCode: 200, remoteId: 'r-1' });
      expect((await posts.attemptsOf(other))[0]).toMatchObject({
        outcome: 'published',
        status_code: 200,
        remote_id: 'r-1',
        error: null,
      });
    });
  });

  describe('idempotency keys', () => {
    it('a second reserve of the same key is refused, and the saved response reads back', async () => {
      const key = `k-${randomUUID()}`;
      expect(await posts.reserveIdempotencyKey(m.db, key, 'hash-a', randomUUID())).toBe(true);
      expect(await posts.reserveIdempotencyKey(m.db, key, 'hash-b', randomUUID())).toBe(false);
      expect(await posts.findIdempotencyKey(key)).toMatchObject({
        key,
        request_hash: 'hash-a',
        status_code: null,
        response: null,
      });

      const body = { id: randomUUID(), status: 'scheduled', deliveries: [{ platform: 'telegram' }] };
      await posts.saveIdempotentResponse(m.db, key, 201, body);
      expect(await posts.findIdempotencyKey(key)).toMatchObject({
        key,
        request_hash: 'hash-a',
        status_code: 201,
        response: body,
      });
    });

    it('two concurrent transactions reserving one key: exactly one gets it', async () => {
      const key = `k-${randomUUID()}`;
      const results = await Promise.all(
        ['h1', 'h2'].map((h) => posts.transaction((tx) => posts.reserveIdempotencyKey(tx, key, h, randomUUID()))),
      );
      expect([...results].sort()).toEqual([false, true]);
      const winner = results[0] ? 'h1' : 'h2';
      expect((await posts.findIdempotencyKey(key))?.request_hash).toBe(winner);
    });

    it('a reservation rolled back with its transaction frees the key', async () => {
      const key = `k-${randomUUID()}`;
      await expect(
        posts.transaction(async (tx) => {
          expect(await posts.reserveIdempotencyKey(tx, key, 'h', randomUUID())).toBe(true);
          throw new Error('insert failed');
        }),
      ).rejects.toThrow('insert failed');
      expect(await posts.findIdempotencyKey(key)).toBeUndefined();
      expect(await posts.reserveIdempotencyKey(m.db, key, 'h', randomUUID())).toBe(true);
    });
  });
});
