import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DATABASE, Db, pingDatabase } from '../database/database';
import { PRODUCER_REDIS, REDIS } from '../queue/redis';
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
 * 200 `{status:"ok", role, redis:"ok", database:"ok"}` when both answer; otherwise 503 with the same fields
 * (`status:"error"`, the failing check as `"error: <reason>"`) and `unavailable`, the dependencies that are down.
 */
@ApiExcludeController()
@Controller()
export class HealthController {
  private readonly redis: Redis;

  constructor(
    @Inject(REDIS) blocking: Redis,
    @Inject(DATABASE) private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    // The fail-fast connection when the module provides one: a ping on the blocking connection would wait in its
    // offline queue while Redis is down (bounded by the timeout above, but piling up one command per probe).
    @Optional() @Inject(PRODUCER_REDIS) producer?: Redis,
  ) {
    this.redis = producer ?? blocking;
  }

  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    const [redis, database] = await Promise.all([outcome(this.pingRedis()), outcome(pingDatabase(this.db))]);
    const ok = redis === 'ok' && database === 'ok';
    const body = { status: ok ? 'ok' : 'error', role: this.config.role, redis, database };
    if (ok) {
      res.status(200).json(body);
      return;
    }
    const unavailable = [...(redis === 'ok' ? [] : ['redis']), ...(database === 'ok' ? [] : ['database'])];
    res.status(503).json({ ...body, unavailable });
  }

  @Get('metrics')
  async metricsText(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }

  private async pingRedis(): Promise<void> {
    // Not connected: say so now rather than send a command that can only wait or fail.
    if (this.redis.status !== 'ready') throw new Error(`not connected (${this.redis.status})`);
    await this.redis.ping();
  }
}
