import { telegramError, TelegramFake } from '../fakes/telegram.fake';
import { CrierProcess } from '../support/crier-process';
import { createTelegramAccount, E2EStack, publishText, waitForDelivery } from '../support/e2e-stack';
import { FeedServer } from '../support/feed-server';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

/** The fields GET /queues and the feed routes add for the dashboard, against the built Crier and real stores. */
describe('GET /queues and the feed routes tell what waits, who works and what each item became', () => {
  let stack: E2EStack;
  let api: CrierProcess;
  let tg: TelegramFake;
  let server: FeedServer;
  let accountId: string;
  const env = { CRIER_FEEDS_ALLOW_PRIVATE: 'true', CRIER_FEEDS_POLL_SECONDS: '1' };
  type Queue = Record<string, unknown> & { platform: string; deliveries: Record<string, number> };
  const telegramQueue = async (): Promise<Queue> => {
    const res = await api.api().get('/api/v1/queues').expect(200);
    return (res.body as Queue[]).find((q) => q.platform === 'telegram')!;
  };

  beforeAll(async () => {
    stack = await E2EStack.create();
    [tg, server] = await Promise.all([TelegramFake.start(), FeedServer.start()]);
    // The API role alone: no worker takes the jobs yet.
    api = await stack.start('api', env);
    accountId = await createTelegramAccount(api.api(), tg, 'Newsroom channel');
  });

  afterAll(async () => {
    await stack?.close();
    await Promise.all([tg?.stop(), server?.stop()]);
  });

  it('a due delivery with no worker: waiting, overdue and ageing; once a worker connects it goes out', async () => {
    const post = await publishText(api.api(), accountId, 'Ferry timetable changes on Monday');
    const waiting = await waitFor(
      async () => {
        const q = await telegramQueue();
        return (q.oldestWaitingSeconds as number) >= 2 ? q : null;
      },
      { timeoutMs: 20_000, what: 'the waiting job to be 2 s old' },
    );
    expect(waiting).toEqual({
      name: 'publish-telegram',
      platform: 'telegram',
      waiting: 1,
      delayed: 0,
      active: 0,
      completed: 0,
      failed: 0,
      paused: 0,
      workers: 0,
      oldestWaitingSeconds: expect.any(Number),
      deliveries: {
        scheduled: 1,
        publishing: 0,
        published: 0,
        retrying: 0,
        failed: 0,
        skipped: 0,
        held: 0,
        unconfirmed: 0,
        cancelled: 0,
      },
      overdue: 1,
      mostOverdueSeconds: expect.any(Number),
    });
    expect(waiting.mostOverdueSeconds as number).toBeGreaterThanOrEqual(2);

    await stack.start('worker', env);
    await waitForDelivery(api.api(), post.postId, post.deliveryId, ['published']);
    const after = await waitFor(
      async () => {
        const q = await telegramQueue();
        return q.completed === 1 ? q : null;
      },
      { what: 'the job to be completed' },
    );
    expect(after).toMatchObject({
      waiting: 0,
      workers: 1,
      oldestWaitingSeconds: null,
      overdue: 0,
      mostOverdueSeconds: null,
      deliveries: { scheduled: 0, published: 1 },
    });

    // Last, the webhooks queue: its jobs and workers (the worker process works it too), no deliveries.
    const all = (await api.api().get('/api/v1/queues').expect(200)).body as Array<Record<string, unknown>>;
    expect(all.at(-1)).toEqual({
      name: 'webhooks',
      platform: null,
      waiting: 0,
      delayed: 0,
      active: 0,
      completed: 0,
      failed: 0,
      paused: 0,
      workers: 1,
      oldestWaitingSeconds: null,
    });
    expect(all.filter((q) => q.platform === null)).toHaveLength(1);
  });

  it("a feed's items carry their post's status and deliveries; a failing feed says why it polls later", async () => {
    const url = server.feed('/city.xml', 'rss', [
      { guid: 'urn:old', link: 'https://news.example/old', title: 'Old story', html: '<p>Old.</p>' },
    ]);
    const created = await api
      .api()
      .post('/api/v1/feeds')
      .send({ url, accountIds: [accountId], spacing: 1 });
    expect(created.status).toBe(201);
    const feedId = created.body.id as string;
    expect(created.body).toMatchObject({ pollInterval: 1, backoff: null, consecutiveFailures: 0 });

    server.addItems('/city.xml', {
      guid: 'urn:new',
      link: 'https://news.example/new',
      title: 'Bridge reopens',
      html: '<p>The bridge reopens on Friday.</p>',
    });
    const items = await waitFor(
      async () => {
        const res = await api.api().get(`/api/v1/feeds/${feedId}/items`).expect(200);
        const fresh = (res.body as Array<Record<string, unknown>>).find((i) => i.title === 'Bridge reopens');
        return fresh?.postStatus === 'published' ? (res.body as Array<Record<string, unknown>>) : null;
      },
      { timeoutMs: 30_000, what: 'the new item to be published' },
    );
    const fresh = items.find((i) => i.title === 'Bridge reopens')!;
    expect(fresh).toMatchObject({
      status: 'scheduled',
      postId: expect.any(String),
      postStatus: 'published',
      deliveries: [
        {
          id: expect.any(String),
          accountId,
          platform: 'telegram',
          status: 'published',
          remoteUrl: expect.any(String),
          error: null,
        },
      ],
    });
    expect(items.find((i) => i.title === 'Old story')).toMatchObject({
      status: 'seen',
      postStatus: null,
      deliveries: [],
    });

    // A post that fails at the platform: the item still says "scheduled", its post and delivery say failed, and why.
    tg.failNext('sendMessage', telegramError(400, 'Bad Request: chat is deactivated'));
    server.addItems('/city.xml', {
      guid: 'urn:refused',
      link: 'https://news.example/refused',
      title: 'Harbour closed',
      html: '<p>The harbour is closed.</p>',
    });
    const refused = await waitFor(
      async () => {
        const res = await api.api().get(`/api/v1/feeds/${feedId}/items`).expect(200);
        const i = (res.body as Array<Record<string, unknown>>).find((x) => x.title === 'Harbour closed');
        return i?.postStatus === 'failed' ? i : null;
      },
      { timeoutMs: 30_000, what: 'the refused item to fail' },
    );
    expect(refused.deliveries).toEqual([
      expect.objectContaining({ status: 'failed', error: expect.stringContaining('chat is deactivated') }),
    ]);

    server.raw('/city.xml', 500, 'down for maintenance');
    const failing = await waitFor(
      async () => {
        const res = await api.api().get(`/api/v1/feeds/${feedId}`).expect(200);
        return (res.body.consecutiveFailures as number) >= 2 ? res.body : null;
      },
      { timeoutMs: 30_000, what: 'the feed to fail twice in a row' },
    );
    expect(failing.lastError).toBe('the feed answered HTTP 500');
    expect(failing.backoff).toEqual({
      failures: failing.consecutiveFailures,
      interval: 2 ** failing.consecutiveFailures,
      reason: 'the feed answered HTTP 500',
    });
    const listed = await api.api().get('/api/v1/feeds').expect(200);
    expect(listed.body[0]).toMatchObject({
      id: feedId,
      pollInterval: 1,
      backoff: { reason: 'the feed answered HTTP 500' },
    });
  });
});
