import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { TelegramFake, telegramError } from '../fakes/telegram.fake';
import {
  attemptLog,
  createMastodonAccount,
  createTelegramAccount,
  publishText,
  useCrier,
  waitForDelivery,
} from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(60_000);

/**
 * Outcome "permanent" (docs/PLATFORMS.md §2): this post cannot succeed as it is, so the delivery is `failed` at once
 * with the platform's own reason, never retried, and the account stays usable. A post with one published and one
 * failed delivery is `partially_published`.
 */
describe('a post the platform rejects fails at once with the platform reason', () => {
  const e2e = useCrier();
  let tg: TelegramFake;
  let masto: MastodonFake;

  beforeEach(async () => {
    [tg, masto] = await Promise.all([TelegramFake.start(), MastodonFake.start({ flavour: 'mastodon' })]);
  });

  afterEach(async () => {
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  it('Mastodon 422 "Validation failed: …": failed with that reason after one request', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, masto);
    masto.failNext(
      'POST /api/v1/statuses',
      mastodonError(422, 'Validation failed: Text character limit of 500 exceeded'),
    );

    const { postId, deliveryId } = await publishText(api, accountId, 'Mastodon says this is too long');
    const failed = await waitForDelivery(api, postId, deliveryId, ['failed']);

    expect(String(failed.error)).toContain('Validation failed: Text character limit of 500 exceeded');
    expect(String(failed.error)).not.toMatch(/gave up/);
    expect(failed.attempts).toBe(1);
    expect(failed.remoteId).toBeNull();
    expect(masto.requestsTo('POST /api/v1/statuses')).toHaveLength(1);
    expect(masto.statuses).toHaveLength(0);
    expect(await attemptLog(api, deliveryId)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'permanent', statusCode: 422 }),
    ]);

    // A problem with the post, not the account.
    const account = await api.get(`/api/v1/accounts/${accountId}`).expect(200);
    expect(account.body.status).toBe('active');
    const post = await api.get(`/api/v1/posts/${postId}`).expect(200);
    expect(post.body.status).toBe('failed');

    // The queue view tells the truth: the delivery's job ended failed, not completed (bull-board's Failed tab).
    await waitFor(
      async () => {
        const queues = await api.get('/api/v1/queues').expect(200);
        const mastodon = (queues.body as Array<{ platform: string; failed: number }>).find(
          (q) => q.platform === 'mastodon',
        );
        return (mastodon?.failed ?? 0) >= 1;
      },
      { what: 'the failed job in GET /api/v1/queues' },
    );
  });

  it('Telegram 400 "Bad Request: message is too long": failed with that reason after one request', async () => {
    const api = e2e.crier.api();
    const accountId = await createTelegramAccount(api, tg);
    tg.failNext('sendMessage', telegramError(400, 'Bad Request: message is too long'));

    const { postId, deliveryId } = await publishText(api, accountId, 'Telegram says this is too long');
    const failed = await waitForDelivery(api, postId, deliveryId, ['failed']);

    expect(String(failed.error)).toContain('Bad Request: message is too long');
    expect(failed.attempts).toBe(1);
    expect(tg.requests.filter((r) => r.path.endsWith('/sendMessage'))).toHaveLength(1);
    expect(tg.messages).toHaveLength(0);
    expect(await attemptLog(api, deliveryId)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'permanent', statusCode: 400 }),
    ]);

    const account = await api.get(`/api/v1/accounts/${accountId}`).expect(200);
    expect(account.body.status).toBe('active');
  });

  it('one post to Telegram (published) and Mastodon (permanent failure) is partially_published', async () => {
    const api = e2e.crier.api();
    const tgId = await createTelegramAccount(api, tg);
    const mastoId = await createMastodonAccount(api, masto);
    masto.failNext(
      'POST /api/v1/statuses',
      mastodonError(422, 'Validation failed: Text character limit of 500 exceeded'),
    );

    const text = 'One post, two channels, one of them refuses it';
    const { postId, deliveries } = await publishText(api, [tgId, mastoId], text);
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
