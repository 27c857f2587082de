import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { JobType, Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { PlatformId } from '../platforms/platform';
import { ADAPTERS } from '../platforms/platform.registry';
import {
  PUBLISH_JOB,
  PublishJobData,
  publishJobId,
  queueName,
  twinJobId,
  WEBHOOK_QUEUE,
  WebhookJobData,
} from './job-catalogue';
import { QUEUE_BACKEND, QueueBackend } from './queue-backend';

/** BullMQ's job counts of one queue, paused ones apart. */
export interface JobCounts {
  waiting: number;
  delayed: number;
  active: number;
  completed: number;
  failed: number;
  paused: number;
}

export interface QueueCounts extends JobCounts {
  name: string;
  platform: PlatformId;
}

/** The webhooks queue (src/webhooks/): its job counts, workers, and when its oldest waiting job was added. */
export interface WebhooksQueueState extends JobCounts {
  name: string;
  workers: number;
  oldestWaitingAddedAt: Date | null;
}

/** Who works a queue, and its job waiting longest (the far end of the waiting list), if any. */
export interface QueueLive {
  platform: PlatformId;
  /** Workers connected to the queue (BullMQ names their connections: CLIENT LIST, or pg_stat_activity). */
  workers: number;
  oldestWaiting: { jobId: string; deliveryId: string; addedAt: Date } | null;
}

/** What a delivery's job is made from: its id, its platform's queue, its account (a hint for the worker). */
export interface JobDelivery {
  id: string;
  platform: string;
  account_id?: string | null;
}

/** How often a job whose handler met an infrastructure fault comes back (with backoff capped at 30 s: days). */
export const JOB_ATTEMPTS = 100_000;

/** 'paused' is a count BullMQ answers on PostgreSQL, though its JobType does not list it. */
const COUNTED = ['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized', 'paused'] as JobType[];

/** Waits for every promise; throws the first failure after all have settled. */
async function settleAll(ps: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(ps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Producer side: one BullMQ queue per platform, and the only place that adds, moves or removes their jobs. It also
 * holds a handle on the webhooks queue, to count its jobs (GET /queues, bull-board): the webhook worker adds them.
 */
@Injectable()
export class QueueService implements OnModuleDestroy {
  private readonly log = new Logger(QueueService.name);
  readonly queues: ReadonlyMap<PlatformId, Queue<PublishJobData>>;
  readonly webhooks: Queue<WebhookJobData>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(QUEUE_BACKEND) private readonly backend: QueueBackend,
  ) {
    this.queues = new Map(ADAPTERS.map(({ id: p }) => [p, this.createQueue(p, config)]));
    this.webhooks = this.quiet(this.backend.queue<WebhookJobData>(WEBHOOK_QUEUE, { prefix: config.queuePrefix }));
  }

  private createQueue(platform: PlatformId, config: AppConfig): Queue<PublishJobData> {
    const queue = this.backend.queue<PublishJobData>(queueName(platform), {
      // Redis keys are under the prefix; on PostgreSQL the database (schema bullmq) sets the queues apart.
      prefix: config.queuePrefix,
      // Finished jobs are history only (PostgreSQL has the record): keep the last ones for the dashboard.
      // A handler that throws anything but UnrecoverableError met an infrastructure fault (the database was
      // away): the job comes back with backoff, for as long as it takes (worker's backoffStrategy).
      defaultJobOptions: {
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 5000 },
        attempts: JOB_ATTEMPTS,
        backoff: { type: 'infrastructure' },
      },
    });
    return this.quiet(queue);
  }

  /**
   * Without a listener BullMQ prints every connection error; the connection's own listener already reports the
   * store going away and coming back, so repeats of the same message are dropped here.
   */
  private quiet<Q extends Queue>(queue: Q): Q {
    let last = '';
    queue.on('error', (e: Error) => {
      if (e.message === last) return;
      last = e.message;
      this.log.warn(`queue ${queue.name}: ${e.message}`);
    });
    return queue;
  }

  queue(platform: PlatformId): Queue<PublishJobData> {
    const q = this.queues.get(platform);
    if (!q) throw new Error(`No queue for platform ${platform}`);
    return q;
  }

  /**
   * Makes sure the delivery has a job that runs at `runAt`. A finished job left under the same id is replaced
   * (BullMQ ignores an add whose id exists); a waiting or delayed one is moved. An active one is left alone (its
   * handler re-reads the row) unless `evenIfActive`: a hand-over to a delivery whose job is just ending (it found
   * it was not its turn) must not be lost, so a second job is added beside it; the claim lets only one of them act.
   */
  async ensureJob(delivery: JobDelivery, runAt: Date, opts: { evenIfActive?: boolean } = {}): Promise<void> {
    const queue = this.queue(delivery.platform as PlatformId);
    const jobId = publishJobId(delivery.id);
    const data: PublishJobData = delivery.account_id
      ? { deliveryId: delivery.id, accountId: delivery.account_id }
      : { deliveryId: delivery.id };
    const placed = await this.place(queue, jobId, data, runAt);
    // The delivery's job is running (about to end: it found it was not its turn): a hand-over must not be lost,
    // so its twin job takes it. If both are running, the sweep mends it.
    if (placed === 'active' && opts.evenIfActive) await this.place(queue, twinJobId(delivery.id), data, runAt);
  }

  /** Puts job `jobId` at `runAt` unless it is running; says which it did. */
  private async place(
    queue: Queue<PublishJobData>,
    jobId: string,
    data: PublishJobData,
    runAt: Date,
  ): Promise<'placed' | 'active'> {
    const delay = Math.max(0, runAt.getTime() - Date.now());
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'active') return 'active';
      if (state === 'delayed') {
        // It may have just been promoted to waiting by a worker; then fall through and replace it.
        const change = delay === 0 ? existing.promote() : existing.changeDelay(delay);
        const moved = await change.then(
          () => true,
          () => false,
        );
        if (moved) return 'placed';
      }
      if ((state === 'waiting' || state === 'prioritized' || state === 'waiting-children') && delay === 0) {
        return 'placed';
      }
      await existing.remove().catch(() => undefined);
    }
    await queue.add(PUBLISH_JOB, data, { jobId, delay });
    return 'placed';
  }

  /** ensureJob for many deliveries at once (the commands of all of them in flight together). */
  async ensureJobs(
    items: readonly { delivery: JobDelivery; runAt: Date }[],
    opts: { evenIfActive?: boolean } = {},
  ): Promise<void> {
    await settleAll(items.map((i) => this.ensureJob(i.delivery, i.runAt, opts)));
  }

  async removeJob(delivery: { id: string; platform: string }): Promise<void> {
    const queue = this.queue(delivery.platform as PlatformId);
    for (const id of [publishJobId(delivery.id), twinJobId(delivery.id)]) {
      const job = await queue.getJob(id);
      // A running job is left alone: its handler sees the new status and stops.
      if (job && (await job.getState()) !== 'active') await job.remove().catch(() => undefined);
    }
  }

  async removeJobs(deliveries: readonly { id: string; platform: string }[]): Promise<void> {
    await settleAll(deliveries.map((d) => this.removeJob(d)));
  }

  async hasJob(delivery: { id: string; platform: string }): Promise<boolean> {
    return (await this.missingJobs([delivery])).length === 0;
  }

  /**
   * The deliveries of `deliveries` that have no job (nor twin) waiting, delayed or running. The look-ups of a
   * whole page are in flight together.
   */
  async missingJobs<D extends { id: string; platform: string }>(deliveries: readonly D[]): Promise<D[]> {
    const gone = (state: string) => state === 'completed' || state === 'failed' || state === 'unknown';
    const states = await Promise.all(
      deliveries.map((d) => {
        const queue = this.queue(d.platform as PlatformId);
        return Promise.all([queue.getJobState(publishJobId(d.id)), queue.getJobState(twinJobId(d.id))]);
      }),
    );
    return deliveries.filter((_, i) => states[i].every(gone));
  }

  async counts(): Promise<QueueCounts[]> {
    return Promise.all(
      [...this.queues].map(async ([platform, q]) => ({ name: q.name, platform, ...(await jobCounts(q)) })),
    );
  }

  /** The webhooks queue's numbers, its commands in flight together. */
  async webhooksState(): Promise<WebhooksQueueState> {
    const q = this.webhooks;
    const [counts, workers, oldest] = await Promise.all([
      jobCounts(q),
      q.getWorkersCount(),
      this.backend.oldestWaiting(q),
    ]);
    return { name: q.name, ...counts, workers, oldestWaitingAddedAt: oldest ? new Date(oldest.timestamp) : null };
  }

  /** Workers and the oldest waiting job of every queue; the commands of all queues in flight together. */
  async live(): Promise<QueueLive[]> {
    return Promise.all(
      [...this.queues].map(async ([platform, q]) => {
        const [workers, oldest] = await Promise.all([q.getWorkersCount(), this.backend.oldestWaiting(q)]);
        const oldestWaiting = oldest
          ? { jobId: oldest.id, deliveryId: oldest.data.deliveryId, addedAt: new Date(oldest.timestamp) }
          : null;
        return { platform, workers, oldestWaiting };
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.queues.values(), this.webhooks].map((q) => q.close()));
  }
}

async function jobCounts(q: Queue): Promise<JobCounts> {
  const c = await q.getJobCounts(...COUNTED);
  // A paused queue's jobs: BullMQ 6 counts them as "waiting" on Redis, as "paused" on PostgreSQL. The API reports
  // them as paused on both.
  const waiting = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.paused ?? 0);
  const paused = await q.isPaused();
  return {
    waiting: paused ? 0 : waiting,
    delayed: c.delayed ?? 0,
    active: c.active ?? 0,
    completed: c.completed ?? 0,
    failed: c.failed ?? 0,
    paused: paused ? waiting : 0,
  };
}
