import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import type { AccountRow, Database } from '../../src/database/schema';
import { DeliveriesRepository } from '../../src/posts/deliveries.repository';
import { DeliveriesService, ListDeliveriesInput, ListedDeliveryView } from '../../src/posts/deliveries.service';
import { PostsRepository } from '../../src/posts/posts.repository';
import type { DeliveryStatus } from '../../src/posts/statuses';
import { insertAccount, insertPostWith, mediumDb, MediumDb, testCipher } from './medium-env';
import { testPool } from '../support/pg';

/**
 * DeliveriesService and DeliveriesRepository against a real Postgres: the operators' list of deliveries with its
 * filters, keyset pages that stay right while deliveries are added, and one statement per page.
 */
describe('listing deliveries (medium)', () => {
  let m: MediumDb;
  let db: Kysely<Database>;
  let posts: PostsRepository;
  let service: DeliveriesService;
  /** Statements sent by `db` (Kysely's log), to count them per page. */
  let statements: string[];
  let tg: AccountRow;
  let masto: AccountRow;
  const base = new Date('2031-03-01T12:00:00.000Z');
  const hours = (n: number) => new Date(base.getTime() + n * 3_600_000);

  beforeAll(async () => {
    m = await mediumDb();
    statements = [];
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: testPool(m.url, 2) }),
      log: (e) => void statements.push(e.query.sql),
    });
    posts = new PostsRepository(db);
    service = new DeliveriesService(new DeliveriesRepository(db));
    const cipher = testCipher();
    tg = await insertAccount(db, cipher, { platform: 'telegram', name: 'Newsroom channel' });
    masto = await insertAccount(db, cipher, { platform: 'mastodon', name: 'Newsroom toots' });
  });

  afterAll(async () => {
    await db?.destroy();
    await m?.close();
  });

  /** Every page in turn, the cursor passed on as a client would; counts the statements of each page. */
  async function walk(q: Omit<ListDeliveriesInput, 'limit' | 'cursor'>, limit: number, between?: () => Promise<void>) {
    const seen: ListedDeliveryView[] = [];
    const perPage: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 200; pages++) {
      statements.length = 0;
      const page = await service.list({ ...q, limit, cursor });
      perPage.push(statements.length);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items);
      if (page.nextCursor === null) return { seen, perPage };
      cursor = page.nextCursor;
      await between?.();
    }
    throw new Error('pagination did not end');
  }

  /** Expected order: newest scheduled_at first, then id descending. */
  async function expectedIds(where: (d: { status: string; platform: string }) => boolean = () => true) {
    const rows = await db.selectFrom('deliveries').select(['id', 'status', 'platform', 'scheduled_at']).execute();
    return rows
      .filter(where)
      .sort((a, b) => b.scheduled_at.getTime() - a.scheduled_at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((r) => r.id);
  }

  describe('a mixed set', () => {
    const made: Record<string, { postId: string; deliveryIds: string[] }> = {};
    const longText = 'A hand-written post that runs well past eighty characters. '.repeat(3);

    beforeAll(async () => {
      const article = await db
        .insertInto('articles')
        .values({
          id: randomUUID(),
          url: 'https://news.example/budget',
          title: 'Council approves the new budget',
          text: 'Body.',
          lead: '',
          tags: '[]',
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const statuses: DeliveryStatus[] = ['published', 'failed', 'retrying', 'held', 'unconfirmed', 'skipped'];
      for (const [i, status] of statuses.entries()) {
        made[status] = await insertPostWith(posts, hours(i), [
          { account: tg, status },
          { account: masto, status },
        ]);
      }
      const postId = randomUUID();
      await posts.insertPost({ id: postId, articleId: null, text: longText, scheduledAt: hours(10), timezone: null }, [
        { id: randomUUID(), accountId: tg.id, platform: 'telegram', status: 'cancelled', text: longText, error: null },
      ]);
      made.cancelled = { postId, deliveryIds: [] };
      const articlePost = randomUUID();
      await posts.insertPost(
        { id: articlePost, articleId: article.id, text: null, scheduledAt: hours(11), timezone: null },
        [{ id: randomUUID(), accountId: masto.id, platform: 'mastodon', status: 'scheduled', text: 'x', error: null }],
      );
      made.article = { postId: articlePost, deliveryIds: [] };
      // The failed ones say why; a retrying one was rate limited, the other hit a transient error.
      await db
        .updateTable('deliveries')
        .set({ error: 'Validation failed: too long' })
        .where('status', '=', 'failed')
        .execute();
      const [rateLimited, transient] = made.retrying.deliveryIds;
      const a1 = await posts.startAttempt(rateLimited, 1, hours(2));
      await posts.finishAttempt(a1, { outcome: 'transient', statusCode: 502, error: 'bad gateway' });
      const a2 = await posts.startAttempt(rateLimited, 2, hours(2));
      await posts.finishAttempt(a2, { outcome: 'rate-limited', statusCode: 429, error: 'slow down' });
      const a3 = await posts.startAttempt(transient, 1, hours(2));
      await posts.finishAttempt(a3, { outcome: 'transient', statusCode: 503, error: 'unavailable' });
    });

    it('lists every delivery newest first, each exactly once, at every page size, one statement per page', async () => {
      const all = await expectedIds();
      expect(all).toHaveLength(14);
      for (const limit of [1, 3, 5, 14, 200]) {
        const { seen, perPage } = await walk({}, limit);
        expect(seen.map((d) => d.id)).toEqual(all);
        expect(perPage.every((n) => n === 1)).toBe(true);
      }
    });

    it('filters by one status or several, platform, account, post and scheduled time', async () => {
      const ids = async (q: Omit<ListDeliveriesInput, 'limit' | 'cursor'>) => (await walk(q, 2)).seen.map((d) => d.id);
      expect(await ids({ statuses: ['failed'] })).toEqual(await expectedIds((d) => d.status === 'failed'));
      expect(await ids({ statuses: ['held', 'unconfirmed', 'held'] })).toEqual(
        await expectedIds((d) => d.status === 'held' || d.status === 'unconfirmed'),
      );
      expect(await ids({ platform: 'mastodon' })).toEqual(await expectedIds((d) => d.platform === 'mastodon'));
      expect(await ids({ accountId: tg.id, statuses: ['failed'] })).toEqual([made.failed.deliveryIds[0]]);
      expect((await ids({ postId: made.held.postId })).sort()).toEqual([...made.held.deliveryIds].sort());
      const window = await walk({ from: hours(1), to: hours(3) }, 2);
      expect(window.seen.map((d) => d.scheduledAt).sort()).toEqual([1, 1, 2, 2].map((h) => hours(h).toISOString()));
      expect(await ids({ statuses: ['publishing'] })).toEqual([]);
    });

    it('each item names its account, platform and post, and says why it did not go out', async () => {
      const { seen } = await walk({}, 50);
      const byId = new Map(seen.map((d) => [d.id, d]));
      const failed = byId.get(made.failed.deliveryIds[1]) as ListedDeliveryView;
      expect(failed).toMatchObject({
        accountName: 'Newsroom toots',
        platform: 'mastodon',
        platformName: 'Mastodon',
        postTitle: 'Council approves the new budget',
        status: 'failed',
        cause: 'rejected',
        reason: 'Validation failed: too long',
        error: 'Validation failed: too long',
      });
      const [rateLimited, transient] = made.retrying.deliveryIds;
      expect(byId.get(rateLimited)?.cause).toBe('rate-limited');
      expect(byId.get(transient)?.cause).toBeNull();
      const causes = (status: string) => seen.filter((d) => d.status === status).map((d) => d.cause);
      expect(causes('held')).toEqual(['reauth', 'reauth']);
      expect(causes('unconfirmed')).toEqual(['unknown-outcome', 'unknown-outcome']);
      expect(causes('skipped')).toEqual(['skipped', 'skipped']);
      expect(causes('cancelled')).toEqual(['cancelled']);
      expect(causes('published')).toEqual([null, null]);
      const handWritten = seen.find((d) => d.postId === made.cancelled.postId) as ListedDeliveryView;
      expect(handWritten.postTitle).toBe(longText.slice(0, 80));
      expect(handWritten.postTitle).toHaveLength(80);
      const fromArticle = seen.find((d) => d.postId === made.article.postId) as ListedDeliveryView;
      expect(fromArticle.postTitle).toBe('Council approves the new budget');
    });
  });

  it('pages stay right while deliveries are added: nothing repeats, nothing is skipped', async () => {
    const own = await mediumDb();
    const ownDb = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: testPool(own.url, 2) }),
      log: (e) => void statements.push(e.query.sql),
    });
    try {
      const repo = new PostsRepository(ownDb);
      const svc = new DeliveriesService(new DeliveriesRepository(ownDb));
      const account = await insertAccount(ownDb, testCipher());
      const at = new Date('2031-06-01T00:00:00.000Z');
      // Ties: three deliveries of a post share its time, and pairs of posts share one.
      for (let i = 0; i < 8; i++) {
        const when = new Date(at.getTime() + Math.floor(i / 2) * 60_000);
        await insertPostWith(repo, when, [{ account }, { account }, { account }]);
      }
      const before = (await ownDb.selectFrom('deliveries').select(['id', 'scheduled_at']).execute())
        .sort((a, b) => b.scheduled_at.getTime() - a.scheduled_at.getTime() || (a.id < b.id ? 1 : -1))
        .map((r) => r.id);
      expect(before).toHaveLength(24);

      const seen: string[] = [];
      /** Added ahead of the cursor (newer, or tied with a larger id): the walk must not show them. */
      const ahead: string[] = [];
      /** Added behind the cursor (older, or tied with a smaller id): the walk must show them. */
      const behind: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 50; pages++) {
        statements.length = 0;
        const page = await svc.list({ limit: 5, cursor });
        expect(statements).toHaveLength(1);
        seen.push(...page.items.map((d) => d.id));
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
        // Between pages: one delivery newer than everything (an offset would now repeat a row), one at the very
        // time of the cursor (its id decides its side), one older than everything (still to come).
        const last = page.items[page.items.length - 1];
        const newer = await insertPostWith(repo, new Date(at.getTime() + 3_600_000 + pages), [{ account }]);
        const tie = await insertPostWith(repo, new Date(last.scheduledAt), [{ account }]);
        const older = await insertPostWith(repo, new Date(at.getTime() - 3_600_000 - pages), [{ account }]);
        ahead.push(...newer.deliveryIds);
        (tie.deliveryIds[0] < last.id ? behind : ahead).push(...tie.deliveryIds);
        behind.push(...older.deliveryIds);
      }
      expect(new Set(seen).size).toBe(seen.length);
      // Every delivery there before the walk was seen, in order; everything added behind the cursor too.
      expect(seen.filter((id) => before.includes(id))).toEqual(before);
      expect(behind.length).toBeGreaterThan(4);
      for (const id of behind) expect(seen).toContain(id);
      for (const id of ahead) expect(seen).not.toContain(id);
      expect(seen).toHaveLength(before.length + behind.length);
    } finally {
      await ownDb.destroy();
      await own.close();
    }
  });
});
