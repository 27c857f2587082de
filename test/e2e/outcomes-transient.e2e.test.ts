import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { attemptLog, createMastodonAccount, publishText, useCrier, waitForDelivery } from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(60_000);

/**
 * Outcome "transient" (docs/PLATFORMS.md §2, §3.1): a Mastodon 5xx on publish inside the 1-hour idempotency window is
 * resent with the same Idempotency-Key after a backoff; after CRIER_MAX_ATTEMPTS (3 in tests) the delivery fails.
 */
describe('a transient Mastodon failure is retried with the same Idempotency-Key', () => {
  const e2e = useCrier();
  let masto: MastodonFake;

  beforeEach(async () => {
    masto = await MastodonFake.start({ flavour: 'mastodon' });
  });

  afterEach(async () => {
    await masto?.stop();
  });

  it('503 once: retrying, resent with the same key, published once (attempts 2)', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, masto);
    masto.failNext('POST /api/v1/statuses', mastodonError(503, 'Service Unavailable'));

    const text = 'Transient 503 on Mastodon, then fine';
    const { postId, deliveryId } = await publishText(api, accountId, text);
    const done = await waitForDelivery(api, postId, deliveryId, ['published']);

    const sends = masto.requestsTo('POST /api/v1/statuses');
    expect(sends).toHaveLength(2);
    expect(sends[0].headers['idempotency-key']).toBe(deliveryId);
    expect(sends[1].headers['idempotency-key']).toBe(sends[0].headers['idempotency-key']);

    expect(masto.statuses).toHaveLength(1);
    expect(masto.statuses[0].text).toBe(text);
    expect(done.remoteId).toBe(masto.statuses[0].id);
    expect(done.attempts).toBe(2);
    expect(done.error).toBeNull();

    // The first attempt ended `retrying` (transient), the second published.
    const log = await attemptLog(api, deliveryId);
    expect(log).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'transient', statusCode: 503 }),
      expect.objectContaining({ attempt: 2, outcome: 'published', remoteId: masto.statuses[0].id }),
    ]);
    expect(String(log[0].error)).toContain('Service Unavailable');

    const post = await api.get(`/api/v1/posts/${postId}`).expect(200);
    expect(post.body.status).toBe('published');
  });

  it('is seen `retrying` between the attempts', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, masto);
    // Two 503s: `retrying` lasts two backoffs (≥ 300 ms in all with the test settings); poll fast enough to see it.
    masto.failNext('POST /api/v1/statuses', mastodonError(503, 'Service Unavailable'), 2);

    const { postId, deliveryId } = await publishText(api, accountId, 'Transient 503 twice, observed while retrying');
    const waiting = await waitFor(
      async () => {
        const res = await api.get(`/api/v1/deliveries/${deliveryId}`);
        return res.body.status === 'retrying' ? (res.body as Record<string, unknown>) : null;
      },
      { timeoutMs: 10_000, intervalMs: 20, what: 'the delivery to be seen retrying' },
    );
    expect(String(waiting.error)).toContain('Service Unavailable');
    expect(waiting.attempts).toBeGreaterThanOrEqual(1);

    await waitForDelivery(api, postId, deliveryId, ['published']);
    expect(masto.statuses).toHaveLength(1);
  });

  it('503 on every try: failed after 3 attempts with a "gave up" error, 3 rows in the attempt log', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, masto);
    masto.failNext('POST /api/v1/statuses', mastodonError(503, 'Service Unavailable'), 10);

    const { postId, deliveryId } = await publishText(api, accountId, 'Mastodon is down for good');
    const done = await waitForDelivery(api, postId, deliveryId, ['failed']);

    expect(done.attempts).toBe(3);
    expect(String(done.error)).toMatch(/gave up after 3 attempts/);
    expect(String(done.error)).toContain('Service Unavailable');
    expect(done.remoteId).toBeNull();

    const sends = masto.requestsTo('POST /api/v1/statuses');
    expect(sends).toHaveLength(3);
    expect(new Set(sends.map((r) => r.headers['idempotency-key']))).toEqual(new Set([deliveryId]));
    expect(masto.statuses).toHaveLength(0);

    const log = await attemptLog(api, deliveryId);
    expect(log.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, 'transient', 503],
      [2, 'transient', 503],
      [3, 'transient', 503],
    ]);

    const post = await api.get(`/api/v1/posts/${postId}`).expect(200);
    expect(post.body.status).toBe('failed');
  });
});
