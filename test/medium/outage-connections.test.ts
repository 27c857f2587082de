import { Queue } from 'bullmq';
import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import { Pool } from 'pg';
import { unavailableDependency } from '../../src/common/errors';
import { DatabaseHandle, openDatabase, pingDatabase } from '../../src/database/database';
import { createProducerRedis } from '../../src/queue/redis';
import { adminUrl, freshDatabase } from '../support/pg';
import { RedisServer } from '../support/redis-server';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait';

jest.setTimeout(60_000);

/** How long a call may take while its dependency is away: it must fail, not wait for the dependency to return. */
const PROMPT_MS = 3_500;

async function failure(p: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

describe('the database pool through a restart and an outage', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let proxy: TcpProxy;
  let handle: DatabaseHandle;
  let admin: Pool;
  const reported: Error[] = [];

  beforeAll(async () => {
    fresh = await freshDatabase();
    const target = new URL(fresh.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    handle = await openDatabase({
      databaseUrl: proxy.proxied(fresh.url),
      dataDir: '/nonexistent',
      applicationName: 'crier-medium',
      onConnectionError: (e) => reported.push(e),
    });
    admin = new Pool({ connectionString: adminUrl(), max: 1 });
  });

  afterAll(async () => {
    await proxy?.restore();
    await handle?.close();
    await Promise.all([proxy?.close(), admin?.end()]);
    await fresh?.drop();
  });

  it('survives terminated sessions (idle and lent) and keeps answering', async () => {
    // One client lent out inside a transaction when its session is terminated, and two idle in the pool.
    let terminate!: () => void;
    const lent = new Promise<void>((r) => (terminate = r));
    const inTransaction = handle.db.transaction().execute(async (tx) => {
      await sql`select 1`.execute(tx);
      terminate();
      await waitFor(() => reported.length >= 3, { timeoutMs: 5_000, what: 'three sessions reported lost' });
      await sql`select 1`.execute(tx);
    });
    await lent;
    await Promise.all([pingDatabase(handle.db), pingDatabase(handle.db)]);
    const killed = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [fresh.name],
    );
    expect(killed.rowCount).toBeGreaterThanOrEqual(3);
    const { error } = await failure(inTransaction);
    expect(unavailableDependency(error)).toBe('database');
    expect(reported.map((e) => e.message).join('\n')).toMatch(/terminating connection due to administrator command/);
    await waitFor(() => pingDatabase(handle.db).then(() => true), { timeoutMs: 5_000, what: 'a query to succeed' });
  });

  it('fails fast with a database-unavailable error while cut off, and recovers when it is back', async () => {
    await proxy.cut();
    const { error, ms } = await failure(pingDatabase(handle.db));
    expect(ms).toBeLessThan(PROMPT_MS);
    expect(unavailableDependency(error)).toBe('database');

    await proxy.restore();
    await waitFor(() => pingDatabase(handle.db).then(() => true), { timeoutMs: 5_000, what: 'a query to succeed' });
  });
});

describe('the producer Redis connection through a restart', () => {
  let server: RedisServer;
  let producer: Redis;
  let queue: Queue;

  beforeAll(async () => {
    server = await RedisServer.start();
    producer = createProducerRedis(server.url, 'crier-medium-producer');
    producer.on('error', () => undefined);
    queue = new Queue('outage-test', { connection: producer, prefix: 'm-outage' });
    queue.on('error', () => undefined);
    await queue.waitUntilReady();
  });

  afterAll(async () => {
    await queue?.close();
    await producer?.quit();
    await server?.stop();
  });

  it('fails fast while Redis is down and works again once it is back, empty', async () => {
    await queue.add('job', { n: 1 }, { jobId: 'one' });
    await server.kill();
    const adding = await failure(queue.add('job', { n: 2 }, { jobId: 'two' }));
    expect(adding.ms).toBeLessThan(2_000);
    expect(unavailableDependency(adding.error)).toBe('redis');
    const pinging = await failure(producer.ping());
    expect(pinging.ms).toBeLessThan(2_000);
    expect(unavailableDependency(pinging.error)).toBe('redis');

    await server.restart();
    await waitFor(() => producer.status === 'ready', { timeoutMs: 10_000, what: 'the producer to reconnect' });
    expect(await queue.getJob('one')).toBeUndefined(); // restarted empty
    await queue.add('job', { n: 3 }, { jobId: 'three' });
    expect((await queue.getJob('three'))?.data).toEqual({ n: 3 });
  });
});
