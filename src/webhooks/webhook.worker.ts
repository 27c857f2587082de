import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { WEBHOOK_JOB, WEBHOOK_QUEUE, WebhookJobData } from '../queue/job-catalogue';
import { QUEUE_BACKEND, QueueBackend } from '../queue/queue-backend';
import { MAX_SENDS, retryDelayMs } from './webhook-retry';
import { WebhookSenderService } from './webhook-sender.service';
import { WebhooksRepository } from './webhooks.repository';

/** How often the dispatcher looks for new outbox messages and post checks. */
const DISPATCH_MS = 500;
const BATCH = 200;
const SHUTDOWN_GRACE_MS = 6000;
/** Every this many passes (about a minute), pending messages whose job Redis lost get it back. */
const MEND_EVERY = 120;

/**
 * The worker side of webhooks: a dispatcher that turns committed outbox rows into jobs (and post checks into post
 * events), and the BullMQ worker of the `webhooks` queue that sends them. A job's id is its message id, so a message
 * enqueued twice (two worker processes, a crash between the add and the mark) is one job; the handler re-reads the
 * message and does nothing once it is no longer pending.
 */
@Injectable()
export class WebhookWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(WebhookWorker.name);
  private worker?: Worker<WebhookJobData>;
  private queue?: Queue<WebhookJobData>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private passes = 0;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: WebhooksRepository,
    private readonly sender: WebhookSenderService,
    @Inject(QUEUE_BACKEND) private readonly backend: QueueBackend,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const base = this.config.webhooksRetryBaseMs;
    this.queue = this.backend.queue<WebhookJobData>(WEBHOOK_QUEUE, {
      prefix: this.config.queuePrefix,
      defaultJobOptions: {
        attempts: MAX_SENDS,
        backoff: { type: 'webhook' },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 5000 },
      },
    });
    this.queue.on('error', (e: Error) => this.log.warn(`queue ${WEBHOOK_QUEUE}: ${e.message}`));
    this.worker = this.backend.worker<WebhookJobData>(WEBHOOK_QUEUE, (job) => this.process(job), {
      prefix: this.config.queuePrefix,
      concurrency: 8,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, base) ?? base },
    });
    this.worker.on('error', (e) => this.log.error(`worker ${WEBHOOK_QUEUE}: ${e.message}`));
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.dispatch().finally(() => this.schedule());
    }, DISPATCH_MS);
  }

  /** One pass: post checks into post events, then every message without a job gets one. */
  async dispatch(): Promise<void> {
    try {
      while ((await this.repo.runPostChecks(BATCH, new Date())) === BATCH && !this.stopped);
      for (;;) {
        const ids = await this.repo.unqueued(BATCH);
        if (ids.length === 0 || !this.queue) break;
        await this.queue.addBulk(
          ids.map((messageId) => ({ name: WEBHOOK_JOB, data: { messageId }, opts: { jobId: messageId } })),
        );
        await this.repo.markEnqueued(ids);
        if (ids.length < BATCH || this.stopped) break;
      }
      if (++this.passes % MEND_EVERY === 0) await this.mend();
    } catch (e) {
      // Nothing is lost: the rows stay unqueued and the next pass takes them.
      this.log.warn(`webhook dispatch failed (${(e as Error).message}); will try again`);
    }
  }

  /**
   * Redis lost jobs (a restart without persistence): a pending message whose job is gone gets it again, with its
   * send count starting over (the attempts recorded so far stay in the database).
   */
  async mend(): Promise<number> {
    if (!this.queue) return 0;
    const queue = this.queue;
    const ids = await this.repo.pendingEnqueued(BATCH);
    const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
    const lost = ids.filter((_, i) => states[i] === 'unknown');
    if (lost.length > 0) {
      await queue.addBulk(
        lost.map((messageId) => ({ name: WEBHOOK_JOB, data: { messageId }, opts: { jobId: messageId } })),
      );
      this.log.warn(`${lost.length} webhook message(s) had lost their job; queued again`);
    }
    return lost.length;
  }

  private async process(job: Job<WebhookJobData>): Promise<string> {
    if (job.name !== WEBHOOK_JOB) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const r = await this.sender.send(job.data.messageId, job.attemptsMade + 1);
    switch (r.kind) {
      case 'done':
        return r.note;
      case 'retry':
        throw new Error(r.error);
      case 'failed':
        throw new UnrecoverableError(r.error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (this.worker) {
      const graceful = this.worker.close();
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), SHUTDOWN_GRACE_MS).unref());
      if ((await Promise.race([graceful, timeout])) === 'timeout') await this.worker.close(true);
    }
    await this.queue?.close();
  }
}
