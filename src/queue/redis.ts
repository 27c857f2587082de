import IORedis, { Redis } from 'ioredis';

export const REDIS = Symbol('REDIS');

/** A connection as BullMQ wants it (no per-command retry limit, so blocking commands wait out a reconnect). */
export function createRedis(url: string, name: string): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
}

/** Fails with a clear sentence when Redis does not answer within `timeoutMs`. */
export async function assertRedisReachable(url: string, timeoutMs = 5000): Promise<void> {
  const probe = new IORedis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    const where = safeRedisLocation(url);
    throw new Error(
      `Cannot reach Redis at ${where} (${(e as Error).message}). Crier needs Redis for its queues: start it ` +
        `(for example 'redis-server --daemonize yes') or set REDIS_URL.`,
    );
  } finally {
    probe.disconnect();
  }
}

/** host:port of a Redis URL without any password. */
export function safeRedisLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}`;
  } catch {
    return 'the configured REDIS_URL';
  }
}
