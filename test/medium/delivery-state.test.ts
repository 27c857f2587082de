import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AccountRow } from '../../src/database/schema';
import { DeliveryStateRepository } from '../../src/posts/delivery-state.repository';
import { DeliveryStateService } from '../../src/posts/delivery-state.service';
import { PostsRepository } from '../../src/posts/posts.repository';
import { publishJobId } from '../../src/queue/job-catalogue';
import { QueueService } from '../../src/queue/queue.service';
import {
  clearQueueStore,
  insertAccount,
  insertPostWith,
  mediumConfig,
  mediumDb,
  MediumDb,
  mediumRedis,
  seconds,
  testCipher,
  uniquePrefix,
  mediumQueue,
} from './medium-env';

const FREE = { budgets: [], units: 1 };
const LEASE = 30_000;

/** DeliveryStateService against real Postgres + Redis: the one owner of delivery state, its fence and its jobs. */
describe('DeliveryStateService (medium)', () => {
  let m: MediumDb;
  let redis: Redis;
  let posts: PostsRepository;
  let prefix: string;
  let queues: QueueService;
  let states: DeliveryStateService;
  let cipherAccount: () => Promise<AccountRow>;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    m = await mediumDb();
    redis = mediumRedis();
    posts = new PostsRepository(m.db);
    const cipher = testCipher();
    cipherAccount = () => insertAccount(m.db, cipher, { platform: 'telegram' });
  });

  beforeEach(() => {
    prefix = uniquePrefix('state');
    queues = new QueueService(mediumConfig(prefix), mediumQueue(redis, m.url));
    states = new DeliveryStateService(new DeliveryStateRepository(m.db), queues);
  });

  afterEach(async () => {
    await queues.onModuleDestroy();
    await clearQueueStore(redis, prefix);
  });

  afterAll(async () => {
    await redis?.quit();
    await m?.close();
  });

  const row = async (id: string) => (await posts.findDelivery(id))!;
  const postStatus = (id: string) => posts.postStatus(id);
  const jobState = (id: string) => queues.queue('telegram').getJobState(publishJobId(id));
  const claimed = async (id: string) => {
    const r = await states.claim(await row(id), FREE, LEASE);
    if (r.kind !== 'claimed') throw new Error(`expected a claim of ${id}, got ${r.kind}`);
    return r;
  };

  it('claim: of two concurrent claimers exactly one wins, with a token and a lease; the post follows', async () => {
    const a = await cipherAccount();
    const {
      postId,
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-5), [{ account: a }]);
    const d = await row(id);
    const results = await Promise.all([states.claim(d, FREE, LEASE), states.claim(d, FREE, LEASE)]);
    expect(results.map((r) => r.kind).sort()).toEqual(['claimed', 'not-turn']);
    const r = await row(id);
    expect(r.status).toBe('publishing');
    expect(r.claim_token).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.claimed_until!.getTime()).toBeGreaterThan(Date.now() + LEASE / 2);
    expect(await postStatus(postId)).toBe('publishing');
  });

  it('warmUp runs a claim of no delivery on several sessions and changes nothing', async () => {
    const a = await cipherAccount();
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-5), [{ account: a }]);
    const snapshot = async () => ({
      delivery: await row(id),
      attempts: (await m.db.selectFrom('delivery_attempts').selectAll().execute()).length,
      spends: (await m.db.selectFrom('budget_spends').selectAll().execute()).length,
    });
    const before = await snapshot();
    await states.warmUp(3);
    expect(await snapshot()).toEqual(before);
    expect(before.delivery.status).toBe('scheduled');
    // The delivery is still claimable: nothing was taken by the warm-up.
    expect((await states.claim(before.delivery, FREE, LEASE)).kind).toBe('claimed');
  });

  it('claim refuses a delivery that is not yet due or not runnable', async () => {
    const a = await cipherAccount();
    const {
      deliveryIds: [future],
    } = await insertPostWith(posts, seconds(60), [{ account: a }]);
    expect((await states.claim(await row(future), FREE, LEASE)).kind).toBe('not-turn');
    const {
      deliveryIds: [done],
    } = await insertPostWith(posts, seconds(-5), [{ account: a, status: 'published' }]);
    expect((await states.claim(await row(done), FREE, LEASE)).kind).toBe('not-turn');
    expect((await row(done)).status).toBe('published');
  });

  it("one account's deliveries go one at a time, earliest scheduled first", async () => {
    const a = await cipherAccount();
    const b = await cipherAccount();
    const first = await insertPostWith(posts, seconds(-20), [{ account: a }]);
    const second = await insertPostWith(posts, seconds(-10), [{ account: a }, { account: b }]);
    const [later, otherAccount] = second.deliveryIds;

    // Not its turn while an earlier one is due; another account is not affected.
    expect((await states.claim(await row(later), FREE, LEASE)).kind).toBe('not-turn');
    await claimed(otherAccount);
    const c = await claimed(first.deliveryIds[0]);
    // Not its turn while the account has a delivery in flight (a unique index: exact across processes).
    expect((await states.claim(await row(later), FREE, LEASE)).kind).toBe('not-turn');
    await states.settle('publish', c.row, c.token, () => ({ remote_id: '1' }), {});
    await claimed(later);
  });

  it("the fast claim checks the account's version and status, opens the attempt row and reads the article", async () => {
    const a = await cipherAccount();
    const version = a.version;
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-5), [{ account: a }]);
    // Any update of the account moves its version (a trigger): a worker's cached copy no longer claims.
    await m.db.updateTable('accounts').set({ name: 'renamed' }).where('id', '=', a.id).execute();
    const moved = (await m.db.selectFrom('accounts').select('version').where('id', '=', a.id).executeTakeFirstOrThrow())
      .version;
    expect(moved).not.toBe(version);
    const fast = { accountVersion: version, openAttempt: true };
    expect((await states.claim({ id }, { budgets: [], units: null }, LEASE, fast)).kind).toBe('not-turn');
    await m.db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', a.id).execute();
    const disabled = (
      await m.db.selectFrom('accounts').select('version').where('id', '=', a.id).executeTakeFirstOrThrow()
    ).version;
    expect(
      (await states.claim({ id }, { budgets: [], units: null }, LEASE, { ...fast, accountVersion: disabled })).kind,
    ).toBe('not-turn');
    expect((await row(id)).status).toBe('scheduled');
    expect(await posts.attemptsOf(id)).toHaveLength(0);

    await m.db.updateTable('accounts').set({ status: 'active' }).where('id', '=', a.id).execute();
    const current = (
      await m.db.selectFrom('accounts').select('version').where('id', '=', a.id).executeTakeFirstOrThrow()
    ).version;
    const c = await states.claim({ id }, { budgets: [], units: null }, LEASE, { ...fast, accountVersion: current });
    if (c.kind !== 'claimed') throw new Error(`expected a claim, got ${c.kind}`);
    expect(c.row.status).toBe('publishing');
    expect(c.articleId).toBeNull();
    expect(c.article).toBeNull();
    const attempts = await posts.attemptsOf(id);
    expect(attempts.map((x) => [Number(x.id), x.attempt, x.finished_at])).toEqual([[c.attemptId, 1, null]]);
  });

  it('of many concurrent claims for one account, exactly one wins', async () => {
    const a = await cipherAccount();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(...(await insertPostWith(posts, seconds(-5), [{ account: a }])).deliveryIds);
    const rows = await Promise.all(ids.map(row));
    const results = await Promise.all(rows.map((d) => states.claim(d, FREE, LEASE)));
    expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(1);
    // The earliest-created of those scheduled at the same instant (ties keep creation order).
    const winner = results.findIndex((r) => r.kind === 'claimed');
    expect(ids[winner]).toBe(ids[0]);
  });

  it('fencing: a write out of publishing with a stale token changes nothing; the right token settles it', async () => {
    const a = await cipherAccount();
    const {
      postId,
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-5), [{ account: a }]);
    const c = await claimed(id);
    const wrong = '00000000-0000-4000-8000-000000000000';
    expect(await states.settle('publish', { id }, wrong, () => ({ remote_id: 'x' }), {})).toBeUndefined();
    expect(await states.apply('publish', { ids: [id] }, { set: () => ({ remote_id: 'x' }) })).toEqual([]);
    expect(await states.appendThreadPart(id, wrong, 'x', null)).toBeUndefined();
    expect(await states.renew(id, wrong, LEASE)).toBe(false);
    expect((await row(id)).status).toBe('publishing');

    expect(await states.renew(id, c.token, LEASE)).toBe(true);
    const done = await states.settle('publish', { id }, c.token, () => ({ remote_id: '42' }), {});
    expect(done).toMatchObject({ status: 'published', remote_id: '42', claim_token: null, claimed_until: null });
    expect(await postStatus(postId)).toBe('published');
    // Once settled, the old claim is worthless.
    expect(await states.renew(id, c.token, LEASE)).toBe(false);
  });

  it('recover takes a publishing delivery back only once its lease ran out', async () => {
    const a = await cipherAccount();
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-5), [{ account: a }]);
    const c = await claimed(id);
    expect(await states.apply('recover', { ids: [id] })).toEqual([]);
    await m.db
      .updateTable('deliveries')
      .set({ claimed_until: seconds(-1) })
      .where('id', '=', id)
      .execute();
    const [back] = await states.apply('recover', { ids: [id] }, { set: () => ({ ambiguous: true }) });
    expect(back).toMatchObject({ status: 'retrying', ambiguous: true, claim_token: null });
    // The worker that lost its claim cannot write its late result.
    expect(await states.settle('publish', { id }, c.token, () => ({}), {})).toBeUndefined();
    expect((await row(id)).status).toBe('retrying');
  });

  it('two deliveries of one post settled at the same moment leave the post with the status of both', async () => {
    const accounts = await Promise.all([cipherAccount(), cipherAccount()]);
    for (let round = 0; round < 15; round++) {
      const { postId, deliveryIds } = await insertPostWith(posts, seconds(-5), [
        { account: accounts[0] },
        { account: accounts[1] },
      ]);
      const claims = await Promise.all(deliveryIds.map(claimed));
      await Promise.all(claims.map((c) => states.settle('publish', c.row, c.token, () => ({ remote_id: 'r' }), {})));
      expect(await postStatus(postId)).toBe('published');
    }
  });

  it('a settle hands the account over: the next delivery gets its job', async () => {
    const a = await cipherAccount();
    const first = await insertPostWith(posts, seconds(-20), [{ account: a }]);
    const second = await insertPostWith(posts, seconds(-10), [{ account: a }]);
    const c = await claimed(first.deliveryIds[0]);
    expect(await jobState(second.deliveryIds[0])).toBe('unknown');
    await states.settle('fail', c.row, c.token, () => ({ error: 'no' }), {});
    expect(['waiting', 'prioritized']).toContain(await jobState(second.deliveryIds[0]));
    expect(await jobState(first.deliveryIds[0])).toBe('unknown'); // its own job is the caller's
  });

  it('hold and resume an account: held deliveries lose their jobs; resumed ones come back, the due ones now', async () => {
    const a = await cipherAccount();
    const b = await cipherAccount();
    const past = await insertPostWith(posts, seconds(-600), [{ account: a }, { account: b }]);
    const future = await insertPostWith(posts, seconds(3600), [{ account: a }, { account: a, status: 'published' }]);
    await states.handOver([a.id, b.id]);
    expect(await jobState(past.deliveryIds[0])).toBe('waiting');

    const held = await states.apply('hold', { accountId: a.id }, { set: () => ({ error: 'reauth required' }) });
    expect(held.map((d) => d.id).sort()).toEqual([past.deliveryIds[0], future.deliveryIds[0]].sort());
    expect(await jobState(past.deliveryIds[0])).toBe('unknown');
    expect((await row(past.deliveryIds[1])).status).toBe('scheduled');
    expect((await row(future.deliveryIds[1])).status).toBe('published');
    expect(await postStatus(past.postId)).toBe('scheduled');

    const now = new Date();
    await states.apply(
      'resume',
      { accountId: a.id },
      { set: (eb) => ({ error: null, next_attempt_at: eb.fn('greatest', ['next_attempt_at', eb.val(now)]) }) },
    );
    expect((await row(past.deliveryIds[0])).next_attempt_at.getTime()).toBe(now.getTime());
    const f = await row(future.deliveryIds[0]);
    expect(f.next_attempt_at.getTime()).toBe(f.scheduled_at.getTime());
    // Only the account's next delivery has a job; the later one's turn comes after it.
    expect(await jobState(past.deliveryIds[0])).toBe('waiting');
    expect(await jobState(future.deliveryIds[0])).toBe('unknown');
  });

  it('cancel and reschedule apply only to deliveries that have not started', async () => {
    const a = await cipherAccount();
    const { postId, deliveryIds } = await insertPostWith(posts, seconds(600), [
      { account: a },
      { account: a, status: 'retrying' },
      { account: a, status: 'held' },
      { account: a, status: 'published' },
    ]);
    const at = seconds(7200);
    const moved = await states.apply(
      'reschedule',
      { postId },
      { set: () => ({ scheduled_at: at, next_attempt_at: at }) },
    );
    expect(moved).toHaveLength(3);
    expect((await row(deliveryIds[3])).scheduled_at.getTime()).not.toBe(at.getTime());
    const cancelled = await states.apply('cancel', { postId });
    expect(cancelled.map((d) => d.id).sort()).toEqual(deliveryIds.slice(0, 3).sort());
    expect(await postStatus(postId)).toBe('published');
  });

  describe('budgets in the claim', () => {
    const minute = 60_000;
    const budget = (counter: string, max: number, windowMs = minute) => ({ counter, max, windowMs });
    const spends = (key: string) =>
      m.db.selectFrom('budget_spends').select('at').where('key', '=', key).orderBy('at').execute();
    const spendAt = (key: string, ...agoMs: number[]) =>
      m.db
        .insertInto('budget_spends')
        .values(agoMs.map((ago) => ({ key, at: new Date(Date.now() - ago) })))
        .execute();
    const dueOf = async () =>
      (await insertPostWith(posts, seconds(-1), [{ account: await cipherAccount() }])).deliveryIds[0];
    const unique = (name: string) => `${name}:${randomUUID()}`;

    it('a claim spends every distinct counter once per unit, with the claim', async () => {
      const k = unique('account');
      const c = await states.claim(
        await row(await dueOf()),
        { budgets: [budget(k, 20), budget(k, 100, 30 * minute)], units: 2 },
        LEASE,
      );
      expect(c.kind).toBe('claimed');
      expect(await spends(k)).toHaveLength(2);
    });

    it('a spent budget claims and spends nothing, and says when the spend that makes room leaves its window', async () => {
      const k = unique('account');
      // Two in the last minute, max 2: room when the older leaves, 15 s after it was stamped. The bounds are the
      // clock around the stamping itself (a loaded machine can take long between any two statements).
      const stampedFrom = Date.now();
      await spendAt(k, 45_000, 30_000);
      const stampedTo = Date.now();
      const id = await dueOf();
      const r = await states.claim(await row(id), { budgets: [budget(k, 2)], units: 1 }, LEASE);
      expect(r.kind).toBe('budget');
      const until = r.kind === 'budget' ? r.until.getTime() : 0;
      expect(until).toBeGreaterThanOrEqual(stampedFrom + 15_000 - 1);
      expect(until).toBeLessThanOrEqual(stampedTo + 15_000 + 1);
      expect((await row(id)).status).toBe('scheduled');
      expect(await spends(k)).toHaveLength(2);
    });

    it('takes the longest wait of several budgets (per minute and per half hour)', async () => {
      const k = unique('account');
      await spendAt(k, 20 * minute, 19 * minute); // max 2 per 30 min: room in 10 min; per minute: room now
      const r = await states.claim(
        await row(await dueOf()),
        { budgets: [budget(k, 20), budget(k, 2, 30 * minute)], units: 1 },
        LEASE,
      );
      expect(r.kind === 'budget' && Math.round((r.until.getTime() - Date.now()) / minute)).toBe(10);
    });

    it("honours a platform's own 'not before' on a counter, and ignores one already past", async () => {
      const k = unique('chat');
      const notBefore = seconds(30);
      await m.db.insertInto('rate_budgets').values({ key: k, blocked_until: notBefore }).execute();
      const r = await states.claim(await row(await dueOf()), { budgets: [budget(k, 20)], units: 1 }, LEASE);
      expect(r.kind === 'budget' && r.until.getTime()).toBe(notBefore.getTime());
      await m.db
        .updateTable('rate_budgets')
        .set({ blocked_until: seconds(-1) })
        .where('key', '=', k)
        .execute();
      expect((await states.claim(await row(await dueOf()), { budgets: [budget(k, 20)], units: 1 }, LEASE)).kind).toBe(
        'claimed',
      );
    });

    it('a thread needs room for all its parts; one larger than the budget goes when the budget is empty', async () => {
      const k = unique('account');
      const stampedFrom = Date.now();
      await spendAt(k, 50_000, 40_000); // 2 of 3 used: a 2-part thread waits for the older to leave (10 s)
      const stampedTo = Date.now();
      const r = await states.claim(await row(await dueOf()), { budgets: [budget(k, 3)], units: 2 }, LEASE);
      const until = r.kind === 'budget' ? r.until.getTime() : 0;
      expect(until).toBeGreaterThanOrEqual(stampedFrom + 10_000 - 1);
      expect(until).toBeLessThanOrEqual(stampedTo + 10_000 + 1);
      const empty = unique('account');
      expect(
        (await states.claim(await row(await dueOf()), { budgets: [budget(empty, 2)], units: 5 }, LEASE)).kind,
      ).toBe('claimed');
    });

    it("units unknown to the caller: the claim counts a thread's parts not yet posted", async () => {
      const k = unique('account');
      const id = await dueOf();
      await m.db
        .updateTable('deliveries')
        .set({ parts: JSON.stringify(['one', 'two', 'three', 'four']), thread_remote_ids: JSON.stringify(['r1']) })
        .where('id', '=', id)
        .execute();
      const c = await states.claim({ id }, { budgets: [budget(k, 20)], units: null }, LEASE);
      expect(c.kind).toBe('claimed');
      expect(await spends(k)).toHaveLength(3);
      const single = unique('account');
      expect(
        (await states.claim({ id: await dueOf() }, { budgets: [budget(single, 20)], units: null }, LEASE)).kind,
      ).toBe('claimed');
      expect(await spends(single)).toHaveLength(1);
    });

    it('two accounts sharing a counter (one bot) never spend past it together', async () => {
      const bot = unique('bot');
      const ids = await Promise.all(Array.from({ length: 8 }, () => dueOf()));
      const rows = await Promise.all(ids.map(row));
      const results = await Promise.all(
        rows.map((d) => states.claim(d, { budgets: [budget(bot, 3)], units: 1 }, LEASE)),
      );
      expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(3);
      expect(results.filter((r) => r.kind === 'budget')).toHaveLength(5);
      expect(await spends(bot)).toHaveLength(3);
    });

    it('claims made together share one statement; each gets its own outcome and its own claim time', async () => {
      const free = await dueOf();
      const spent = unique('account');
      await spendAt(spent, 1000);
      const blocked = await dueOf();
      const a = await cipherAccount();
      const pair = (await insertPostWith(posts, seconds(-5), [{ account: a }, { account: a }])).deliveryIds;
      const [r1, r2, r3, r4] = await Promise.all([
        states.claim(await row(free), FREE, LEASE),
        states.claim(await row(blocked), { budgets: [budget(spent, 1)], units: 1 }, LEASE),
        states.claim(await row(pair[0]), FREE, LEASE),
        states.claim(await row(pair[1]), FREE, LEASE),
      ]);
      expect([r1.kind, r2.kind, r3.kind, r4.kind]).toEqual(['claimed', 'budget', 'claimed', 'not-turn']);
      // A spent budget undoes its own item only: nothing claimed, nothing spent for it.
      expect((await row(blocked)).status).toBe('scheduled');
      expect(await spends(spent)).toHaveLength(1);
      // Distinct claim times: a settle restamps or refunds exactly its own spends, even on a shared counter.
      const at = [r1, r3].map((r) => (r.kind === 'claimed' ? r.at.getTime() : 0));
      expect(new Set(at).size).toBe(2);
    });

    it('two processes claiming on shared counters in opposite orders neither deadlock nor overspend', async () => {
      const [k1, k2] = [unique('bot'), unique('bot')];
      const other = new DeliveryStateService(new DeliveryStateRepository(m.db), queues);
      const ids = await Promise.all(Array.from({ length: 16 }, () => dueOf()));
      const rows = await Promise.all(ids.map(row));
      // Each item spends both counters; the two processes list them in opposite orders.
      const results = await Promise.all(
        rows.map((d, i) =>
          (i % 2 === 0 ? states : other).claim(
            d,
            { budgets: i % 2 === 0 ? [budget(k1, 5), budget(k2, 5)] : [budget(k2, 5), budget(k1, 5)], units: 1 },
            LEASE,
          ),
        ),
      );
      expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(5);
      expect(results.filter((r) => r.kind === 'budget')).toHaveLength(11);
      expect(await spends(k1)).toHaveLength(5);
      expect(await spends(k2)).toHaveLength(5);
    });
  });
});
