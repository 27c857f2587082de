import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PostsRepository } from '../posts/posts.repository';
import { QueueService } from '../queue/queue.service';
import { REDIS } from '../queue/redis';

const PAGE = 500;

/**
 * Postgres is the source of truth: every runnable delivery must have its job. Periodically (one worker at a
 * time, under a Redis lock) this restores any job that is missing, e.g. after Redis lost its data, and re-queues
 * deliveries a crashed worker left `publishing` without a job.
 */
@Injectable()
export class SweepService implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(SweepService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly posts: PostsRepository,
    private readonly queues: QueueService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const tick = () => {
      this.running = this.sweepOnce().catch((e: Error) => {
        this.log.warn(`sweep failed: ${e.message}`);
        return 0;
      });
    };
    this.timer = setInterval(tick, this.config.sweepSeconds * 1000);
    tick();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Returns how many jobs were restored. */
  async sweepOnce(): Promise<number> {
    const lockKey = `${this.config.queuePrefix}:lock:sweep`;
    const got = await this.redis.set(
      lockKey,
      String(process.pid),
      'PX',
      Math.max(2000, this.config.sweepSeconds * 900),
      'NX',
    );
    if (got !== 'OK') return 0;
    // A `publishing` row older than this has lost its worker (the job lock and the account lock both expired).
    const staleBefore = Date.now() - (this.config.jobLockMs * 2 + this.config.httpTimeoutMs * 4);
    let restored = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.posts.runnable(PAGE, after);
      for (const d of page) {
        if (d.status === 'publishing' && new Date(d.updated_at).getTime() > staleBefore) continue;
        if (await this.queues.hasJob(d)) continue;
        const runAt = d.status === 'publishing' ? new Date() : new Date(d.next_attempt_at);
        await this.queues.ensureJob(d, runAt);
        restored++;
        this.log.warn(`restored the missing job of delivery ${d.id} (${d.platform}, ${d.status})`);
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1].id;
    }
    return restored;
  }
}
