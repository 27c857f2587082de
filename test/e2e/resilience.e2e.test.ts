import { MastodonFake } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import { CrierProcess } from '../support/crier-process';
import {
  createArticle,
  createMastodonAccount,
  createTelegramAccount,
  E2EStack,
  inSeconds,
  waitForDelivery,
} from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

/** The sweep interval of the worker in the lost-jobs test: short, so the restoration shows within its wait. */
const SWEEP_SECONDS = 1;

describe('jobs survive crashes and lost Redis data', () => {
  let stack: E2EStack;
  let api: CrierProcess;
  let masto: MastodonFake;
  let tg: TelegramFake;

  beforeAll(async () => {
    stack = await E2EStack.create();
    [masto, tg] = await Promise.all([MastodonFake.start({ flavour: 'mastodon' }), TelegramFake.start()]);
    api = await stack.start('api');
  });

  afterAll(async () => {
    await stack?.close();
    await Promise.all([masto?.stop(), tg?.stop()]);
  });

  it('picks up a job whose worker was killed mid-publish, and posts it once', async () => {
    const worker1 = await stack.start('worker', { CRIER_HTTP_TIMEOUT_MS: '20000' });
    const accountId = await createMastodonAccount(api.api(), masto);
    const article = await createArticle(api.api());
    // The platform stores the status, then sits on the answer: the worker dies while waiting for it.
    masto.failNext('POST /api/v1/statuses', { delayMs: 60_000 });
    const post = await api
      .api()
      .post('/api/v1/posts')
      .send({ articleId: article.id, accountIds: [accountId] })
      .expect(201);
    const deliveryId = post.body.deliveries[0].id as string;

    await waitFor(() => masto.statuses.length === 1, { what: 'the first request to reach the platform' });
    await worker1.kill();
    const stuck = await waitForDelivery(api.api(), post.body.id, deliveryId, ['publishing']);
    expect(stuck.status).toBe('publishing');

    await stack.start('worker');
    const done = await waitForDelivery(api.api(), post.body.id, deliveryId, ['published'], 40_000);
    expect(masto.statuses).toHaveLength(1);
    expect(done.remoteId).toBe(masto.statuses[0].id);
    // Mastodon honours Idempotency-Key for an hour: the second worker re-sends with the same key, and the
    // platform answers with the status the first request created.
    const sends = masto.requestsTo('POST /api/v1/statuses');
    expect(sends).toHaveLength(2);
    expect(sends.map((r) => r.headers['idempotency-key'])).toEqual([deliveryId, deliveryId]);
    const log = await api.api().get(`/api/v1/deliveries/${deliveryId}`).expect(200);
    expect(log.body.attemptLog.map((a: { outcome: string }) => a.outcome)).toEqual(['interrupted', 'published']);
  });

  it('restores from Postgres the jobs Redis lost, and posts once', async () => {
    // From here on one worker runs, with a short sweep: the sweep alone can bring the job back. (Its first sweep
    // runs at start, before the post exists; with a long interval this test must fail.)
    await Promise.all(stack.processes.filter((p) => p.opts.role === 'worker').map((p) => p.stop()));
    await stack.start('worker', { CRIER_SWEEP_SECONDS: String(SWEEP_SECONDS) });
    const accountId = await createTelegramAccount(api.api(), tg, 'Telegram (lost jobs)');
    const text = 'a post whose job Redis lost';
    const post = await api
      .api()
      .post('/api/v1/posts')
      .send({ text, accountIds: [accountId], scheduledAt: inSeconds(4) })
      .expect(201);
    const deliveryId = post.body.deliveries[0].id as string;

    // The queue store loses every job of this instance (Redis restarted without persistence; on CRIER_QUEUE=postgres
    // the job rows gone) while the post waits for its time.
    expect(await stack.loseAllJobs()).toBeGreaterThan(0);

    const done = await waitForDelivery(api.api(), post.body.id, deliveryId, ['published'], 30_000);
    const sent = tg.messages.filter((m) => m.text === text);
    expect(sent).toHaveLength(1);
    expect(done.remoteId).toBe(String(sent[0].messageId));
  });

  it('exits 0 on SIGTERM', async () => {
    const extra = await stack.start('worker');
    expect(await extra.stop()).toBe(0);
  });
});
