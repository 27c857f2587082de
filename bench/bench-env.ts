import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { Pool } from 'pg';
import { testSecrets } from '../test/support/crier-process';
import { adminUrl, urlFor } from '../test/support/pg';

export const redisUrl = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The queue backend Crier runs on in a benchmark: CRIER_QUEUE as given (the Crier processes get it through
 * test/support/crier-process.ts, with REDIS_URL on redis); on postgres each scenario's database holds the queues.
 */
export const queueBackend = (): 'redis' | 'postgres' => (process.env.CRIER_QUEUE === 'postgres' ? 'postgres' : 'redis');

/**
 * Deletes every key under `prefix:` with SCAN (never KEYS: the Redis is shared, and KEYS blocks it for everyone);
 * returns how many were deleted.
 */
export async function deleteRedisPrefix(redis: IORedis, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
    const batch = keys as string[];
    if (batch.length) deleted += await redis.unlink(...batch);
  }
  return deleted;
}

/** A throwaway database and queue prefix for one benchmark run, and their removal (safe to call twice). */
export async function benchEnvironment() {
  const dbName = `crier_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl(), max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${dbName}`);
  } catch (e) {
    await admin.end();
    throw e;
  }
  const secrets = testSecrets();
  let cleaned: Promise<void> | undefined;
  return {
    dbName,
    databaseUrl: urlFor(dbName),
    secrets,
    cleanup(): Promise<void> {
      cleaned ??= (async () => {
        const redis = new IORedis(redisUrl());
        try {
          await deleteRedisPrefix(redis, secrets.queuePrefix);
        } finally {
          redis.disconnect();
          await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).finally(() => admin.end());
        }
      })();
      return cleaned;
    },
  };
}

/** User + system CPU seconds of these processes so far (/proc; Linux only, 0 elsewhere). */
export function cpuSecondsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone, or not Linux.
    }
  }
  return ticks / 100; // USER_HZ
}
