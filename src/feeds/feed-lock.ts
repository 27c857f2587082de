import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface HeldFeedLock {
  release(): Promise<void>;
}

/**
 * One poller per feed across every worker process, like the account lock (publishing/account-lock.ts): SET NX
 * with a token, renewed while held, released only by its holder; a dead holder's lock expires within one TTL.
 * The unique keys of feed_items make a double take impossible anyway; the lock saves the double fetch.
 */
export async function acquireFeedLock(
  redis: Redis,
  prefix: string,
  feedId: string,
  ttlMs: number,
): Promise<HeldFeedLock | null> {
  const key = `${prefix}:lock:feed:${feedId}`;
  const token = randomUUID();
  if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return null;
  const renew = setInterval(
    () => {
      redis.eval(EXTEND, 1, key, token, String(ttlMs)).catch(() => undefined);
    },
    Math.max(200, Math.floor(ttlMs / 3)),
  );
  renew.unref();
  return {
    release: async () => {
      clearInterval(renew);
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
