import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { PUBLISH_JOB, publishJobId, queueName, twinJobId } from '../../src/queue/job-catalogue';
import { QueueService } from '../../src/queue/queue.service';
import { waitFor } from '../support/wait';
import type { QueueBackend } from '../../src/queue/queue-backend';
import {
  countPrefixKeys,
  deletePrefixKeys,
  mediumConfig,
  mediumDb,
  mediumQueue,
  mediumRedis,
  QUEUE_KIND,
  uniquePrefix,
} from './medium-env';

/** A queue store no other test sees: a key prefix on Redis, a database of its own on PostgreSQL. */
interface Store {
  prefix: string;
  backend: QueueBackend;
  /** How many keys (Redis), or jobs and events (PostgreSQL), the store holds. */
  stored(): Promise<number>;
  drop(): Promise<void>;
}

async function ownStore(redis: Redis, tag: string): Promise<Store> {
  const prefix = uniquePrefix(tag);
  if (QUEUE_KIND === 'redis') {
    return {
      prefix,
      backend: mediumQueue(redis),
      stored: () => countPrefixKeys(redis, prefix),
      drop: () => deletePrefixKeys(redis, prefix),
    };
  }
  const m = await mediumDb();
  const backend = mediumQueue(redis, m.url);
  return {
    prefix,
    backend,
    stored: async () => {
      const q = sql<{ n: number }>`SELECT (SELECT count(*) FROM bullmq.job) + (SELECT count(*) FROM bullmq.event) AS n`;
      return Number((await q.execute(m.db)).rows[0].n);
    },
    drop: async () => {
      await backend.close().catch(() => undefined);
      await m.close();
    },
  };
}

/**
 * QueueService against a real store (CRIER_QUEUE: Redis, or BullMQ's PostgreSQL backend): one BullMQ queue per
 * platform, in a store unique to each test.
 */
