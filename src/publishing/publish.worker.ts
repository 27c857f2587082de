import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ADAPTERS } from '../platforms/platform.registry';
import { PUBLISH_JOB, PublishJobData, queueName } from '../queue/job-catalogue';
import { QUEUE_BACKEND, QueueBackend } from '../queue/queue-backend';
import { DeliveryStateService } from '../posts/delivery-state.service';
import { PublishService } from './publish.service';

/** Inside main's budget for closing the app (it then cuts the connections): in-flight jobs get this long. */
const SHUTDOWN_GRACE_MS = 6000;
/** Backoff for a job whose handler met an infrastructure fault (database away): 1 s, 2 s, 4 s … 30 s. */
const INFRA_BACKOFF_MAX_MS = 30_000;

/**
 * One BullMQ worker per platform queue, with no queue-wide limiter: rate budgets are per account, token, chat or
 * app, and are spent when a delivery is claimed (docs/ARCHITECTURE.md). A job's outcome mirrors its delivery's:
 * completed when published (or nothing was left to do), failed with the reason when the delivery failed, was held
 * or is unconfirmed, and delayed (the same job, same id) when the delivery waits for a retry or a budget.
 */
@Injectable()
export class PublishWorkers implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(PublishWorkers.name);
  private workers: Worker<PublishJobData>[] = [];

  constructor(
    private readonly publish: PublishService,
    private readonly states: DeliveryStateService,
    @Inject(QUEUE_BACKEND) private readonly backend: QueueBackend,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.workers = ADAPTERS.map((adapter) => {
      const worker = this.backend.worker<PublishJobData>(
        queueName(adapter.id),
        (job, token) => this.process(job, token),
        {
          prefix: this.config.queuePrefix,
          concurrency: this.config.workerConcurrency,
          lockDuration: this.config.jobLockMs,
          stalledInterval: this.config.jobLockMs,
          // A stalled job is a crashed worker; the handler settles the delivery, so let it come back many times.
          maxStalledCount: 100,
          settings: {
            backoffStrategy: (attemptsMade: number) =>
              Math.min(INFRA_BACKOFF_MAX_MS, 1000 * 2 ** Math.max(0, attemptsMade - 1)),
          },
        },
      );
      worker.on('error', (e) => this.log.error(`worker ${adapter.id}: ${e.message}`));
      worker.on('failed', (job, e) => {
        if (job && !(e instanceof UnrecoverableError) && e.name !== 'UnrecoverableError') {
          this.log.warn(`job ${job.id} met a fault and will run again: ${e.message}`);
        }
      });
      return worker;
    });
    this.log.log(`publishing workers started for ${ADAPTERS.map((a) => a.id).join(', ')}`);
    void this.states
      .warmUp(this.config.dbPoolSize)
      .catch((e: Error) => this.log.warn(`warming up the database sessions failed: ${e.message}`));
  }

  private async process(job: Job<PublishJobData>, token?: string): Promise<string> {
    if (job.name !== PUBLISH_JOB) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const outcome = await this.publish.run(job.data.deliveryId, job.data.accountId);
    switch (outcome.kind) {
      case 'done':
        return outcome.note;
      case 'failed':
        throw new UnrecoverableError(outcome.reason);
      case 'later':
        await job.moveToDelayed(outcome.runAt.getTime(), token);
        throw new DelayedError(outcome.note);
    }
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
