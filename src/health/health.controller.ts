import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DATABASE, Db, pingDatabase } from '../database/database';
import { REDIS } from '../queue/redis';
import { MetricsService } from './metrics.service';

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out')), ms).unref())]);

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(DATABASE) private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    const [redis, database] = await Promise.all([
      within(this.redis.ping(), 2000).then(
        () => 'ok',
        (e: Error) => `error: ${e.message}`,
      ),
      within(pingDatabase(this.db), 2000).then(
        () => 'ok',
        (e: Error) => `error: ${e.message}`,
      ),
    ]);
    const ok = redis === 'ok' && database === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'error', role: this.config.role, redis, database });
  }

  @Get('metrics')
  async metricsText(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}
