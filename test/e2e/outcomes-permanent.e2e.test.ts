import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { TelegramFake, telegramError } from '../fakes/telegram.fake';
import { CrierProcess } from '../support/crier-process';
import { createMastodonAccount, createTelegramAccount, E2EStack, waitForDelivery } from '../support/e2e-stack';

jest.setTimeout(60_000);

/**
 * Outcome "permanent" (PLATFORMS.md §2): this post cannot succeed as it is, so the delivery is `failed` at once
 * with the platform's own reason, never retried, and the account stays usable. A post with one published and one
 * failed delivery is `partially_published`.
 */
describe('a post the platform rejects fails at once with the platform reason', () => {
  let stack: E2EStack;
  let crier: CrierProcess;
  let tg: TelegramFake;
  let masto: MastodonFake;

  beforeAll(async () => {
    stack = await E2EStack.create();
    crier = await stack.start('all');
  });

  beforeEach(async () => {
    [tg, masto] = await Promise.all([TelegramFake.start(), MastodonFake.start({ flavour: 'mastodon' })]);
  });

  afterEach(async () => {
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function publishText(accountIds: string[], text: string) {
    const res = await crier.api().post('/api/v1/posts').send({ text, accountIds }).expect(201);
    const deliveries = res.body.deliveries as Array<{ id: string; platform: string }>;
    return { postId: res.body.id as string, deliveryId: deliveries[0].id, deliveries };
  }

  async function attemptLog(deliveryId: string): Promise<Array<Record<string, unknown>>> {
    const res = await crier.api().get(`/api/v1/deliveries/${deliveryId}`).expect(200);
    return res.body.attemptLog;
  }

  it('Mastodon 422 "Validation failed: …": failed with that reason after one request', async () => {
    const api = crier.api();
    const accountId = await createMastodonAccount(api, masto);
    masto.failNext('POST /api/v1/statuses', mastodonError(422, 'Validation failed: Text character limit of 500 exceeded'));

    const { postId, deliveryId } = await publishText([accountId], 'Mastodon says this is too long');
    const failed = await waitForDelivery(api, postId, deliveryId, ['failed']);

    expect(String(failed.error)).toContain('Validation failed: Text character limit of 500 exceeded');
    expect(String(failed.error)).not.toMatch(/gave up/);
    expect(failed.attempts).toBe(1);
    expect(failed.remoteId).toBeNull();
    expect(masto.requestsTo('POST /api/v1/statuses')).toHaveLength(1);
    expect(masto.statuses).toHaveLength(0);
    expect(await attemptLog(deliveryId)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'permanent', statusCode: 422 })]);

    // A problem with the post, not the account.
    const account = await api.get(`/api/v1/accounts/${accountId}`).expect(200);
    expect(account.body.status).toBe('active');
    const post = await api.get(`/api/v1/posts/${postId}`).expect(200);
    expect(post.body.status).toBe('failed');
  });

  it('Telegram 400 "Bad Request: message is too long": failed with that reason after one request', async () => {
    const api = crier.api();
    const accountId = await createTelegramAccount(api, tg);
    tg.failNext('sendMessage', telegramError(400, 'Bad Request: message is too long'));

    const { postId, deliveryId } = await publishText([accountId], 'Telegram says this is too long');
    const failed = await waitForDelivery(api, postId, deliveryId, ['failed']);

    expect(String(failed.error)).toContain('Bad Request: message is too long');
    expect(failed.attempts).toBe(1);
    expect(tg.requests.filter((r) => r.path.endsWith('/sendMessage'))).toHaveLength(1);
    expect(tg.messages).toHaveLength(0);
    expect(await attemptLog(deliveryId)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'permanent', statusCode: 400 })]);

    const account = await api.get(`/api/v1/accounts/${accountId}`).expect(200);
    expect(account.body.status).toBe('active');
  });

  it('one post to Telegram (published) and Mastodon (permanent failure) is partially_published', async () => {
    const api = crier.api();
    const tgId = await createTelegramAccount(api, tg);
    const mastoId = await createMastodonAccount(api, masto);
    masto.failNext('POST /api/v1/statuses', mastodonError(422, 'Validation failed: Text character limit of 500 exceeded'));

    const text = 'One post, two channels, one of them refuses it';
    const { postId, deliveries } = await publishText([tgId, mastoId], text);
    const tgDelivery = deliveries.find((d) => d.platform === 'telegram')!;
    const mDelivery = deliveries.find((d) => d.platform === 'mastodon')!;

    const ok = await waitForDelivery(api, postId, tgDelivery.id, ['published']);
    const bad = await waitForDelivery(api, postId, mDelivery.id, ['failed']);
    expect(ok.remoteId).toBe(String(tg.messages[0].messageId));
    expect(tg.messages).toHaveLength(1);
    expect(String(bad.error)).toContain('Text character limit of 500 exceeded');
    expect(masto.statuses).toHaveLength(0);

    const post = await api.get(`/api/v1/posts/${postId}`).expect(200);
    expect(post.body.status).toBe('partially_published');
    const listed = await api.get('/api/v1/posts?status=partially_published').expect(200);
    expect(listed.body.items.map((p: { id: string }) => p.id)).toContain(postId);
  });
});
