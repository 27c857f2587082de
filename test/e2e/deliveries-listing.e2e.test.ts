import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import {
  attemptLog,
  createMastodonAccount,
  createTelegramAccount,
  publishText,
  useCrier,
  waitForDelivery,
} from '../support/e2e-stack';

jest.setTimeout(90_000);

type Listed = Record<string, unknown> & { id: string };

/**
 * The operators' view of deliveries through the HTTP API (docs/API.md, "Deliveries across posts"): a post that went
 * out on Telegram and was refused by Mastodon is found by status with its cause and the platform's reason, and
 * "retry failed" sends the refused one again.
 */
describe('GET /deliveries and POST /posts/:id/retry-failed', () => {
  const e2e = useCrier();
  let tg: TelegramFake;
  let masto: MastodonFake;
  let postId: string;
  let tgDelivery: string;
  let mastoDelivery: string;

  beforeAll(async () => {
    [tg, masto] = await Promise.all([TelegramFake.start(), MastodonFake.start({ flavour: 'mastodon' })]);
    const api = e2e.crier.api();
    const tgId = await createTelegramAccount(api, tg, 'Newsroom channel');
    const mastoId = await createMastodonAccount(api, masto, 'Newsroom toots');
    masto.failNext('POST /api/v1/statuses', mastodonError(422, 'Validation failed: Text character limit exceeded'));
    const made = await publishText(api, [tgId, mastoId], 'Council approves the new budget');
    postId = made.postId;
    tgDelivery = made.deliveries.find((d) => d.platform === 'telegram')!.id;
    mastoDelivery = made.deliveries.find((d) => d.platform === 'mastodon')!.id;
    await waitForDelivery(api, postId, tgDelivery, ['published']);
    await waitForDelivery(api, postId, mastoDelivery, ['failed']);
  });

  afterAll(async () => {
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  it('status=failed lists the refused delivery with cause `rejected` and the platform reason', async () => {
    const res = await e2e.crier.api().get('/api/v1/deliveries?status=failed').expect(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items).toEqual([
      expect.objectContaining({
        id: mastoDelivery,
        postId,
        platform: 'mastodon',
        platformName: 'Mastodon',
        accountName: 'Newsroom toots',
        postTitle: 'Council approves the new budget',
        status: 'failed',
        cause: 'rejected',
        reason: expect.stringContaining('Validation failed: Text character limit exceeded'),
      }),
    ]);
  });

  it('several statuses, repeated or comma-separated; other filters; pages joined by nextCursor', async () => {
    const api = e2e.crier.api();
    const ids = (body: { items: Listed[] }) => body.items.map((d) => d.id).sort();
    const both = [tgDelivery, mastoDelivery].sort();
    expect(ids((await api.get('/api/v1/deliveries?status=published,failed').expect(200)).body)).toEqual(both);
    expect(ids((await api.get('/api/v1/deliveries?status=published&status=failed').expect(200)).body)).toEqual(both);
    expect(ids((await api.get(`/api/v1/deliveries?postId=${postId}&platform=telegram`).expect(200)).body)).toEqual([
      tgDelivery,
    ]);
    const published = (await api.get('/api/v1/deliveries?status=published').expect(200)).body.items as Listed[];
    expect(published).toEqual([expect.objectContaining({ id: tgDelivery, cause: null, platformName: 'Telegram' })]);
    expect((await api.get('/api/v1/deliveries?from=2099-01-01T00:00:00Z').expect(200)).body.items).toEqual([]);

    const first = await api.get('/api/v1/deliveries?limit=1').expect(200);
    expect(first.body.items).toHaveLength(1);
    expect(typeof first.body.nextCursor).toBe('string');
    const second = await api.get(`/api/v1/deliveries?limit=1&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect([first.body.items[0].id, second.body.items[0].id].sort()).toEqual(both);
  });

  it.each([
    ['status=bogus', 'status'],
    ['status=failed,', 'status'],
    ['platform=myspace', 'platform'],
    ['accountId=42', 'accountId'],
    ['postId=x', 'postId'],
    ['from=yesterday', 'from'],
    ['to=2026-13-45', 'to'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['color=red', 'color'],
  ])('bad query %s: 400 naming %s', async (query, field) => {
    const res = await e2e.crier.api().get(`/api/v1/deliveries?${query}`).expect(400);
    expect(res.body.message).toMatch(new RegExp(`\\b${field}\\b`));
  });

  it('both routes are in the OpenAPI document, with the list filters', async () => {
    const doc = await request(e2e.crier.url).get('/docs-json').expect(200);
    const list = doc.body.paths['/api/v1/deliveries']?.get;
    const params = (list?.parameters as Array<{ name: string }>).map((p) => p.name).sort();
    expect(params).toEqual(['accountId', 'cursor', 'from', 'limit', 'platform', 'postId', 'status', 'to']);
    expect(doc.body.paths['/api/v1/posts/{id}/retry-failed']?.post).toBeDefined();
  });

  it('retry-failed: 404 for an unknown post, 200 and the refused delivery goes out, then 409', async () => {
    const api = e2e.crier.api();
    await api.post(`/api/v1/posts/${randomUUID()}/retry-failed`).expect(404);
    await api.post('/api/v1/posts/not-a-post/retry-failed').expect(404);

    const res = await api.post(`/api/v1/posts/${postId}/retry-failed`).expect(200);
    expect(res.body.id).toBe(postId);
    const byId = new Map((res.body.deliveries as Listed[]).map((d) => [d.id, d]));
    expect(byId.get(tgDelivery)).toMatchObject({ status: 'published' });
    expect(['scheduled', 'publishing', 'published']).toContain(byId.get(mastoDelivery)?.status);
    expect(byId.get(mastoDelivery)).toMatchObject({ error: null });

    const out = await waitForDelivery(api, postId, mastoDelivery, ['published']);
    expect(out.remoteId).toBe(String(masto.statuses[0].id));
    expect(masto.statuses).toHaveLength(1);
    expect(tg.messages).toHaveLength(1);
    expect((await api.get(`/api/v1/posts/${postId}`).expect(200)).body.status).toBe('published');
    expect(await attemptLog(api, mastoDelivery)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'permanent', statusCode: 422 }),
      expect.objectContaining({ attempt: 1, outcome: 'published', remoteId: out.remoteId }),
    ]);
    expect((await api.get('/api/v1/deliveries?status=failed').expect(200)).body.items).toEqual([]);

    const again = await api.post(`/api/v1/posts/${postId}/retry-failed`).expect(409);
    expect(again.body.message).toMatch(/no failed or unconfirmed delivery/);
  });
});
