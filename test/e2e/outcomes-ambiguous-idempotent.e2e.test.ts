import { MastodonFake } from '../fakes/mastodon.fake';
import { attemptLog, createMastodonAccount, publishText, useCrier, waitForDelivery } from '../support/e2e-stack';

jest.setTimeout(60_000);

/**
 * Outcome "ambiguous" on platforms that honour Idempotency-Key (docs/PLATFORMS.md §2 rule 3, §3.1, §3.2): a lost answer
 * is resent with the same key and the platform replays the original; Truth Social's 200 `{}` trap is reconciled,
 * retried once with the same key, and a second `{}` holds the account.
 */
describe('ambiguous publishes on Mastodon and Truth Social', () => {
  const e2e = useCrier();
  let fake: MastodonFake | undefined;

  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  it('Mastodon stores the status but the answer is lost: resent with the same key, original id, one status', async () => {
    const masto = (fake = await MastodonFake.start({ flavour: 'mastodon' }));
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, masto);
    // No `status`: the real handler stores the status, then the connection is destroyed.
    masto.failNext('POST /api/v1/statuses', { drop: true });

    const text = 'Mastodon got it, Crier never heard back';
    const { postId, deliveryId } = await publishText(api, accountId, text);
    const done = await waitForDelivery(api, postId, deliveryId, ['published']);

    expect(masto.statuses).toHaveLength(1);
    expect(masto.statuses[0].text).toBe(text);
    expect(done.remoteId).toBe(masto.statuses[0].id);
    expect(done.remoteUrl).toBe(masto.statuses[0].url);

    const sends = masto.requestsTo('POST /api/v1/statuses');
    expect(sends).toHaveLength(2);
    expect(sends.map((r) => r.headers['idempotency-key'])).toEqual([deliveryId, deliveryId]);

    const log = await attemptLog(api, deliveryId);
    expect(log).toHaveLength(2);
    expect(log[0]).toEqual(expect.objectContaining({ attempt: 1, outcome: 'transient', statusCode: null }));
    expect(String(log[0].error)).toMatch(/no answer after sending/);
    expect(log[1]).toEqual(
      expect.objectContaining({ attempt: 2, outcome: 'published', remoteId: masto.statuses[0].id }),
    );
  });

  it('Truth Social answers {} twice: reconciled, resent with the same key, then held as reauth (restricted / sign-in IP)', async () => {
    const truth = (fake = await MastodonFake.start({ flavour: 'truthsocial', hostile: true }));
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, truth, 'Truth Social');

    const { postId, deliveryId } = await publishText(api, accountId, 'Truth Social swallows this one');
    const held = await waitForDelivery(api, postId, deliveryId, ['held']);

    expect(String(held.error)).toMatch(/restricted|sign-in IP/i);
    expect(held.remoteId).toBeNull();
    const account = await api.get(`/api/v1/accounts/${accountId}`).expect(200);
    expect(account.body.status).toBe('reauth_required');
    expect(String(account.body.statusReason)).toMatch(/restricted/i);
    expect(String(account.body.statusReason)).toMatch(/sign-in IP/i);

    // Nothing was created; the resend carried the same key; the account's posts were read before it.
    expect(truth.statuses).toHaveLength(0);
    const sends = truth.requestsTo('POST /api/v1/statuses');
    expect(sends).toHaveLength(2);
    expect(sends.map((r) => r.headers['idempotency-key'])).toEqual([deliveryId, deliveryId]);
    const reads = truth.requests.filter(
      (r) => r.method === 'GET' && /^\/api\/v1\/accounts\/[^/]+\/statuses$/.test(r.path),
    );
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(reads[0].at.getTime()).toBeGreaterThanOrEqual(sends[0].at.getTime());
    expect(reads[0].at.getTime()).toBeLessThanOrEqual(sends[1].at.getTime());
    // verify_credentials (records the sign-in IP) precedes each create.
    const verifies = truth.requestsTo('GET /api/v1/accounts/verify_credentials');
    expect(verifies.length).toBeGreaterThanOrEqual(2);
    expect(verifies[0].at.getTime()).toBeLessThanOrEqual(sends[0].at.getTime());

    const log = await attemptLog(api, deliveryId);
    expect(log.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'ambiguous'],
      [2, 'reauth'],
    ]);
    expect(String(log[0].error)).toContain('{}');
  });
});
