import { Pool } from 'pg';
import { TelegramFake } from '../fakes/telegram.fake';
import { CrierOptions, CrierProcess, E2E_QUEUE } from '../support/crier-process';
import { createTelegramAccount, E2EStack, inSeconds, waitForDelivery } from '../support/e2e-stack';
import { adminUrl } from '../support/pg';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

/** A request still unanswered after this has hung: the test fails on it rather than wait for jest's timeout. */
const HUNG_MS = 10_000;
/** What "promptly" means for an answer while the database is away: a 503, not a hang until some proxy gives up. */
const PROMPT_MS = 3_500;

describe('PostgreSQL goes away and comes back: Crier stays up, says 503 meanwhile, and publishes once after', () => {
  let stack: E2EStack;
  let proxy: TcpProxy;
  let tg: TelegramFake;
  let admin: Pool;
  let api: CrierProcess;
  let worker: CrierProcess;
  let databaseName: string;

  /** Crier processes on the stack's fresh database, reached through the proxy. */
  async function startCrier(role: CrierOptions['role']): Promise<CrierProcess> {
    const p = await CrierProcess.start({ role, databaseUrl: proxy.proxied(stack.databaseUrl), ...stack.secrets });
    stack.processes.push(p);
    return p;
  }

  const alive = (p: CrierProcess) => p.child.exitCode === null && p.child.signalCode === null;
  const health = async (p: CrierProcess) => {
    const res = await fetch(`${p.url}/health`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    stack = await E2EStack.create();
    databaseName = new URL(stack.databaseUrl).pathname.slice(1);
    const target = new URL(stack.databaseUrl);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    // The stack's own direct pool loses its sessions too when we terminate them: that must not fail the test.
    stack.db.on('error', () => undefined);
    admin = new Pool({ connectionString: adminUrl(), max: 1 });
    tg = await TelegramFake.start();
    api = await startCrier('api');
    worker = await startCrier('worker');
  });

  afterAll(async () => {
    await proxy?.restore();
    await stack?.close();
    await Promise.all([tg?.stop(), proxy?.close(), admin?.end()]);
  });

  it('survives terminated sessions, answers 503 while the database is cut, and publishes once when it is back', async () => {
    const client = api.api();
    const accountId = await createTelegramAccount(client, tg);
    const text = `Scheduled before the database outage ${Date.now()}`;
    const created = await client
      .post('/api/v1/posts')
      .send({ text, accountIds: [accountId], scheduledAt: inSeconds(5) })
      .expect(201);
    const postId = created.body.id as string;
    const deliveryId = created.body.deliveries[0].id as string;

    // 1. Every session on the database is terminated (a restart, a failover, a pgbouncer recycle); the server stays.
    const terminated = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [databaseName],
    );
    expect(terminated.rowCount).toBeGreaterThan(0);
    await waitFor(
      async () => (await client.get(`/api/v1/posts/${postId}`)).status === 200 && (await health(worker)).status === 200,
      { timeoutMs: 10_000, what: 'the API and the worker to answer again after their sessions were terminated' },
    );
    expect(alive(api) && alive(worker)).toBe(true);

    // 2. The database is cut off: every connection ends, new ones are refused.
    await proxy.cut();
    for (const p of [api, worker]) {
      const down = await waitFor(
        async () => {
          const h = await health(p);
          return h.status === 503 ? h.body : null;
        },
        { timeoutMs: 8_000, what: `${p.opts.role} /health to answer 503` },
      );
      if (E2E_QUEUE === 'redis') {
        expect(down).toMatchObject({ status: 'error', unavailable: ['database'], redis: 'ok' });
      } else {
        // The queues are in the same database: their store is away with it.
        expect(down).toMatchObject({ status: 'error', unavailable: ['queueStore', 'database'], queue: 'postgres' });
        expect(String(down.queueStore)).toMatch(/^error: /);
      }
      expect(String(down.database)).toMatch(/^error: /);
    }
    const reads = Date.now();
    const read = await client.get(`/api/v1/posts/${postId}`).timeout(HUNG_MS);
    expect(Date.now() - reads).toBeLessThan(PROMPT_MS);
    expect(read.status).toBe(503);
    expect(read.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringMatching(/database/),
    });
    expect(read.headers['retry-after']).toBeDefined();
    const writes = Date.now();
    const write = await client
      .post('/api/v1/posts')
      .send({ text: 'written during the outage', accountIds: [accountId] })
      .timeout(HUNG_MS);
    expect(Date.now() - writes).toBeLessThan(PROMPT_MS);
    expect(write.status).toBe(503);
    expect(write.body.statusCode).toBe(503);
    // The post falls due while the database is away (it was scheduled 5 s ahead).
    await waitFor(() => Date.now() > new Date(created.body.scheduledAt).getTime() + 1000, {
      timeoutMs: 10_000,
      what: 'the post to fall due during the outage',
    });
    expect(alive(api) && alive(worker)).toBe(true);
    expect(tg.messages).toHaveLength(0);

    // 3. The database is back: health recovers within seconds and the post goes out, once.
    await proxy.restore();
    for (const p of [api, worker]) {
      await waitFor(async () => (await health(p)).status === 200, {
        timeoutMs: 10_000,
        what: `${p.opts.role} /health to answer 200 again`,
      });
    }
    await waitForDelivery(client, postId, deliveryId, ['published'], 40_000);
    expect(tg.messages.filter((m) => m.text === created.body.deliveries[0].text)).toHaveLength(1);
    expect(alive(api) && alive(worker)).toBe(true);
  });

  it('exits 0 on SIGTERM after the outage', async () => {
    for (const p of [worker, api]) {
      const started = Date.now();
      expect(await p.stop()).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });
});
