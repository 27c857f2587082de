import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../../src/config/config';
import type { AccountRow } from '../../src/database/schema';
import { PostsRepository } from '../../src/posts/posts.repository';
import type { DeliveryStatus } from '../../src/posts/statuses';
import { SweepService } from '../../src/publishing/sweep.service';
import { publishJobId } from '../../src/queue/job-catalogue';
import { QueueService } from '../../src/queue/queue.service';
import {
  deletePrefixKeys,
  insertAccount,
  insertPostWith,
  mediumConfig,
  mediumDb,
  MediumDb,
  mediumRedis,
  seconds,
  testCipher,
  uniquePrefix,
} from './medium-env';

/** SweepService.sweepOnce against real Postgres + Redis: every runnable delivery ends up with exactly one job. */
describe('SweepService.sweepOnce (medium)', () => {
  let m: MediumDb;
  let redis: Redis;
  let posts: PostsRepository;
  let tg: AccountRow;
  let masto: AccountRow;
  let prefix: string;
  let config: AppConfig;
  let queues: QueueService;
  let sweep: SweepService;

  beforeAll(async () => {
    Logger.overrideLogger(['error']); // one warning per restored job would bury the test output
    m = await mediumDb();
    redis = mediumRedis();
    posts = new PostsRepository(m.db);
    const cipher = testCipher();
    tg = await insertAccount(m.db, cipher, { platform: 'telegram' });
    masto = await insertAccount(m.db, cipher, { platform: 'mastodon' });
  });

  beforeEach(async () => {
    await m.db.deleteFrom('deliveries').execute();
    prefix = uniquePrefix('sweep');
    // Small lock/timeout values, so the stale-`publishing` window is a few seconds (the tests use an hour).
    config = mediumConfig(prefix, {
      CRIER_SWEEP_SECONDS: '1',
      CRIER_JOB_LOCK_MS: '1000',
      CRIER_HTTP_TIMEOUT_MS: '100',
    });
    queues = new QueueService(config, redis);
    sweep = new SweepService(posts, queues, redis, config);
  });

  afterEach(async () => {
    await queues.onModuleDestroy();
    await deletePrefixKeys(redis, prefix);
  });

  afterAll(async () => {
    await redis?.quit();
    await m?.close();
  });

  const lockKey = () => `${prefix}:lock:sweep`;
  /** The next sweep runs as if the previous one's lock had expired. */
  const sweepAgain = async () => {
    await redis.del(lockKey());
    return sweep.sweepOnce();
  };
  const jobOf = (id: string, platform = 'telegram') => queues.queue(platform as 'telegram').getJob(publishJobId(id));
  const hasJob = (id: string, platform = 'telegram') => queues.hasJob({ id, platform });
  const totalJobs = async () =>
    (await queues.counts()).reduce(
      (n, c) => n + c.waiting + c.delayed + c.active + c.paused + c.completed + c.failed,
      0,
    );

  async function setUpdatedAt(id: string, at: Date): Promise<void> {
    await m.db.updateTable('deliveries').set({ updated_at: at }).where('id', '=', id).execute();
  }

  it('restores a job for every runnable delivery that has none, once', async () => {
    const due = await insertPostWith(posts, seconds(-120), [{ account: tg }, { account: masto }]);
    const future = await insertPostWith(posts, seconds(3600), [{ account: tg }]);
    const retrying = await insertPostWith(posts, seconds(-600), [{ account: tg }]);
    await posts.transition(retrying.deliveryIds[0], ['scheduled'], {
      status: 'retrying',
      next_attempt_at: seconds(300),
    });

    expect(await sweep.sweepOnce()).toBe(4);

    const [dueTg, dueMasto] = due.deliveryIds;
    expect(await (await jobOf(dueTg))!.getState()).toBe('waiting');
    expect(await (await jobOf(dueMasto, 'mastodon'))!.getState()).toBe('waiting');
    const fut = (await jobOf(future.deliveryIds[0]))!;
    expect(await fut.getState()).toBe('delayed');
    expect(fut.delay).toBeGreaterThan(3_590_000);
    expect(fut.delay).toBeLessThanOrEqual(3_600_000);
    const retry = (await jobOf(retrying.deliveryIds[0]))!;
    expect(await retry.getState()).toBe('delayed');
    expect(retry.delay).toBeGreaterThan(290_000); // next_attempt_at, not scheduled_at
    expect(retry.data).toEqual({ deliveryId: retrying.deliveryIds[0] });

    expect(await sweepAgain()).toBe(0);
    expect(await totalJobs()).toBe(4);
  });

  it('leaves an existing job alone (no double enqueue, no moved delay)', async () => {
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(3600), [{ account: tg }]);
    await queues.ensureJob({ id, platform: 'telegram' }, seconds(60));
    expect(await sweep.sweepOnce()).toBe(0);
    const j = (await jobOf(id))!;
    expect(j.delay).toBeLessThanOrEqual(60_000);
    expect(await totalJobs()).toBe(1);
  });

  it('re-queues a publishing delivery abandoned long ago, not one a worker is still on', async () => {
    const {
      deliveryIds: [stale, fresh],
    } = await insertPostWith(posts, seconds(-3600), [{ account: tg }, { account: tg }]);
    const now = new Date();
    expect(await posts.claim(stale, now)).toBeDefined();
    expect(await posts.claim(fresh, now)).toBeDefined();
    await setUpdatedAt(stale, seconds(-3600));

    expect(await sweep.sweepOnce()).toBe(1);
    expect(await hasJob(stale)).toBe(true);
    const j = (await jobOf(stale))!;
    expect(await j.getState()).toBe('waiting'); // runs now, to reconcile
    expect(await hasJob(fresh)).toBe(false);

    expect(await sweepAgain()).toBe(0);
    expect(await hasJob(fresh)).toBe(false);

    // Once it too has been left alone long enough, it is re-queued as well.
    await setUpdatedAt(fresh, seconds(-3600));
    expect(await sweepAgain()).toBe(1);
    expect(await (await jobOf(fresh))!.getState()).toBe('waiting');
  });

  it('never enqueues deliveries that are finished, held or cancelled', async () => {
    const terminal: DeliveryStatus[] = ['published', 'failed', 'cancelled', 'held', 'skipped', 'unconfirmed'];
    const { deliveryIds } = await insertPostWith(
      posts,
      seconds(-60),
      terminal.map((status) => ({ account: tg, status })),
    );
    for (const id of deliveryIds) await setUpdatedAt(id, seconds(-86_400));

    expect(await sweep.sweepOnce()).toBe(0);
    expect(await sweepAgain()).toBe(0);
    for (const id of deliveryIds) expect(await hasJob(id)).toBe(false);
    expect(await totalJobs()).toBe(0);
  });

  it('does nothing while another sweeper holds the lock, and its own lock expires', async () => {
    const {
      deliveryIds: [id],
    } = await insertPostWith(posts, seconds(-60), [{ account: tg }]);
    await redis.set(lockKey(), 'another-worker', 'PX', 60_000);
    expect(await sweep.sweepOnce()).toBe(0);
    expect(await hasJob(id)).toBe(false);
    expect(await redis.get(lockKey())).toBe('another-worker');

    expect(await sweepAgain()).toBe(1);
    const ttl = await redis.pttl(lockKey());
    expect(ttl).toBeGreaterThan(0); // a crashed sweeper cannot block the sweep forever
    expect(ttl).toBeLessThanOrEqual(2_000);
  });

  it('walks past the first page: more than 500 runnable deliveries all get a job', async () => {
    const n = 1203;
    const { deliveryIds } = await insertPostWith(
      posts,
      seconds(600),
      Array.from({ length: n }, (_, i) => ({ account: i % 2 ? masto : tg })),
    );
    expect(await sweep.sweepOnce()).toBe(n);
    const counts = await queues.counts();
    expect(counts.find((c) => c.platform === 'telegram')?.delayed).toBe(Math.ceil(n / 2));
    expect(counts.find((c) => c.platform === 'mastodon')?.delayed).toBe(Math.floor(n / 2));
    expect(await hasJob(deliveryIds[n - 1], (n - 1) % 2 ? 'mastodon' : 'telegram')).toBe(true);
    expect(await sweepAgain()).toBe(0);
  }, 60_000);
});
