import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { PlatformId } from '../platforms/platform';
import { ADAPTERS } from '../platforms/platform.registry';
import { PUBLISH_JOB, PublishJobData, publishJobId, queueName } from './job-catalogue';
import { REDIS } from './redis';

export interface QueueCounts {
  name: string;
  platform: PlatformId;
  waiting: number;
  delayed: number;
  active: number;
  completed: number;
  failed: number;
  paused: number;
}

/** Producer side: one BullMQ queue per platform, and the only place that adds, moves or removes jobs. */
@Injectable()
export class QueueService implements OnModuleDestroy {
  readonly queues: ReadonlyMap<PlatformId, Queue<PublishJobData>>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(REDIS) connection: Redis) {
    this.queues = new Map(
      ADAPTERS.map(({ id: p }) => [
        p,
        new Queue<PublishJobData>(queueName(p), {
          connection,
          prefix: config.queuePrefix,
          // Finished jobs are history only (PostgreSQL has the record): keep the last ones for the dashboard.
          defaultJobOptions: { removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
        }),
      ]),
    );
  }

  queue(platform: PlatformId): Queue<PublishJobData> {
    const q = this.queues.get(platform);
    if (!q) throw new Error(`No queue for platform ${platform}`);
    return q;
  }

  /**
   * Makes sure the delivery has exactly one job that runs at `runAt`. A finished job left under the same id is
   * removed first (BullMQ ignores an add whose id exists); a waiting or delayed one is moved; an active one is
   * left alone (its handler re-reads the row).
   */
  async ensureJob(
    delivery: { id: string; platform: string },
    runAt: Date,
    opts: { front?: boolean } = {},
  ): Promise<void> {
    const queue = this.queue(delivery.platform as PlatformId);
    const jobId = publishJobId(delivery.id);
    const delay = Math.max(0, runAt.getTime() - Date.now());
    // `front`: a job that is due now goes to the head of the queue (LIFO), past jobs that only wait their turn.
    const front = opts.front === true && delay === 0;
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'active') return;
      if (state === 'delayed' && !front) {
        // It may have just been promoted to waiting by a worker; then fall through and replace it.
        const change = delay === 0 ? existing.promote() : existing.changeDelay(delay);
        const moved = await change.then(
          () => true,
          () => false,
        );
        if (moved) return;
      }
      if (state === 'waiting' || state === 'prioritized' || state === 'waiting-children') {
        if (delay === 0 && !front) return;
      }
      await existing.remove().catch(() => undefined);
    }
    await queue.add(PUBLISH_JOB, { deliveryId: delivery.id }, { jobId, delay, lifo: front });
  }

  async removeJob(delivery: { id: string; platform: string }): Promise<void> {
    const job = await this.queue(delivery.platform as PlatformId).getJob(publishJobId(delivery.id));
    if (!job) return;
    if ((await job.getState()) === 'active') return; // its handler sees the new status and stops
    await job.remove().catch(() => undefined);
  }

  async hasJob(delivery: { id: string; platform: string }): Promise<boolean> {
    const job = await this.queue(delivery.platform as PlatformId).getJob(publishJobId(delivery.id));
    if (!job) return false;
    const state = await job.getState();
    return state !== 'completed' && state !== 'failed' && state !== 'unknown';
  }

  async counts(): Promise<QueueCounts[]> {
    return Promise.all(
      [...this.queues].map(async ([platform, q]) => {
        const c = await q.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');
        // BullMQ 6 keeps a paused queue's jobs in "waiting"; the API reports them as paused instead.
        const waiting = (c.waiting ?? 0) + (c.prioritized ?? 0);
        const paused = await q.isPaused();
        return {
          name: q.name,
          platform,
          waiting: paused ? 0 : waiting,
          delayed: c.delayed ?? 0,
          active: c.active ?? 0,
          completed: c.completed ?? 0,
          failed: c.failed ?? 0,
          paused: paused ? waiting : 0,
        };
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
