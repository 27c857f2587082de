import { TelegramFake } from '../fakes/telegram.fake';
import { CrierProcess, E2E_QUEUE } from '../support/crier-process';
import { createTelegramAccount, E2EStack, inSeconds, waitForDelivery } from '../support/e2e-stack';
import { RedisServer } from '../support/redis-server';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

/** An API write while Redis is down answers within this: 503, or 201 with the job restored later by the sweep. */
const PROMPT_MS = 2_500;
/** A request still unanswered after this has hung: the test fails on it rather than wait for jest's timeout. */
const HUNG_MS = 10_000;
/** API.md: SIGTERM → exit 0 within 10 s. */
const EXIT_MS = 10_000;

// Redis only: on CRIER_QUEUE=postgres the queues are in the database, whose outage outage-postgres.e2e covers.
const describeOnRedis = E2E_QUEUE === 'redis' ? describe : describe.skip;

describe(`Redis outage (runs on CRIER_QUEUE=redis only; this run: ${E2E_QUEUE})`, () => {
  if (E2E_QUEUE !== 'redis')
    it.skip('skipped: the queues are in PostgreSQL on this run, and Redis is not used', () => undefined);
});

describeOnRedis(
  'Redis is lost and restarts empty: writes never hang, posts go out once, processes stop cleanly',
  () => {
    let stack: E2EStack;
    let redis: RedisServer;
    let tg: TelegramFake;
    let api: CrierProcess;
    let worker: CrierProcess;

    /** Crier on the private Redis; a 1 s sweep, so jobs Redis lost come back quickly. */
    const startCrier = (role: 'api' | 'worker' | 'all') =>
      stack.start(role, { REDIS_URL: redis.url, CRIER_SWEEP_SECONDS: '1' });

    const alive = (p: CrierProcess) => p.child.exitCode === null && p.child.signalCode === null;
    const health = async (p: CrierProcess) => {
      const res = await fetch(`${p.url}/health`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    /** SIGTERM, and the exit code if the process exited within {@link EXIT_MS} (else a timeout error). */
    async function stopWithin(p: CrierProcess): Promise<number | null> {
      const started = Date.now();
      const code = await p.stop();
      expect(Date.now() - started).toBeLessThan(EXIT_MS);
      return code;
    }

    beforeAll(async () => {
      [redis, tg] = await Promise.all([RedisServer.start(), TelegramFake.start()]);
      stack = await E2EStack.create();
      api = await startCrier('api');
      worker = await startCrier('worker');
    });

    afterAll(async () => {
      await redis?.restart();
      await stack?.close();
      await Promise.all([tg?.stop(), redis?.stop()]);
    });

    it('answers promptly while Redis is down, says so in /health, and publishes every post once when it is back', async () => {
      const client = api.api();
      const accountId = await createTelegramAccount(client, tg);
      const before = await client
        .post('/api/v1/posts')
        .send({ text: `Scheduled before Redis died ${Date.now()}`, accountIds: [accountId], scheduledAt: inSeconds(4) })
        .expect(201);
      // A second worker, to be stopped while Redis is down.
      const extraWorker = await startCrier('worker');

      await redis.kill();
      for (const p of [api, worker]) {
        const down = await waitFor(
          async () => {
            const h = await health(p);
            return h.status === 503 ? h.body : null;
          },
          { timeoutMs: 8_000, what: `${p.opts.role} /health to answer 503` },
        );
        expect(down).toMatchObject({ status: 'error', unavailable: ['redis'], database: 'ok' });
      }

      const posted = Date.now();
      const during = await client
        .post('/api/v1/posts')
        .send({ text: `Written while Redis was down ${Date.now()}`, accountIds: [accountId] })
        .timeout(HUNG_MS);
      expect(Date.now() - posted).toBeLessThan(PROMPT_MS);
      expect([201, 503]).toContain(during.status);
      if (during.status === 503) {
        expect(during.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
      }
      const read = Date.now();
      expect((await client.get(`/api/v1/posts/${before.body.id}`).timeout(HUNG_MS)).status).toBe(200);
      expect(Date.now() - read).toBeLessThan(PROMPT_MS);

      // SIGTERM while Redis is down: still a clean exit within the deadline.
      expect(await stopWithin(extraWorker)).toBe(0);
      expect(alive(api) && alive(worker)).toBe(true);

      // Redis comes back with nothing in it: the sweep restores every job from PostgreSQL.
      await redis.restart();
      for (const p of [api, worker]) {
        await waitFor(async () => (await health(p)).status === 200, {
          timeoutMs: 10_000,
          what: `${p.opts.role} /health to answer 200 again`,
        });
      }
      const expected = [before.body, ...(during.status === 201 ? [during.body] : [])];
      for (const post of expected) {
        await waitForDelivery(client, post.id, post.deliveries[0].id, ['published'], 40_000);
      }
      for (const post of expected) {
        expect(tg.messages.filter((m) => m.text === post.deliveries[0].text)).toHaveLength(1);
      }
      expect(alive(api) && alive(worker)).toBe(true);
    });

    it('exits 0 within 10 s of SIGTERM after Redis came back', async () => {
      expect(await stopWithin(worker)).toBe(0);
      expect(await stopWithin(api)).toBe(0);
    });

    it('in the all-in-one role (API and workers in one process) too: prompt answers, and a clean exit', async () => {
      const all = await startCrier('all');
      const accountId = await createTelegramAccount(all.api(), tg, 'Telegram (all-in-one)');
      await redis.kill();
      await waitFor(async () => (await health(all)).status === 503, {
        timeoutMs: 8_000,
        what: '/health to answer 503',
      });
      const posted = Date.now();
      const during = await all
        .api()
        .post('/api/v1/posts')
        .send({ text: `Written to the all-in-one role while Redis was down ${Date.now()}`, accountIds: [accountId] })
        .timeout(HUNG_MS);
      expect(Date.now() - posted).toBeLessThan(PROMPT_MS);
      expect([201, 503]).toContain(during.status);

      await redis.restart();
      await waitFor(async () => (await health(all)).status === 200, { timeoutMs: 10_000, what: '/health 200 again' });
      if (during.status === 201) {
        const delivery = during.body.deliveries[0];
        await waitForDelivery(all.api(), during.body.id, delivery.id, ['published'], 40_000);
        expect(tg.messages.filter((m) => m.text === delivery.text)).toHaveLength(1);
      }
      expect(await stopWithin(all)).toBe(0);
    });
  },
);
