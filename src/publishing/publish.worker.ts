import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ADAPTERS } from '../platforms/platform.registry';
import { PUBLISH_JOB, PublishJobData, queueName } from '../queue/job-catalogue';
import { REDIS } from '../queue/redis';
import { PublishService } from './publish.service';

const SHUTDOWN_GRACE_MS = 8000;

/**
 * One BullMQ worker per platform queue, limited by the platform's declared rate. Retries and waits are not BullMQ
 * retries: the handler decides from the delivery row and moves the same job (same id) to the delayed set.
 */
@Injectable()
export class PublishWorkers implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(PublishWorkers.name);
  private workers: Worker<PublishJobData>[] = [];

  constructor(
    private readonly publish: PublishService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.workers = ADAPTERS.map((adapter) => {
      const worker = new Worker<PublishJobData>(queueName(adapter.id), (job, token) => this.process(job, token), {
        connection: this.redis,
        prefix: this.config.queuePrefix,
        concurrency: this.config.workerConcurrency,
        limiter: { max: adapter.rateLimit.max, duration: adapter.rateLimit.durationMs },
        lockDuration: this.config.jobLockMs,
        stalledInterval: this.config.jobLockMs,
        // A stalled job is a crashed worker; the handler settles the delivery, so let it come back many times.
        maxStalledCount: 100,
      });
      worker.on('error', (e) => this.log.error(`worker ${adapter.id}: ${e.message}`));
      return worker;
    });
    this.log.log(`publishing workers started for ${ADAPTERS.map((a) => a.id).join(', ')}`);
  }

  private async process(job: Job<PublishJobData>, token?: string): Promise<string> {
    if (job.name !== PUBLISH_JOB) throw new Error(`no handler for job ${job.name}`);
    const outcome = await this.publish.run(job.data.deliveryId);
    if (outcome.done) return outcome.note;
    await job.moveToDelayed(outcome.runAt.getTime(), token);
    // Woken while it was parking: it is next, so it runs now instead of at the end of its park time.
    if (outcome.parked && (await this.publish.consumeWake(job.data.deliveryId))) await job.promote();
    throw new DelayedError(outcome.note);
  }

  /** SIGTERM: stop taking jobs, let in-flight ones finish; past the grace period, release them (they stall and rerun). */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        const graceful = w.close();
        const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), SHUTDOWN_GRACE_MS).unref());
        if ((await Promise.race([graceful, timeout])) === 'timeout') await w.close(true);
      }),
    );
  }
}
