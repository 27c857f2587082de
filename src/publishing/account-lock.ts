import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../queue/redis';

export interface HeldLock {
  release(): Promise<void>;
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * One publish at a time per account, across every worker process (BullMQ OSS has no per-group concurrency).
 * The holder renews the lock while it works, like BullMQ renews its job locks, so a live worker keeps it through
 * a slow platform call and a dead one loses it within one TTL.
 */
@Injectable()
export class AccountLock {
  private readonly ttlMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.ttlMs = config.jobLockMs;
  }

  async acquire(accountId: string): Promise<HeldLock | null> {
    const key = `${this.config.queuePrefix}:lock:account:${accountId}`;
    const token = randomUUID();
    const ok = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
    if (ok !== 'OK') return null;
    const renew = setInterval(
      () => {
        this.redis.eval(EXTEND, 1, key, token, String(this.ttlMs)).catch(() => undefined);
      },
      Math.max(200, Math.floor(this.ttlMs / 3)),
    );
    renew.unref();
    return {
      release: async () => {
        clearInterval(renew);
        await this.redis.eval(RELEASE, 1, key, token);
      },
    };
  }
}
