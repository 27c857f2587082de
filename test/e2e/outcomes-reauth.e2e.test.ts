import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { TelegramFake, telegramError } from '../fakes/telegram.fake';
import {
  createMastodonAccount,
  createTelegramAccount,
  inSeconds,
  publishText,
  useCrier,
  waitForDelivery,
} from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

/**
 * Outcome "reauth" (docs/PLATFORMS.md §2 rule 2): the platform refuses the account, so the delivery is `held`, the
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

  /** Whether BullMQ keeps any job (pending or finished) under the delivery's job id. */
  async function telegramJobExists(deliveryId: string): Promise<boolean> {
    return e2e.stack.jobExists('telegram', `delivery-${deliveryId}`);
  }

  it('Telegram 401: held, account reauth_required, a later delivery held unsent; PATCH credentials resumes both once', async () => {
    const api = e2e.crier.api();
    const accountId = await createTelegramAccount(api, tg);
    // The later post first, so it is scheduled (with its job) before the refusal happens.
    const second = await publishText(api, accountId, 'Second post: scheduled a little later', inSeconds(8));
    tg.failNext('sendMessage', telegramError(401, 'Unauthorized'));
    const first = await publishText(api, accountId, 'First post: the bot token is refused');

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

    // A held delivery keeps no job (the fix gives it one back), so nothing is left that could send it. (Without the
    // removal the job would sit delayed, then stay among the completed ones: its key would exist either way.)
    expect(await telegramJobExists(first.deliveryId)).toBe(true); // the key format is right: the running job's own
    await waitFor(async () => !(await telegramJobExists(second.deliveryId)), {
      timeoutMs: 10_000,
      what: "the held delivery's job to be removed",
    });
    const stillHeld = await api.get(`/api/v1/posts/${second.postId}`).expect(200);
    expect(stillHeld.body.deliveries[0].status).toBe('held');
    expect(tg.requests.filter((r) => r.path.endsWith('/sendMessage'))).toHaveLength(1);
    expect(tg.messages).toHaveLength(0);

    // The human fix: the same (valid) token again.
    const patched = await api
      .patch(`/api/v1/accounts/${accountId}`)
      .send({ credentials: { botToken: tg.botToken } })
      .expect(200);
    expect(patched.body.status).toBe('active');

    const a = await waitForDelivery(api, first.postId, first.deliveryId, ['published']);
    const b = await waitForDelivery(api, second.postId, second.deliveryId, ['published']);
    expect(tg.messages.map((m) => m.text).sort()).toEqual([
      'First post: the bot token is refused',
      'Second post: scheduled a little later',
    ]);
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
    await api
      .patch(`/api/v1/accounts/${accountId}`)
      .send({ credentials: { accessToken: masto.accessToken } })
      .expect(200);
    const done = await waitForDelivery(api, postId, deliveryId, ['published']);
    expect(masto.statuses).toHaveLength(1);
    expect(done.remoteId).toBe(masto.statuses[0].id);
  });
});
