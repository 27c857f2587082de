import type { Worker } from 'bullmq';
import type { QueueBackend } from '../../src/queue/queue-backend';
import type { Redis } from 'ioredis';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import type { Database } from '../../src/database/schema';
import { PostsRepository } from '../../src/posts/posts.repository';
import { PUBLISH_JOB, publishJobId, queueName, WEBHOOK_JOB, WEBHOOK_QUEUE } from '../../src/queue/job-catalogue';
import { QueuesOverviewService } from '../../src/queue/queues-overview.service';
import { QueuesRepository } from '../../src/queue/queues.repository';
import { QueueService } from '../../src/queue/queue.service';
import { waitFor } from '../support/wait';
import { testPool } from '../support/pg';
import {
  clearQueueStore,
  insertAccount,
  insertPostWith,
  mediumConfig,
  mediumDb,
  MediumDb,
  mediumRedis,
  testCipher,
  uniquePrefix,
  mediumQueue,
} from './medium-env';

/**
 * GET /queues' numbers against a real PostgreSQL and Redis: deliveries per platform and status, the most late due
 * delivery, workers connected, and how long the oldest waiting job has been runnable; in a fixed number of
 * statements whatever the number of deliveries.
 */
describe('the queues overview (medium)', () => {
  let m: MediumDb;
  let db: Kysely<Database>;
  let statements: string[];
  let redis: Redis;
  let prefix: string;
  let queues: QueueService;
  let worker: Worker | undefined;
  let backend: QueueBackend;

  beforeAll(async () => {
    m = await mediumDb();
    statements = [];
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: testPool(m.url, 4) }),
      log: (e) => void statements.push(e.query.sql),
    });
    redis = mediumRedis();
    prefix = uniquePrefix('overview');
    backend = mediumQueue(redis, m.url);
    queues = new QueueService(mediumConfig(prefix), backend);
  });

  afterAll(async () => {
    await worker?.close();
    await queues?.onModuleDestroy();
    await clearQueueStore(redis, prefix);
    await redis?.quit();
    await db?.destroy();
    await m?.close();
  });

  it('counts per platform and status, the most late due delivery, workers, and the oldest waiting job', async () => {
    const posts = new PostsRepository(db);
    const cipher = testCipher();
    const tg = await insertAccount(db, cipher, { platform: 'telegram' });
    const masto = await insertAccount(db, cipher, {
      platform: 'mastodon',
      credentials: { accessToken: 'x'.repeat(20) },
    });
    const now = new Date();
    const ago = (s: number) => new Date(now.getTime() - s * 1000);
    const one = async (account: typeof tg, status: 'scheduled' | 'published' | 'failed' | 'held', at: Date) =>
      (await insertPostWith(posts, at, [{ account, status }])).deliveryIds[0];

    await one(tg, 'published', ago(3600));
    await one(tg, 'published', ago(3000));
    await one(tg, 'failed', ago(600));
    const tgLate = await one(tg, 'scheduled', ago(120));
    const tgLater = await one(tg, 'scheduled', ago(30));
    await one(tg, 'scheduled', ago(-600)); // not due yet
    await one(masto, 'held', ago(900)); // due, but waits for a person: not overdue
    const mastoDue = await one(masto, 'scheduled', ago(300));

    // Telegram's oldest waiting job was added 10 minutes ago for a delivery due 2 minutes ago (a promoted delayed
    // job): it has waited 2 minutes. Mastodon's was added 40 s ago for one due 5 minutes ago (its turn came late):
    // 40 s. Nothing waits on Gab, where one worker is connected.
    const add = (platform: 'telegram' | 'mastodon', deliveryId: string, addedSecondsAgo: number) =>
      queues
        .queue(platform)
        .add(
          PUBLISH_JOB,
          { deliveryId },
          { jobId: publishJobId(deliveryId), timestamp: ago(addedSecondsAgo).getTime() },
        );
    await add('telegram', tgLate, 600);
    await add('telegram', tgLater, 5);
    await add('mastodon', mastoDue, 40);
    worker = backend.worker(queueName('gab'), async () => undefined, { prefix, autorun: false });
    await worker.waitUntilReady();

    // The webhooks queue: two messages waiting, the older added 20 s ago.
    await queues.webhooks.add(WEBHOOK_JOB, { messageId: 'msg_a' }, { jobId: 'msg_a', timestamp: ago(20).getTime() });
    await queues.webhooks.add(WEBHOOK_JOB, { messageId: 'msg_b' }, { jobId: 'msg_b', timestamp: ago(2).getTime() });

    const overview = () => new QueuesOverviewService(queues, new QueuesRepository(db)).overview(now);
    const byPlatform = async () => new Map((await overview()).platforms.map((q) => [q.platform, q]));
    const all = await waitFor(async () => ((await byPlatform()).get('gab')?.workers === 1 ? byPlatform() : null), {
      what: 'the Gab worker to be connected',
    });

    const telegram = all.get('telegram')!;
    expect(telegram).toMatchObject({
      name: 'publish-telegram',
      waiting: 2,
      workers: 0,
      overdue: 2,
      deliveries: { published: 2, failed: 1, scheduled: 3, held: 0, retrying: 0 },
    });
    expect(telegram.oldestWaitingSeconds).toBeGreaterThanOrEqual(119);
    expect(telegram.oldestWaitingSeconds).toBeLessThanOrEqual(121);
    expect(telegram.mostOverdueSeconds).toBe(120);

    const mastodon = all.get('mastodon')!;
    expect(mastodon).toMatchObject({ waiting: 1, workers: 0, overdue: 1, mostOverdueSeconds: 300 });
    expect(mastodon.deliveries).toMatchObject({ held: 1, scheduled: 1, published: 0 });
    expect(mastodon.oldestWaitingSeconds).toBeGreaterThanOrEqual(39);
    expect(mastodon.oldestWaitingSeconds).toBeLessThanOrEqual(41);

    expect(all.get('gab')).toMatchObject({
      waiting: 0,
      workers: 1,
      oldestWaitingSeconds: null,
      overdue: 0,
      mostOverdueSeconds: null,
      deliveries: { scheduled: 0, published: 0 },
    });
    expect(all.size).toBe(queues.queues.size);

    const { webhooks } = await overview();
    expect(webhooks).toMatchObject({ name: WEBHOOK_QUEUE, platform: null, waiting: 2, delayed: 0, workers: 0 });
    expect(webhooks.oldestWaitingSeconds).toBeGreaterThanOrEqual(19);
    expect(webhooks.oldestWaitingSeconds).toBeLessThanOrEqual(21);

    // PostgreSQL: three statements for the whole page, however many deliveries and queues.
    statements.length = 0;
    await new QueuesOverviewService(queues, new QueuesRepository(db)).overview(now);
    expect(statements).toHaveLength(3);
  });
});
