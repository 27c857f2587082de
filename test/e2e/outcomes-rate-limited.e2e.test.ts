import { MastodonFake } from '../fakes/mastodon.fake';
import { TelegramFake, telegramError } from '../fakes/telegram.fake';
import {
  attemptLog,
  createMastodonAccount,
  createTelegramAccount,
  publishText,
  useCrier,
  waitForDelivery,
} from '../support/e2e-stack';

jest.setTimeout(60_000);

/**
 * Outcome "rate-limited" (docs/PLATFORMS.md §2 retry-after): the delivery waits `retrying` for as long as the platform
 * says, the wait is not counted as a failed attempt, and the post then goes out exactly once.
 */
describe('a rate-limited publish waits for the platform signal, then publishes once', () => {
  const e2e = useCrier();
  let tg: TelegramFake;
  let masto: MastodonFake;

  beforeEach(async () => {
    [tg, masto] = await Promise.all([TelegramFake.start(), MastodonFake.start({ flavour: 'mastodon' })]);
  });

  afterEach(async () => {
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  it('Telegram 429 with parameters.retry_after: retrying, re-sent no earlier than retry_after, published, attempts 1', async () => {
    const api = e2e.crier.api();
    const accountId = await createTelegramAccount(api, tg);
    tg.failNext('sendMessage', telegramError(429, 'Too Many Requests: retry after 1', { retry_after: 1 }));

    const text = 'Rate limit on Telegram: the bot waits as told';
    const { postId, deliveryId } = await publishText(api, accountId, text);

    const waiting = await waitForDelivery(api, postId, deliveryId, ['retrying'], 10_000);
    expect(String(waiting.error)).toMatch(/rate limited/i);
    expect(String(waiting.error)).toContain('Too Many Requests');
    expect(waiting.attempts).toBe(0);

    const done = await waitForDelivery(api, postId, deliveryId, ['published']);
    const sends = tg.requests.filter((r) => r.path.endsWith('/sendMessage'));
    expect(sends).toHaveLength(2);
    expect(sends[1].at.getTime() - sends[0].at.getTime()).toBeGreaterThanOrEqual(1000);

    expect(tg.messages).toHaveLength(1);
    expect(tg.messages[0].text).toBe(text);
    expect(done.remoteId).toBe(String(tg.messages[0].messageId));
    expect(done.attempts).toBe(1);
    expect(done.error).toBeNull();

    expect(await attemptLog(api, deliveryId)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'rate-limited', statusCode: 429 }),
      expect.objectContaining({ attempt: 1, outcome: 'published', remoteId: done.remoteId }),
    ]);
  });

  it('Mastodon 429 with X-RateLimit-Reset: retrying until the reset time, published once, attempts 1', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, masto);
    const reset = new Date(Date.now() + 2000);
    masto.failNext('POST /api/v1/statuses', {
      status: 429,
      body: { error: 'Too many requests' },
      headers: { 'X-RateLimit-Limit': '300', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': reset.toISOString() },
    });

    const text = 'Rate limit on Mastodon: Crier waits for X-RateLimit-Reset';
    const { postId, deliveryId } = await publishText(api, accountId, text);

    const waiting = await waitForDelivery(api, postId, deliveryId, ['retrying'], 10_000);
    expect(String(waiting.error)).toMatch(/rate limited/i);
    expect(String(waiting.error)).toContain('Too many requests');
    // The next try is planned for the platform's reset time, not a generic backoff.
    expect(new Date(String(waiting.nextAttemptAt)).getTime()).toBeGreaterThanOrEqual(reset.getTime());

    const done = await waitForDelivery(api, postId, deliveryId, ['published']);
    const sends = masto.requestsTo('POST /api/v1/statuses');
    expect(sends).toHaveLength(2);
    expect(sends[1].at.getTime()).toBeGreaterThanOrEqual(reset.getTime());
    expect(sends[0].headers['idempotency-key']).toBe(deliveryId);
    expect(sends[1].headers['idempotency-key']).toBe(deliveryId);

    expect(masto.statuses).toHaveLength(1);
    expect(masto.statuses[0].text).toBe(text);
    expect(done.remoteId).toBe(masto.statuses[0].id);
    expect(done.attempts).toBe(1);

    expect(await attemptLog(api, deliveryId)).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'rate-limited', statusCode: 429 }),
      expect.objectContaining({ attempt: 1, outcome: 'published', remoteId: masto.statuses[0].id }),
    ]);
  });
});
