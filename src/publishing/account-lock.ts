import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../queue/redis';

export interface HeldLock {
  release(): Promise<void>;
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One publish at a time per account, across every worker process (BullMQ OSS has no per-group concurrency).
 * The lock outlives the longest platform call, so a worker that dies holding it delays the account, never
 * lets two publishes overlap.
 */
@Injectable()
export class AccountLock {
  private readonly ttlMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.ttlMs = Math.max(config.jobLockMs, config.httpTimeoutMs * 4 + 10_000);
  }

  async acquire(accountId: string): Promise<HeldLock | null> {
    const key = `${this.config.queuePrefix}:lock:account:${accountId}`;
    const token = randomUUID();
    const ok = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
    if (ok !== 'OK') return null;
    return { release: async () => void (await this.redis.eval(RELEASE, 1, key, token)) };
  }
}
