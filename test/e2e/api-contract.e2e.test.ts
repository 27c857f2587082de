import request from 'supertest';
import { MastodonFake } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import { CrierProcess } from '../support/crier-process';
import { createArticle, createMastodonAccount, createTelegramAccount, E2EStack, inSeconds } from '../support/e2e-stack';

jest.setTimeout(60_000);

/** The public contract of API.md: auth, error shapes, limits, ids, idempotency. */
describe('HTTP API contract', () => {
  let stack: E2EStack;
  let crier: CrierProcess;
  let tg: TelegramFake;
  let masto: MastodonFake;
  let tgId: string;
  let mastoId: string;

  beforeAll(async () => {
    stack = await E2EStack.create();
    [tg, masto] = await Promise.all([TelegramFake.start(), MastodonFake.start({ flavour: 'mastodon' })]);
    crier = await stack.start('api');
    tgId = await createTelegramAccount(crier.api(), tg);
    mastoId = await createMastodonAccount(crier.api(), masto);
  });

  afterAll(async () => {
    await stack?.close();
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  const expectError = (res: request.Response, status: number, field?: string) => {
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ statusCode: status, error: expect.any(String), message: expect.any(String) });
    if (field) expect(res.body.message).toContain(field);
  };

  it('answers 401 on /api without the bearer token, even for paths that do not exist', async () => {
    expectError(await request(crier.url).get('/api/v1/posts'), 401);
    expectError(await request(crier.url).get('/api/v1/nothing-here'), 401);
    expectError(await request(crier.url).get('/api/v1/posts').set('Authorization', 'Bearer wrong'), 401);
    expectError(await request(crier.url).get(`/api/v1/posts?access_token=${stack.secrets.apiToken}`), 401);
    expectError(await crier.api().get('/api/v1/nothing-here'), 404);
    expect((await request(crier.url).get('/health')).body.status).toBe('ok');
  });

  it('guards the dashboard with the token (basic auth password)', async () => {
    expect((await request(crier.url).get('/admin/queues')).status).toBe(401);
    expect((await request(crier.url).get('/admin/queues').auth('admin', 'wrong')).status).toBe(401);
    const ok = await request(crier.url).get('/admin/queues').auth('admin', stack.secrets.apiToken);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('<');
  });

  it('serves OpenAPI at /docs and /docs-json', async () => {
    const doc = await request(crier.url).get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/posts', '/api/v1/accounts/{id}/verify', '/api/v1/previews']),
    );
    expect((await request(crier.url).get('/docs')).status).toBe(200);
  });

  it('names the offending field in 400s', async () => {
    const api = crier.api();
    expectError(await api.post('/api/v1/accounts').send({ name: 'x', credentials: {} }), 400, 'platform');
    expectError(
      await api.post('/api/v1/accounts').send({ platform: 'telegram', name: 'x', credentials: {} }),
      400,
      'credentials.botToken',
    );
    expectError(
      await api.post('/api/v1/accounts').send({
        platform: 'telegram',
        name: 'x',
        credentials: { botToken: 'a:b' },
        settings: { chatId: '1', apiBaseUrl: 'ftp://x' },
      }),
      400,
      'settings.apiBaseUrl',
    );
    expectError(
      await api.post('/api/v1/accounts').send({ platform: 'mastodon', name: 'x', credentials: { accessToken: 'abc' } }),
      400,
      'settings.apiBaseUrl',
    );
    expectError(await api.post('/api/v1/articles').send({ url: 'not a url', title: 't', text: 'b' }), 400, 'url');
    expectError(await api.post('/api/v1/posts').send({ text: 'hi', accountIds: 'x' }), 400, 'accountIds');
    expectError(await api.post('/api/v1/posts').send({ text: 'hi', accountIds: [tgId], surprise: 1 }), 400, 'surprise');
    expectError(
      await api.post('/api/v1/posts').send({ text: 'hi', accountIds: [tgId], scheduledAt: '2020-01-01T00:00:00Z' }),
      400,
      'scheduledAt',
    );
    expectError(
      await api.post('/api/v1/posts').send({ text: 'hi', accountIds: [tgId], scheduledAt: '2030-01-01T09:00' }),
      400,
      'timezone',
    );
    expectError(
      await api
        .post('/api/v1/posts')
        .send({ text: 'hi', accountIds: [tgId], scheduledAt: '2030-01-01T09:00', timezone: 'Nowhere/Land' }),
      400,
      'timezone',
    );
    expectError(
      await api.post('/api/v1/posts').send({ text: 'hi', accountIds: [tgId], overrides: { [mastoId]: { text: 'x' } } }),
      400,
      `overrides.${mastoId}`,
    );
    expectError(await api.get('/api/v1/posts?limit=1000'), 400, 'limit');
    expectError(await api.get('/api/v1/posts?status=done'), 400, 'status');
    expectError(await api.get('/api/v1/posts?cursor=zzz'), 400, 'cursor');
    const bad = await request(crier.url)
      .post('/api/v1/posts')
      .set('Authorization', `Bearer ${stack.secrets.apiToken}`)
      .set('Content-Type', 'application/json')
      .send('{"text": ');
    expectError(bad, 400, 'JSON');
  });

  it('answers 413 for any body over 1 MiB, whatever its content type', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    const auth = { Authorization: `Bearer ${stack.secrets.apiToken}` };
    expectError(
      await request(crier.url)
        .post('/api/v1/articles')
        .set(auth)
        .send({ url: 'https://a.example/x', title: 't', text: big }),
      413,
    );
    expectError(
      await request(crier.url).post('/api/v1/articles').set(auth).set('Content-Type', 'text/plain').send(big),
      413,
    );
    expectError(
      await request(crier.url).post('/api/v1/articles').set(auth).set('Content-Type', 'text/plain').send('small'),
      400,
    );
  });

  it('answers 404 for unknown and malformed ids', async () => {
    const api = crier.api();
    for (const path of ['/api/v1/posts/', '/api/v1/accounts/', '/api/v1/articles/', '/api/v1/deliveries/']) {
      expectError(await api.get(`${path}not-an-id`), 404);
      expectError(await api.get(`${path}00000000-0000-4000-8000-000000000000`), 404);
    }
    expectError(
      await api.post('/api/v1/posts').send({ articleId: '00000000-0000-4000-8000-000000000000', accountIds: [tgId] }),
      404,
      'articleId',
    );
  });

  it('refuses user text too long for a target with 422 naming the account', async () => {
    const res = await crier
      .api()
      .post('/api/v1/posts')
      .send({ text: 'word '.repeat(120), accountIds: [tgId, mastoId] });
    expectError(res, 422, mastoId);
    const posts = await crier.api().get('/api/v1/posts').expect(200);
    expect(posts.body.items.filter((p: { text: string }) => p.text?.startsWith('word word'))).toHaveLength(0);
    // Fits Telegram: the same text is fine there, sent HTML-escaped.
    const ok = await crier
      .api()
      .post('/api/v1/posts')
      .send({ text: 'a < b & c', accountIds: [tgId], scheduledAt: inSeconds(3600) })
      .expect(201);
    expect(ok.body.deliveries[0].text).toBe('a &lt; b &amp; c');
  });

  it('returns the first response again for the same Idempotency-Key and creates nothing', async () => {
    const api = crier.api();
    const body = { text: 'Idempotent hello', accountIds: [tgId], scheduledAt: inSeconds(3600) };
    const first = await api.post('/api/v1/posts').set('Idempotency-Key', 'key-123').send(body).expect(201);
    const again = await api.post('/api/v1/posts').set('Idempotency-Key', 'key-123').send(body).expect(201);
    expect(again.body).toEqual(first.body);
    const list = await api.get('/api/v1/posts?limit=100').expect(200);
    expect(list.body.items.filter((p: { text: string }) => p.text === 'Idempotent hello')).toHaveLength(1);
    expectError(
      await api
        .post('/api/v1/posts')
        .set('Idempotency-Key', 'key-123')
        .send({ ...body, text: 'Other' }),
      422,
      'Idempotency-Key',
    );
  });

  it('stores an article once per URL, cleaned', async () => {
    const api = crier.api();
    const a = await createArticle(api, { url: 'https://news.example/once' });
    expect(a.id).toBeDefined();
    expect((a as unknown as { text: string }).text).not.toMatch(/follow us/i);
    const again = await api
      .post('/api/v1/articles')
      .send({ url: 'https://news.example/once', title: 'Other', text: 'x' })
      .expect(200);
    expect(again.body.id).toBe(a.id);
  });

  it('lists platforms, accounts with masked secrets, and queues', async () => {
    const api = crier.api();
    const platforms = await api.get('/api/v1/platforms').expect(200);
    expect(platforms.body.map((p: { id: string }) => p.id)).toEqual(
      expect.arrayContaining(['telegram', 'mastodon', 'gab', 'truthsocial']),
    );
    const tgPlatform = platforms.body.find((p: { id: string }) => p.id === 'telegram');
    expect(tgPlatform.limits).toMatchObject({ maxLength: 4096, counting: expect.any(String) });
    const account = await api.get(`/api/v1/accounts/${tgId}`).expect(200);
    expect(account.body).toMatchObject({
      id: tgId,
      platform: 'telegram',
      status: 'active',
      settings: { chatId: String(tg.chats[0].id) },
    });
    expect(account.body.credentials.botToken).toMatch(/^••••.{4}$/);
    const queues = await api.get('/api/v1/queues').expect(200);
    const telegram = (queues.body as Array<{ platform: string }>).find((q) => q.platform === 'telegram');
    expect(telegram).toMatchObject({
      name: 'publish-telegram',
      platform: 'telegram',
      waiting: expect.any(Number),
      delayed: expect.any(Number),
      active: 0,
      completed: expect.any(Number),
      failed: 0,
      paused: 0,
      workers: 0, // the API role runs no workers
      deliveries: expect.objectContaining({ failed: 0 }),
      overdue: expect.any(Number),
    });
    expect(Object.keys(telegram ?? {}).sort()).toEqual(
      [
        ...['name', 'platform', 'waiting', 'delayed', 'active', 'completed', 'failed', 'paused'],
        ...['workers', 'oldestWaitingSeconds', 'deliveries', 'overdue', 'mostOverdueSeconds'],
      ].sort(),
    );
  });

  it('previews every target without scheduling anything', async () => {
    const api = crier.api();
    const before = (await api.get('/api/v1/posts?limit=100')).body.items.length;
    const res = await api
      .post('/api/v1/previews')
      .send({
        article: {
          url: 'https://news.example/p',
          title: 'A '.repeat(400) + 'end',
          text: 'Body.\n\nPlease follow us on Gab!',
        },
        platforms: ['telegram', 'mastodon', 'gab', 'truthsocial'],
      })
      .expect(200);
    expect(res.body.items).toHaveLength(4);
    for (const item of res.body.items) {
      expect(item.accountId).toBeNull();
      expect(item.length).toBeLessThanOrEqual(item.limit);
      expect(item.text).toContain('https://news.example/p');
      expect(item.text).not.toMatch(/follow us/i);
    }
    expect((await api.get('/api/v1/posts?limit=100')).body.items.length).toBe(before);
  });
});
