import request from 'supertest';
import { MastodonFake } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import { XFake } from '../fakes/x.fake';
import { createTelegramAccount, publishText, useCrier, waitForDelivery } from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

/** GET /api/v1/accounts (with `health`) and GET /api/v1/accounts/:id/health through the built Crier and the fakes. */
describe('account health over the API', () => {
  const e2e = useCrier();
  let tg: TelegramFake;
  let masto: MastodonFake;
  let x: XFake;

  beforeAll(async () => {
    [tg, masto, x] = await Promise.all([
      TelegramFake.start(),
      MastodonFake.start({ flavour: 'mastodon' }),
      XFake.start(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([tg?.stop(), masto?.stop(), x?.stop()]);
  });

  it('shows the last success, and for an account the platform refused: status, reason, last error, held', async () => {
    const api = e2e.crier.api();
    const tgId = await createTelegramAccount(api, tg, 'Newsroom channel');
    const wrongToken = 'wrong-token-0123456789abcdef';
    const mastoId = (
      await api
        .post('/api/v1/accounts')
        .send({
          platform: 'mastodon',
          name: 'Newsroom toots',
          credentials: { accessToken: wrongToken },
          settings: { apiBaseUrl: masto.baseUrl },
        })
        .expect(201)
    ).body.id as string;

    const ok = await publishText(api, tgId, 'Harbour reopens on Monday');
    const published = await waitForDelivery(api, ok.postId, ok.deliveryId, ['published']);
    const refused = await publishText(api, mastoId, 'Library opens on Sundays');
    await waitForDelivery(api, refused.postId, refused.deliveryId, ['held']);

    const list = (await api.get('/api/v1/accounts').expect(200)).body as Array<Record<string, any>>;
    const t = list.find((a) => a.id === tgId)!;
    const m = list.find((a) => a.id === mastoId)!;
    expect(t.health).toMatchObject({
      status: 'active',
      statusReason: null,
      lastSuccess: { deliveryId: ok.deliveryId, postId: ok.postId, at: published.publishedAt },
      lastError: null,
      pending: { scheduled: 0, retrying: 0, publishing: 0, total: 0 },
      held: 0,
      cost: null,
    });
    // Telegram allows one message a second per chat: right after the publish that budget may still be spent.
    if (t.health.rateLimit !== null) {
      expect(t.health.rateLimit).toMatchObject({ by: 'budget', scope: 'chat', max: 1, windowMs: 1000 });
      expect(Date.parse(t.health.rateLimit.until)).toBeLessThanOrEqual(
        Date.parse(String(published.publishedAt)) + 1500,
      );
    }
    await waitFor(async () => (await api.get(`/api/v1/accounts/${tgId}/health`)).body.rateLimit === null, {
      timeoutMs: 5000,
      what: 'the chat budget to have room again',
    });
    expect(m.status).toBe('reauth_required');
    expect(m.health).toMatchObject({
      status: 'reauth_required',
      statusReason: expect.stringContaining('The access token is invalid'),
      lastSuccess: null,
      lastError: { deliveryId: refused.deliveryId, outcome: 'reauth', statusCode: 401 },
      held: 1,
    });
    expect(m.health.lastError.message).toContain('The access token is invalid');
    expect(JSON.stringify(list)).not.toContain(wrongToken);

    // The one account alone, the same answer.
    const one = await api.get(`/api/v1/accounts/${mastoId}/health`).expect(200);
    expect(one.body).toEqual(m.health);
  });

  it('X: posts of the last 24 hours against the cap and their estimated cost', async () => {
    const api = e2e.crier.api();
    const id = (
      await api
        .post('/api/v1/accounts')
        .send({
          platform: 'x',
          name: 'Newsroom on X',
          credentials: x.oauth1Credentials(),
          settings: { apiBaseUrl: x.baseUrl, maxPostsPerDay: '5' },
        })
        .expect(201)
    ).body.id as string;
    const post = await publishText(api, id, 'Budget passed: https://news.example/budget');
    await waitForDelivery(api, post.postId, post.deliveryId, ['published']);
    const h = (await api.get(`/api/v1/accounts/${id}/health?timezone=Europe/Berlin`).expect(200)).body;
    expect(h.cost).toMatchObject({
      cap: 5,
      perPostUsd: 0.015,
      perPostWithUrlUsd: 0.2,
      last24h: { published: 1, posts: 1, postsWithUrl: 1, estimatedUsd: 0.2 },
      today: { published: 1, posts: 1, postsWithUrl: 1, estimatedUsd: 0.2 },
    });
    // Midnight in Berlin, as an instant.
    expect(new Date(h.cost.today.since).toLocaleTimeString('en-GB', { timeZone: 'Europe/Berlin' })).toBe('00:00:00');
    expect(h.rateLimit).toBeNull();
    expect(x.tweets.map((t) => t.text)).toContain('Budget passed: https://news.example/budget');
  });

  it('refuses a bad time zone naming the field, an unknown account with 404, and needs the token', async () => {
    const api = e2e.crier.api();
    const res = await api.get('/api/v1/accounts?timezone=Mars/Olympus');
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('timezone');
    expect((await api.get('/api/v1/accounts/00000000-0000-4000-8000-000000000000/health')).status).toBe(404);
    expect((await api.get('/api/v1/accounts/not-an-id/health')).status).toBe(404);
    expect((await request(e2e.crier.url).get('/api/v1/accounts')).status).toBe(401);
    const doc = await request(e2e.crier.url).get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/accounts/{id}/health');
  });
});
