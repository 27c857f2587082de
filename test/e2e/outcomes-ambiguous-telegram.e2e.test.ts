import { TelegramFake } from '../fakes/telegram.fake';
import { createTelegramAccount, publishText, useCrier, waitForDelivery } from '../support/e2e-stack';

jest.setTimeout(60_000);

/**
 * Outcome "unconfirmed" (docs/PLATFORMS.md §2 rules 3 and 5, §3.8): the Bot API has no idempotency and no way to list a
 * channel's messages, so a send whose answer is lost is never blindly resent. Only the user's explicit retry sends
 * it again.
 */
describe('a Telegram send whose answer is lost is unconfirmed until the user decides', () => {
  const e2e = useCrier();
  let tg: TelegramFake;

  beforeEach(async () => {
    tg = await TelegramFake.start();
  });

  afterEach(async () => {
    await tg?.stop();
  });

  const sends = () => tg.requests.filter((r) => r.path.endsWith('/sendMessage'));

  async function lostAnswer(text: string) {
    const api = e2e.crier.api();
    const accountId = await createTelegramAccount(api, tg);
    // No `status`: Telegram posts the message, then the connection is destroyed before the answer.
    tg.failNext('sendMessage', { drop: true });
    const { postId, deliveryId } = await publishText(api, accountId, text);
    const unconfirmed = await waitForDelivery(api, postId, deliveryId, ['unconfirmed']);
    return { api, postId, deliveryId, unconfirmed };
  }

  it('accepted, answer lost: unconfirmed with an explanation, exactly one message, never resent', async () => {
    const text = 'Telegram posted this, Crier cannot tell';
    const { api, postId, deliveryId, unconfirmed } = await lostAnswer(text);

    expect(String(unconfirmed.error)).toMatch(/no answer after sending/);
    expect(String(unconfirmed.error)).toMatch(/no way to check/);
    expect(String(unconfirmed.error)).not.toContain(tg.botToken);
    expect(unconfirmed.remoteId).toBeNull();
    expect(unconfirmed.attempts).toBe(1);

    expect(tg.messages).toHaveLength(1);
    expect(tg.messages[0].text).toBe(text);
    expect(sends()).toHaveLength(1);

    const detail = await api.get(`/api/v1/deliveries/${deliveryId}`).expect(200);
    expect(detail.body.attemptLog).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'ambiguous', statusCode: null }),
    ]);
    const post = await api.get(`/api/v1/posts/${postId}`).expect(200);
    expect(post.body.status).toBe('failed');
  });

  it('POST /deliveries/:id/retry: queued again and sent (the user chose to), then published', async () => {
    const text = 'Telegram: the user asks to send it again';
    const { api, postId, deliveryId } = await lostAnswer(text);
    expect(sends()).toHaveLength(1);

    const retried = await api.post(`/api/v1/deliveries/${deliveryId}/retry`).expect(200);
    expect(retried.body.status).toBe('scheduled');
    expect(retried.body.error).toBeNull();

    const done = await waitForDelivery(api, postId, deliveryId, ['published', 'unconfirmed', 'failed']);
    expect(done.status).toBe('published');
    expect(sends()).toHaveLength(2);
    expect(tg.messages).toHaveLength(2);
    expect(tg.messages.map((m) => m.text)).toEqual([text, text]);
    expect(done.remoteId).toBe(String(tg.messages[1].messageId));
    expect(done.error).toBeNull();
    const post = await api.get(`/api/v1/posts/${postId}`).expect(200);
    expect(post.body.status).toBe('published');
  });
});
