import IORedis, { Redis } from 'ioredis';

export const REDIS = Symbol('REDIS');
/** The fail-fast connection of {@link createProducerRedis}: for adding, moving and reading jobs, and /health. */
export const PRODUCER_REDIS = Symbol('PRODUCER_REDIS');

/** How long a producer command may take, queueing included, before it fails (an API request then answers 503). */
export const PRODUCER_COMMAND_TIMEOUT_MS = 1_500;

/** Reconnect quickly after an outage (ioredis' default backoff, capped at one second). */
const retryStrategy = (times: number) => Math.min(times * 100, 1_000);

/**
 * A connection as BullMQ's workers want it: no per-command retry limit and an offline queue, so blocking commands
 * wait out a reconnect. Never hand it to code that answers a request: while Redis is down its commands wait forever.
 */
export function createRedis(url: string, name: string): Redis {
  return new IORedis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    lazyConnect: false,
    connectTimeout: 5_000,
    keepAlive: 10_000,
    retryStrategy,
  });
}

/**
 * A connection for the producer side (the API adding jobs, the sweep restoring them, /health): while Redis is down
 * or restarting a command fails at once (no offline queue) or within {@link PRODUCER_COMMAND_TIMEOUT_MS}, instead
 * of queueing until Redis comes back, so a request never hangs on it. BullMQ's Queue accepts such a connection
 * (only its Worker's blocking connection needs `maxRetriesPerRequest: null`; see BullMQ's going-to-production).
 */
export function createProducerRedis(url: string, name: string): Redis {
  return new IORedis(url, {
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
    keepAlive: 10_000,
    retryStrategy,
  });
}

/** Resolves once the connection is ready (a fail-fast connection refuses commands until then). */
export async function whenRedisReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis connection not ready after ${timeoutMs} ms (${redis.status})`));
    }, timeoutMs);
    redis.once('ready', onReady);
  });
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

/**
 * Logs a connection's trouble once per outage and its recovery once, instead of every reconnect attempt's error.
 * Also the `error` listener ioredis needs so that a lost connection is never an uncaught exception.
 */
export function reportRedisConnection(
  redis: Redis,
  name: string,
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void },
): void {
  let down = false;
  redis.on('error', (e: Error) => {
    if (down) return;
    down = true;
    log.warn({ connection: name, err: e.message }, 'redis connection lost; reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info({ connection: name }, 'redis connection restored');
  });
}
