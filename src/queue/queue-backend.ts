import { createPostgresBackend, Processor, Queue, QueueOptions, runMigrations, Worker, WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { Pool } from 'pg';
import { markUnavailable, unavailableDependency } from '../common/errors';
import type { AppConfig, QueueKind } from '../config/config';
import { type DatabaseHandle, reportPoolErrors } from '../database/database';
import { QUEUE_SCHEMA } from './job-catalogue';
import { migrateEmbeddedQueueStore, pglitePool, PgPoolLike } from './pglite-pool';
import { assertRedisReachable, createProducerRedis, createRedis, reportRedisConnection, whenRedisReady } from './redis';

export const QUEUE_BACKEND = Symbol('QUEUE_BACKEND');

type Log = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

/**
 * Where the queues live, and the only code that knows: Queue and Worker are made here, with the connection and
 * the backend factory of the store (Redis, or PostgreSQL through BullMQ's own backend). Everything else asks.
 */
export interface QueueBackend {
  readonly kind: QueueKind;
  queue<D>(name: string, opts: Omit<QueueOptions, 'connection'>): Queue<D>;
  worker<D>(name: string, processor: Processor<D>, opts: Omit<WorkerOptions, 'connection'>): Worker<D>;
  /** One round trip to the store on a connection that fails fast (/health). */
  ping(): Promise<void>;
  /** The job that has waited longest in the queue's waiting list, if any. */
  oldestWaiting<D>(queue: Queue<D>): Promise<{ id: string; data: D; timestamp: number } | undefined>;
  /** False while a connection to the store is known to be lost (shutdown then stops waiting for jobs sooner). */
  connected(): boolean;
  /** Cuts the connections so that commands stuck on them fail (shutdown, after the grace period). */
  disconnect(): void;
  /** Ends the connections once everything using them is closed. */
  close(): Promise<void>;
}

/**
 * Redis: workers block on their connection (it waits out a reconnect), producers use the fail-fast one (a request
 * never hangs on Redis). The API role runs no worker, so it may pass the same connection for both.
 */
export function redisQueueBackend(workers: Redis, producer: Redis = workers): QueueBackend {
  const connections = [...new Set([workers, producer])];
  return {
    kind: 'redis',
    queue: <D>(name: string, opts: Omit<QueueOptions, 'connection'>) =>
      new Queue<D>(name, { ...opts, connection: producer }),
    worker: <D>(name: string, processor: Processor<D>, opts: Omit<WorkerOptions, 'connection'>) =>
      new Worker<D>(name, processor, { ...opts, connection: workers }),
    async ping() {
      // Not connected: say so now rather than send a command that can only wait or fail.
      if (producer.status !== 'ready') throw new Error(`not connected (${producer.status})`);
      await producer.ping();
    },
    async oldestWaiting<D>(queue: Queue<D>) {
      // Ascending from 0: the first job pushed to the waiting list that is still there.
      const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
      return oldest?.id ? { id: oldest.id, data: oldest.data as D, timestamp: oldest.timestamp } : undefined;
    },
    connected: () => connections.every((c) => c.status === 'ready'),
    disconnect: () => connections.forEach((c) => c.disconnect()),
    close: async () => connections.forEach((c) => c.disconnect()),
  };
}

/**
 * PostgreSQL through BullMQ's backend, on ONE pool per process shared by every Queue and Worker (BullMQ would
 * otherwise build a pool per instance: 20 pools for Crier's 10 queues and 10 workers). Each worker checks its
 * LISTEN connection out of this pool for good, so the pool is sized for them plus the queries.
 */
export function postgresQueueBackend(pool: PgPoolLike, end: () => Promise<void>): QueueBackend {
  let lost = false;
  pool.on('error', () => (lost = true));
  const withPool = { connection: pool as never };
  return {
    kind: 'postgres',
    // BullMQ types a Queue by its backend; Crier uses only what both backends implement, so it sees one type.
    queue: <D>(name: string, opts: Omit<QueueOptions, 'connection'>) =>
      new Queue<D>(name, { ...opts, ...withPool }, createPostgresBackend as never) as unknown as Queue<D>,
    worker: <D>(name: string, processor: Processor<D>, opts: Omit<WorkerOptions, 'connection'>) =>
      new Worker<D>(name, processor, { ...opts, ...withPool }, createPostgresBackend as never) as unknown as Worker<D>,
    async ping() {
      await pool.query('SELECT 1');
      lost = false;
    },
    async oldestWaiting<D>(queue: Queue<D>) {
      // BullMQ's getJobs(['wait'], 0, 0, true) answers the newest waiting job on this backend: read it here.
      const { rows } = await pool.query(
        `SELECT id, data, added_at_ms FROM ${QUEUE_SCHEMA}.job WHERE queue = $1 AND state = 'waiting'
          ORDER BY seq LIMIT 1`,
        [queue.name],
      );
      const row = rows[0] as { id: string; data: D; added_at_ms: string | number } | undefined;
      return row ? { id: row.id, data: row.data, timestamp: Number(row.added_at_ms) } : undefined;
    },
    connected: () => !lost,
    disconnect: () => void end().catch(() => undefined),
    close: end,
  };
}

/** Connections a worker process holds besides its workers' LISTEN connections: jobs' queries, producers, /health. */
const QUERY_CONNECTIONS = 10;

/**
 * The pool of the PostgreSQL queue store: the same bounds as the database's own pool (connect and query timeouts,
 * keepalive), `search_path` pinned to the BullMQ schema, and an `error` listener so a lost idle connection is
 * reported rather than thrown.
 */
export function queuePool(url: string, workers: number, onError: (e: Error) => void): Pool {
  const pool = new Pool({
    connectionString: url,
    max: workers + QUERY_CONNECTIONS,
    options: `-c search_path=${QUEUE_SCHEMA}`,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: 10_000,
    query_timeout: 12_000,
  });
  // Every Queue and Worker listens on the pool it is given.
  pool.setMaxListeners(0);
  // Idle and lent clients alike: a worker's LISTEN connection is lent for good.
  reportPoolErrors(pool, onError);
  // A refused or reset connection is the database being away, as for Crier's own pool: a request answers 503.
  const asDatabase = (e: unknown) => Promise.reject(unavailableDependency(e) ? markUnavailable(e, 'database') : e);
  const query = pool.query.bind(pool) as (text: string, params?: unknown[]) => Promise<unknown>;
  const connect = pool.connect.bind(pool) as (cb?: unknown) => Promise<unknown> | undefined;
  Object.assign(pool, {
    query: (text: string, params?: unknown[]) => query(text, params).catch(asDatabase),
    // pg-pool's own query() connects with a callback: that form is left as it is.
    connect: (cb?: unknown) => (cb ? connect(cb) : connect()!.catch(asDatabase)),
  });
  return pool;
}

/** Creates or upgrades the BullMQ schema, on one session (its advisory lock and transaction share it). */
export async function migrateQueueStore(pool: PgPoolLike): Promise<void> {
  const client = await pool.connect();
  try {
    await runMigrations(client as never, QUEUE_SCHEMA);
  } finally {
    client.release();
  }
}

export interface OpenQueueBackendOptions {
  config: AppConfig;
  database: DatabaseHandle;
  /** Workers this process runs (each holds a LISTEN connection on PostgreSQL). */
  workers: number;
  log: Log;
}

/**
 * The store CRIER_QUEUE names, reachable and ready: Redis at REDIS_URL; PostgreSQL in schema `bullmq` of
 * DATABASE_URL's database; or, with no DATABASE_URL, of the embedded PGlite (through its lease, in process).
 * Throws a sentence an operator can act on when the store cannot be reached.
 */
export async function openQueueBackend({
  config,
  database,
  workers,
  log,
}: OpenQueueBackendOptions): Promise<QueueBackend> {
  if (config.queue === 'redis') {
    const url = config.redisUrl!;
    await assertRedisReachable(url);
    const producer = createProducerRedis(url, `crier-${config.role}-producer`);
    const blocking = config.role === 'api' ? producer : createRedis(url, `crier-${config.role}`);
    reportRedisConnection(producer, 'producer', log);
    if (blocking !== producer) reportRedisConnection(blocking, 'workers', log);
    // Without an offline queue, a command sent before the connection is ready fails: start serving once it is.
    await whenRedisReady(producer);
    return redisQueueBackend(blocking, producer);
  }
  if (database.embedded) {
    const { lite, lease } = database.embedded;
    await migrateEmbeddedQueueStore(lite, lease);
    const pool = pglitePool(lite, lease);
    return postgresQueueBackend(pool, async () => undefined);
  }
  if (!config.databaseUrl)
    throw new Error('CRIER_QUEUE=postgres needs the database (DATABASE_URL or the embedded one)');
  let last = '';
  const pool = queuePool(config.databaseUrl, workers, (e) => {
    if (e.message === last) return;
    last = e.message;
    log.warn({ connection: 'queue', err: e.message }, 'queue store connection lost; the pool reconnects');
  });
  try {
    await migrateQueueStore(pool);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`Cannot prepare the queue store in PostgreSQL (schema ${QUEUE_SCHEMA}): ${(e as Error).message}`);
  }
  return postgresQueueBackend(pool, () => pool.end());
}
