import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../../src/config/config';
import type { AccountRow } from '../../src/database/schema';
import { PostsRepository } from '../../src/posts/posts.repository';
import type { DeliveryStatus } from '../../src/posts/statuses';
import { LeasesRepository } from '../../src/database/leases.repository';
import { PausesRepository } from '../../src/pauses/pauses.repository';
import { DeliveryStateRepository } from '../../src/posts/delivery-state.repository';
import { DeliveryStateService } from '../../src/posts/delivery-state.service';
import { BudgetsRepository } from '../../src/publishing/budgets.repository';
import { SweepService } from '../../src/publishing/sweep.service';
import { publishJobId } from '../../src/queue/job-catalogue';
import { QueueService } from '../../src/queue/queue.service';
import { RetentionRepository } from '../../src/retention/retention.repository';
import { RetentionService } from '../../src/retention/retention.service';
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

/**
 * SweepService.sweepOnce against real Postgres + Redis: the next delivery of every account due within the horizon
 * ends up with exactly one job, and so does every `publishing` delivery whose lease ran out.
 */
describe('SweepService.sweepOnce (medium)', () => {
  let m: MediumDb;
  let redis: Redis;
  let posts: PostsRepository;
  let tg: AccountRow;
  let masto: AccountRow;
  let other: AccountRow;
  let prefix: string;
  let config: AppConfig;
  let queues: QueueService;
  let sweep: SweepService;
  let states: DeliveryStateService;

  beforeAll(async () => {
    Logger.overrideLogger(['error']); // one warning per restored job would bury the test output
    m = await mediumDb();
    redis = mediumRedis();
    posts = new PostsRepository(m.db);
    const cipher = testCipher();
    tg = await insertAccount(m.db, cipher, { platform: 'telegram' });
    masto = await insertAccount(m.db, cipher, { platform: 'mastodon' });
    other = await insertAccount(m.db, cipher, { platform: 'telegram' });
  });

  beforeEach(async () => {
    await m.db.deleteFrom('deliveries').execute();
    await m.db.deleteFrom('leases').execute();
    prefix = uniquePrefix('sweep');
    config = mediumConfig(prefix, { CRIER_SWEEP_SECONDS: '1' });
    queues = new QueueService(config, mediumQueue(redis, m.url));
    states = new DeliveryStateService(new DeliveryStateRepository(m.db), queues);
    const retention = new RetentionService(new RetentionRepository(m.db), config);
    sweep = new SweepService(
      states,
      queues,
      new LeasesRepository(m.db),
      new BudgetsRepository(m.db),
      config,
      retention,
      new PausesRepository(m.db),
    );
  });

  afterEach(async () => {
    await queues.onModuleDestroy();
    await clearQueueStore(redis, prefix);
  });

  afterAll(async () => {
    await redis?.quit();
    await m?.close();
  });

  const jobOf = (id: string, platform = 'telegram') => queues.queue(platform as 'telegram').getJob(publishJobId(id));
  const hasJob = (id: string, platform = 'telegram') => queues.hasJob({ id, platform });
  const totalJobs = async () =>
    (await queues.counts()).reduce(
      (n, c) => n + c.waiting + c.delayed + c.active + c.paused + c.completed + c.failed,
      0,
    );
  const set = (id: string, values: Record<string, unknown>) =>
    m.db.updateTable('deliveries').set(values).where('id', '=', id).execute();

  it("restores the job of each account's next delivery due within the horizon, once", async () => {
    const due = await insertPostWith(posts, seconds(-120), [{ account: tg }, { account: masto }]);
    const soon = await insertPostWith(posts, seconds(60), [{ account: tg }]);
    const far = await insertPostWith(posts, seconds(3 * 3600), [{ account: other }]);

    expect(await sweep.sweepOnce()).toBe(2);
    expect(await (await jobOf(due.deliveryIds[0]))!.getState()).toBe('waiting');
    expect(await (await jobOf(due.deliveryIds[1], 'mastodon'))!.getState()).toBe('waiting');
    // tg's later delivery waits for its turn (the first one's hand-over gives it a job), far ahead ones for later sweeps.
    expect(await hasJob(soon.deliveryIds[0])).toBe(false);
    expect(await hasJob(far.deliveryIds[0])).toBe(false);

    expect(await sweep.sweepOnce()).toBe(0);
    expect(await totalJobs()).toBe(2);
  });

  it('a retrying head gets its job at its retry time, not its scheduled time', async () => {
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-600), [{ account: tg, status: 'retrying' }]);
    await set(id, { next_attempt_at: seconds(120) });
    expect(await sweep.sweepOnce()).toBe(1);
    const j = (await jobOf(id))!;
    expect(await j.getState()).toBe('delayed');
    expect(j.delay).toBeGreaterThan(110_000);
    // Ids only: the delivery, and its account (the worker's cache hint).
    expect(j.data).toEqual({ deliveryId: id, accountId: tg.id });
  });

  it('leaves an existing job alone (no double enqueue, no moved delay)', async () => {
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(120), [{ account: tg }]);
    await queues.ensureJob({ id, platform: 'telegram' }, seconds(60));
    expect(await sweep.sweepOnce()).toBe(0);
    expect((await jobOf(id))!.delay).toBeLessThanOrEqual(60_000);
    expect(await totalJobs()).toBe(1);
  });

  it('re-queues a publishing delivery whose lease ran out, not one a worker still holds', async () => {
    const {
      deliveryIds: [stale, fresh],
    } = await insertPostWith(posts, seconds(-3600), [{ account: tg }, { account: masto }]);
    await set(stale, { status: 'publishing', claim_token: randomUUID(), claimed_until: seconds(-5) });
    await set(fresh, { status: 'publishing', claim_token: randomUUID(), claimed_until: seconds(60) });

    expect(await sweep.sweepOnce()).toBe(1);
    expect(await (await jobOf(stale))!.getState()).toBe('waiting'); // runs now, to settle it
    expect(await hasJob(fresh, 'mastodon')).toBe(false);
    expect(await sweep.sweepOnce()).toBe(0);

    await set(fresh, { claimed_until: seconds(-1) });
    expect(await sweep.sweepOnce()).toBe(1);
    expect(await (await jobOf(fresh, 'mastodon'))!.getState()).toBe('waiting');
  });

  it('never enqueues deliveries that are finished, held or cancelled', async () => {
    const terminal: DeliveryStatus[] = ['published', 'failed', 'cancelled', 'held', 'skipped', 'unconfirmed'];
    const { deliveryIds } = await insertPostWith(
      posts,
      seconds(-60),
      terminal.map((status) => ({ account: tg, status })),
    );
    expect(await sweep.sweepOnce()).toBe(0);
    for (const id of deliveryIds) expect(await hasJob(id)).toBe(false);
    expect(await totalJobs()).toBe(0);
  });

  it('does nothing while another process holds the sweep lease, and takes over once it ran out', async () => {
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-60), [{ account: tg }]);
    await m.db
      .insertInto('leases')
      .values({ name: 'sweep', holder: 'another-worker', until: seconds(60) })
      .execute();
    expect(await sweep.sweepOnce()).toBe(0);
    expect(await hasJob(id)).toBe(false);

    await m.db
      .updateTable('leases')
      .set({ until: seconds(-1) })
      .where('name', '=', 'sweep')
      .execute();
    expect(await sweep.sweepOnce()).toBe(1);
    // Released at the end: the next sweep of any process may run.
    expect(await m.db.selectFrom('leases').selectAll().execute()).toEqual([]);
  });

  it('two sweeps at once: one restores, the other skips', async () => {
    await insertPostWith(posts, seconds(-60), [{ account: tg }, { account: masto }]);
    const leases = new LeasesRepository(m.db);
    const retention = new RetentionService(new RetentionRepository(m.db), config);
    const twin = new SweepService(
      states,
      queues,
      leases,
      new BudgetsRepository(m.db),
      config,
      retention,
      new PausesRepository(m.db),
    );
    const [a, b] = await Promise.all([sweep.sweepOnce(), twin.sweepOnce()]);
    expect([a, b].sort()).toEqual([0, 2]);
    expect(await totalJobs()).toBe(2);
  });

  it('walks past the first page: more than 500 accounts all get their job', async () => {
    const cipher = testCipher();
    const n = 1203;
    const accounts = await Promise.all(
      Array.from({ length: n }, (_, i) => insertAccount(m.db, cipher, { platform: i % 2 ? 'mastodon' : 'telegram' })),
    );
    await insertPostWith(
      posts,
      seconds(60),
      accounts.map((account) => ({ account })),
    );
    expect(await sweep.sweepOnce()).toBe(n);
    const counts = await queues.counts();
    expect(counts.find((c) => c.platform === 'telegram')?.delayed).toBe(Math.ceil(n / 2));
    expect(counts.find((c) => c.platform === 'mastodon')?.delayed).toBe(Math.floor(n / 2));
    expect(await sweep.sweepOnce()).toBe(0);
  }, 60_000);
});