describe(`QueueService (medium, ${QUEUE_KIND})`, () => {
  let redis: Redis;
  let store: Store;
  let qs: QueueService;
  const extra: { qs: QueueService; store: Store }[] = [];

  const delivery = (platform = 'telegram') => ({ id: randomUUID(), platform });
  const job = (d: { id: string; platform: string }) => qs.queue(d.platform as 'telegram').getJob(publishJobId(d.id));
  const stateOf = async (d: { id: string; platform: string }) => (await job(d))?.getState();
  /** Delay within a tolerance: `ensureJob` computes it from Date.now() a few ms after we did. */
  const expectDelayNear = (actual: number | undefined, wantMs: number) => {
    expect(actual).toBeGreaterThan(wantMs - 2_000);
    expect(actual).toBeLessThanOrEqual(wantMs);
  };

  beforeAll(() => {
    redis = mediumRedis();
  });

  beforeEach(async () => {
    store = await ownStore(redis, 'queue');
    qs = new QueueService(mediumConfig(store.prefix), store.backend);
  });

  afterEach(async () => {
    for (const q of [{ qs, store }, ...extra.splice(0)]) {
      await q.qs.onModuleDestroy();
      await q.store.drop();
    }
  });

  afterAll(async () => {
    await redis?.quit();
  });

  it('ensureJob adds one delayed job, id delivery-<id>, carrying only the delivery id', async () => {
    const d = delivery();
    await qs.ensureJob(d, new Date(Date.now() + 60_000));
    const j = await job(d);
    expect(j).toBeDefined();
    expect(j!.id).toBe(`delivery-${d.id}`);
    expect(j!.name).toBe(PUBLISH_JOB);
    expect(j!.data).toEqual({ deliveryId: d.id });
    expectDelayNear(j!.delay, 60_000);
    expect(await j!.getState()).toBe('delayed');
    expect(qs.queue('telegram').name).toBe(queueName('telegram'));
    expect(await store.stored()).toBeGreaterThan(0);
  });

  it('finished jobs are trimmed (Redis keeps the last 1000 completed, 5000 failed; PostgreSQL keeps the record)', async () => {
    const d = delivery();
    await qs.ensureJob(d, new Date());
    expect((await job(d))!.opts).toMatchObject({ removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } });
  });

  it('calling ensureJob twice keeps exactly one job', async () => {
    const d = delivery();
    const at = new Date(Date.now() + 60_000);
    await qs.ensureJob(d, at);
    await qs.ensureJob(d, at);
    const q = qs.queue('telegram');
    expect(await q.getJobCounts('delayed', 'waiting')).toEqual({ delayed: 1, waiting: 0 });
    expect((await q.getDelayed()).map((j) => j.id)).toEqual([publishJobId(d.id)]);
  });

  it('ensureJob with a new time moves the delay of the existing job', async () => {
    const d = delivery();
    await qs.ensureJob(d, new Date(Date.now() + 60_000));
    await qs.ensureJob(d, new Date(Date.now() + 600_000));
    expectDelayNear((await job(d))!.delay, 600_000);
    await qs.ensureJob(d, new Date(Date.now() + 5_000));
    expectDelayNear((await job(d))!.delay, 5_000);
    expect(await qs.queue('telegram').getJobCounts('delayed', 'waiting')).toEqual({ delayed: 1, waiting: 0 });
  });

  it('ensureJob for a time already past makes the job wait (no delay); a later time turns it into a delayed one', async () => {
    const d = delivery();
    await qs.ensureJob(d, new Date(Date.now() - 5_000));
    expect(await stateOf(d)).toBe('waiting');
    expect((await job(d))!.delay).toBe(0);
    await qs.ensureJob(d, new Date(Date.now() - 1_000));
    expect(await stateOf(d)).toBe('waiting');

    await qs.ensureJob(d, new Date(Date.now() + 30_000));
    expect(await stateOf(d)).toBe('delayed');
    expectDelayNear((await job(d))!.delay, 30_000);
    expect(await qs.queue('telegram').getJobCounts('delayed', 'waiting')).toEqual({ delayed: 1, waiting: 0 });
  });

  it('hasJob reflects the job state and removeJob removes it', async () => {
    const d = delivery('mastodon');
    expect(await qs.hasJob(d)).toBe(false);
    await qs.ensureJob(d, new Date(Date.now() + 60_000));
    expect(await qs.hasJob(d)).toBe(true);
    await qs.removeJob(d);
    expect(await qs.hasJob(d)).toBe(false);
    expect(await job(d)).toBeUndefined();
    await expect(qs.removeJob(d)).resolves.toBeUndefined(); // removing a missing job is fine

    const w = delivery('mastodon');
    await qs.ensureJob(w, new Date());
    expect(await qs.hasJob(w)).toBe(true);
    await qs.removeJob(w);
    expect(await qs.hasJob(w)).toBe(false);
  });

  it.each(['completed', 'failed'] as const)(
    'hasJob is false for a %s job, and ensureJob then replaces it with a fresh one',
    async (outcome) => {
      const d = delivery();
      await qs.ensureJob(d, new Date());
      const worker = store.backend.worker(
        queueName('telegram'),
        async () => {
          if (outcome === 'failed') throw new UnrecoverableError('rejected');
          return 'ok';
        },
        { prefix: store.prefix },
      );
      try {
        await waitFor(async () => (await stateOf(d)) === outcome, { timeoutMs: 10_000, what: `job ${outcome}` });
      } finally {
        await worker.close();
      }
      expect(await qs.hasJob(d)).toBe(false);

      await qs.ensureJob(d, new Date(Date.now() + 10_000));
      expect(await stateOf(d)).toBe('delayed');
      expect(await qs.hasJob(d)).toBe(true);
      expect(await qs.queue('telegram').getJobCounts(outcome, 'delayed')).toEqual({ [outcome]: 0, delayed: 1 });
    },
  );

  it('a hand-over to a delivery whose job is running adds its twin job, so the hand-over is not lost', async () => {
    const d = delivery();
    await qs.ensureJob(d, new Date());
    let release!: () => void;
    const ended = new Promise<void>((r) => (release = r));
    const worker = store.backend.worker(queueName('telegram'), () => ended.then(() => 'not its turn'), {
      prefix: store.prefix,
    });
    try {
      await waitFor(async () => (await stateOf(d)) === 'active', { timeoutMs: 10_000, what: 'the job to run' });
      await qs.ensureJob(d, new Date()); // an ordinary ensure leaves a running job alone
      expect(await qs.queue('telegram').getJobState(twinJobId(d.id))).toBe('unknown');
      await qs.ensureJob(d, new Date(Date.now() + 30_000), { evenIfActive: true });
      expect(await qs.queue('telegram').getJobState(twinJobId(d.id))).toBe('delayed');
      release();
      await waitFor(async () => (await stateOf(d)) === 'completed', { timeoutMs: 10_000, what: 'the job to end' });
      expect(await qs.hasJob(d)).toBe(true); // the twin still stands for it
      await qs.removeJob(d);
      expect(await qs.hasJob(d)).toBe(false);
    } finally {
      release();
      await worker.close();
    }
  });

  it('counts() reports delayed and waiting per platform', async () => {
    await qs.ensureJob(delivery('telegram'), new Date(Date.now() + 60_000));
    await qs.ensureJob(delivery('telegram'), new Date(Date.now() + 60_000));
    await qs.ensureJob(delivery('telegram'), new Date(Date.now() - 1_000));
    await qs.ensureJob(delivery('mastodon'), new Date());
    const counts = await qs.counts();
    const by = Object.fromEntries(counts.map((c) => [c.platform, c]));
    expect(by.telegram).toMatchObject({
      name: 'publish-telegram',
      delayed: 2,
      waiting: 1,
      active: 0,
      failed: 0,
      paused: 0,
    });
    expect(by.mastodon).toMatchObject({ delayed: 0, waiting: 1 });
    for (const c of counts.filter((x) => x.platform !== 'telegram' && x.platform !== 'mastodon')) {
      expect(c).toMatchObject({ delayed: 0, waiting: 0 });
    }
  });

  it('counts() reports a paused queue’s waiting jobs as paused', async () => {
    await qs.ensureJob(delivery('telegram'), new Date());
    await qs.queue('telegram').pause();
    const tg = (await qs.counts()).find((c) => c.platform === 'telegram');
    expect(tg).toMatchObject({ waiting: 0, paused: 1 });
  });

  it('an unknown platform is refused', () => {
    expect(() => qs.queue('myspace' as 'telegram')).toThrow(/No queue for platform myspace/);
  });

  it('two QueueServices on different stores (prefixes, or databases) never see each other’s jobs', async () => {
    const otherStore = await ownStore(redis, 'queue-b');
    const other = new QueueService(mediumConfig(otherStore.prefix), otherStore.backend);
    extra.push({ qs: other, store: otherStore });
    const d = delivery();

    await qs.ensureJob(d, new Date(Date.now() + 60_000));
    expect(await qs.hasJob(d)).toBe(true);
    expect(await other.hasJob(d)).toBe(false);
    expect((await other.counts()).every((c) => c.delayed === 0 && c.waiting === 0)).toBe(true);

    await other.ensureJob(d, new Date());
    expect(await stateOf(d)).toBe('delayed'); // ours untouched
    await other.removeJob(d);
    expect(await qs.hasJob(d)).toBe(true);
    expect(await otherStore.stored()).toBeGreaterThan(0);
    expect(await qs.hasJob(d)).toBe(true);
  });
});
