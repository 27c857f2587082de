import { MastodonFake } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import {
  createArticle,
  createMastodonAccount,
  createTelegramAccount,
  inSeconds,
  useCrier,
  waitForDelivery,
} from '../support/e2e-stack';

jest.setTimeout(60_000);

describe('an article scheduled over REST is published once to Telegram and Mastodon at its time', () => {
  const e2e = useCrier();
  let tg: TelegramFake;
  let masto: MastodonFake;

  beforeAll(async () => {
    [tg, masto] = await Promise.all([TelegramFake.start(), MastodonFake.start({ flavour: 'mastodon' })]);
  });

  afterAll(async () => {
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  it('publishes, records remote ids and urls, and logs the attempt', async () => {
    const api = e2e.crier.api();
    const tgId = await createTelegramAccount(api, tg);
    const mastoId = await createMastodonAccount(api, masto);
    const article = await createArticle(api);
    const at = inSeconds(2);

    const created = await api
      .post('/api/v1/posts')
      .send({ articleId: article.id, accountIds: [tgId, mastoId], scheduledAt: at })
      .expect(201);
    expect(created.body.status).toBe('scheduled');
    expect(created.body.deliveries).toHaveLength(2);
    for (const d of created.body.deliveries) {
      expect(d.status).toBe('scheduled');
      expect(d.text).toContain(article.url);
      expect(d.text).not.toMatch(/follow us/i);
    }
    const tgDelivery = created.body.deliveries.find((d: { platform: string }) => d.platform === 'telegram');
    const mDelivery = created.body.deliveries.find((d: { platform: string }) => d.platform === 'mastodon');

    const tgDone = await waitForDelivery(api, created.body.id, tgDelivery.id, ['published']);
    const mDone = await waitForDelivery(api, created.body.id, mDelivery.id, ['published']);

    // Exactly once each, with exactly the stored text, not before the scheduled time.
    expect(tg.messages).toHaveLength(1);
    expect(tg.messages[0].text).toBe(tgDelivery.text);
    expect(masto.statuses).toHaveLength(1);
    expect(masto.statuses[0].text).toBe(mDelivery.text);
    expect(masto.statuses[0].idempotencyKey).toBe(mDelivery.id);
    const scheduled = new Date(at).getTime();
    for (const d of [tgDone, mDone])
      expect(new Date(String(d.publishedAt)).getTime()).toBeGreaterThanOrEqual(scheduled);

    expect(tgDone.remoteId).toBe(String(tg.messages[0].messageId));
    expect(tgDone.remoteUrl).toBe(`https://t.me/crier_test/${tg.messages[0].messageId}`);
    expect(mDone.remoteId).toBe(masto.statuses[0].id);
    expect(mDone.remoteUrl).toBe(masto.statuses[0].url);

    const post = await api.get(`/api/v1/posts/${created.body.id}`).expect(200);
    expect(post.body.status).toBe('published');

    const log = await api.get(`/api/v1/deliveries/${tgDelivery.id}`).expect(200);
    expect(log.body.attemptLog).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'published', remoteId: tgDone.remoteId, error: null }),
    ]);

    const metrics = await fetch(`${e2e.crier.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/crier_deliveries_published_total\{platform="telegram"\} 1/);
    expect(metrics).toMatch(/crier_publish_lateness_seconds_count\{platform="mastodon"\} 1/);
  });
});
