import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { TelegramFake, telegramError } from '../fakes/telegram.fake';
import { createMastodonAccount, createTelegramAccount, inSeconds, publishText, useCrier, waitForDelivery } from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

/**
 * Outcome "reauth" (PLATFORMS.md §2 rule 2): the platform refuses the account, so the delivery is `held`, the
 * account becomes `reauth_required`, every other pending delivery of the account is held without being sent, and
 * new credentials (PATCH) resume them all by themselves.
 */
describe('an account the platform refuses holds its deliveries until a human fixes it', () => {
  const e2e = useCrier();
  let tg: TelegramFake;
  let masto: MastodonFake;

  beforeEach(async () => {
    [tg, masto] = await Promise.all([TelegramFake.start(), MastodonFake.start({ flavour: 'mastodon' })]);
  });

  afterEach(async () => {
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  async function telegramCompletedJobs(): Promise<number> {
    const res = await e2e.crier.api().get('/api/v1/queues').expect(200);
    return (res.body as Array<{ platform: string; completed: number }>).find((q) => q.platform === 'telegram')?.completed ?? 0;
  }

  it('Telegram 401: held, account reauth_required, a later delivery held unsent; PATCH credentials resumes both once', async () => {
    const api = e2e.crier.api();
    const accountId = await createTelegramAccount(api, tg);
    tg.failNext('sendMessage', telegramError(401, 'Unauthorized'));
    const jobsBefore = await telegramCompletedJobs();

    const first = await publishText(api, accountId, 'First post: the bot token is refused');
    const second = await publishText(api, accountId, 'Second post: scheduled a little later', inSeconds(3));

    const held = await waitForDelivery(api, first.postId, first.deliveryId, ['held'], 10_000);
    expect(String(held.error)).toContain('Unauthorized');
    expect(held.remoteId).toBeNull();

    const account = await api.get(`/api/v1/accounts/${accountId}`).expect(200);
    expect(account.body.status).toBe('reauth_required');
    expect(String(account.body.statusReason)).toContain('Unauthorized');
    // Secrets never leak into reasons (the Bot API token sits in the URL path).
    expect(String(account.body.statusReason)).not.toContain(tg.botToken);
    expect(String(held.error)).not.toContain(tg.botToken);

    const secondHeld = await waitForDelivery(api, second.postId, second.deliveryId, ['held'], 5_000);
    expect(String(secondHeld.error)).toMatch(/re-authentication/);

    // The second delivery's own job runs and sends nothing (both jobs complete). On a loaded machine the second
    // job may first have parked behind the first (up to ~32 s) before it finds its delivery held.
    await waitFor(async () => (await telegramCompletedJobs()) >= jobsBefore + 2, { timeoutMs: 45_000, what: 'both telegram jobs to run' });
    expect(Date.now()).toBeGreaterThanOrEqual(new Date(second.scheduledAt).getTime());
    const stillHeld = await api.get(`/api/v1/posts/${second.postId}`).expect(200);
    expect(stillHeld.body.deliveries[0].status).toBe('held');
    expect(tg.requests.filter((r) => r.path.endsWith('/sendMessage'))).toHaveLength(1);
    expect(tg.messages).toHaveLength(0);

    // The human fix: the same (valid) token again.
    const patched = await api.patch(`/api/v1/accounts/${accountId}`).send({ credentials: { botToken: tg.botToken } }).expect(200);
    expect(patched.body.status).toBe('active');

    const a = await waitForDelivery(api, first.postId, first.deliveryId, ['published']);
    const b = await waitForDelivery(api, second.postId, second.deliveryId, ['published']);
    expect(tg.messages.map((m) => m.text).sort()).toEqual(['First post: the bot token is refused', 'Second post: scheduled a little later']);
    expect(a.remoteId).toBe(String(tg.messages.find((m) => m.text.startsWith('First'))?.messageId));
    expect(b.remoteId).toBe(String(tg.messages.find((m) => m.text.startsWith('Second'))?.messageId));
    expect(a.error).toBeNull();

    for (const postId of [first.postId, second.postId]) {
      expect((await api.get(`/api/v1/posts/${postId}`).expect(200)).body.status).toBe('published');
    }
  });

  it('Mastodon 401 "The access token is invalid": held, account reauth_required with the reason', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, masto);
    masto.failNext('POST /api/v1/statuses', mastodonError(401, 'The access token is invalid'));

    const { postId, deliveryId } = await publishText(api, accountId, 'Mastodon token revoked');
    const held = await waitForDelivery(api, postId, deliveryId, ['held'], 10_000);
    expect(String(held.error)).toContain('The access token is invalid');
    expect(held.attempts).toBe(1);

    const account = await api.get(`/api/v1/accounts/${accountId}`).expect(200);
    expect(account.body.status).toBe('reauth_required');
    expect(String(account.body.statusReason)).toContain('The access token is invalid');

    expect(masto.requestsTo('POST /api/v1/statuses')).toHaveLength(1);
    expect(masto.statuses).toHaveLength(0);

    // Fixed by new credentials: published once with the same Idempotency-Key.
    await api.patch(`/api/v1/accounts/${accountId}`).send({ credentials: { accessToken: masto.accessToken } }).expect(200);
    const done = await waitForDelivery(api, postId, deliveryId, ['published']);
    expect(masto.statuses).toHaveLength(1);
    expect(done.remoteId).toBe(masto.statuses[0].id);
  });
});
