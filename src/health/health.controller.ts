import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DATABASE, Db, pingDatabase } from '../database/database';
import { QUEUE_BACKEND, QueueBackend } from '../queue/queue-backend';
import { MetricsService } from './metrics.service';

/** A check that does not answer within this is down: /health itself never hangs on a dependency. */
const CHECK_TIMEOUT_MS = 2000;

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out')), ms).unref())]);

const outcome = (p: Promise<unknown>) =>
  within(p, CHECK_TIMEOUT_MS).then(
    () => 'ok',
    (e: Error) => `error: ${e.message}`,
  );

/**
 * 200 `{status:"ok", role, queue, <store>:"ok", database:"ok"}` when both answer; otherwise 503 with the same
 * fields (`status:"error"`, the failing check as `"error: <reason>"`) and `unavailable`, the dependencies that are
 * down. `queue` names the queue backend (`redis` or `postgres`); the queue store's check is named after it
 * (`redis`, or `queueStore` on PostgreSQL, whose database is also checked as `database`).
 */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(QUEUE_BACKEND) private readonly queue: QueueBackend,
    @Inject(DATABASE) private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    const store = this.queue.kind === 'redis' ? 'redis' : 'queueStore';
    const [queue, database] = await Promise.all([outcome(this.queue.ping()), outcome(pingDatabase(this.db))]);
    const ok = queue === 'ok' && database === 'ok';
    const body = {
      status: ok ? 'ok' : 'error',
      role: this.config.role,
      queue: this.queue.kind,
      [store]: queue,
      database,
    };
    if (ok) {
      res.status(200).json(body);
      return;
    }
    const unavailable = [...(queue === 'ok' ? [] : [store]), ...(database === 'ok' ? [] : ['database'])];
    res.status(503).json({ ...body, unavailable });
  }

  @Get('metrics')
  async metricsText(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}
