import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { attemptLog, createMastodonAccount, publishText, useCrier, waitForDelivery } from '../support/e2e-stack';

jest.setTimeout(60_000);

/**
 * Outcome "ambiguous" on Gab (docs/PLATFORMS.md §2 rules 3 and 5, §3.3): no idempotency, so an answer that may hide a
 * created status is settled by reading the account's statuses before anything is sent again.
 */
describe('ambiguous publishes on Gab are reconciled by reading the account', () => {
  const e2e = useCrier();
  let gab: MastodonFake;

  beforeEach(async () => {
    gab = await MastodonFake.start({ flavour: 'gab' });
  });

  afterEach(async () => {
    await gab?.stop();
  });

  const statusReads = () =>
    gab.requests.filter((r) => r.method === 'GET' && /^\/api\/v1\/accounts\/[^/]+\/statuses$/.test(r.path));

  it('accepted, then the answer is lost: reconciled from the account statuses, published with that id, one status', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, gab, 'Gab');
    gab.failNext('POST /api/v1/statuses', { drop: true });

    const text = 'Gab stored it, but the answer never came back';
    const { postId, deliveryId } = await publishText(api, accountId, text);
    const done = await waitForDelivery(api, postId, deliveryId, ['published']);

    expect(gab.statuses).toHaveLength(1);
    expect(gab.statuses[0].text).toBe(text);
    expect(done.remoteId).toBe(gab.statuses[0].id);
    expect(done.remoteUrl).toBe(gab.statuses[0].url);
    expect(done.error).toBeNull();

    // Never resent: the one POST, then a read of the account's statuses found it.
    const sends = gab.requestsTo('POST /api/v1/statuses');
    expect(sends).toHaveLength(1);
    expect(statusReads().length).toBeGreaterThanOrEqual(1);
    expect(statusReads()[0].at.getTime()).toBeGreaterThanOrEqual(sends[0].at.getTime());

    const log = await attemptLog(api, deliveryId);
    expect(log.map((a) => a.outcome)).toEqual(['ambiguous', 'reconciled']);
    expect(String(log[0].error)).toMatch(/no answer after sending/);
    expect(log[1].remoteId).toBe(gab.statuses[0].id);
  });

  it('a 502 gateway page that stored nothing: reconcile finds nothing, resent, published once', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, gab, 'Gab');
    gab.failNext('POST /api/v1/statuses', {
      status: 502,
      rawBody:
        '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
    });

    const text = 'Gab gateway hiccup, nothing stored the first time';
    const { postId, deliveryId } = await publishText(api, accountId, text);
    const done = await waitForDelivery(api, postId, deliveryId, ['published']);

    expect(gab.statuses).toHaveLength(1);
    expect(gab.statuses[0].text).toBe(text);
    expect(done.remoteId).toBe(gab.statuses[0].id);

    const sends = gab.requestsTo('POST /api/v1/statuses');
    expect(sends).toHaveLength(2);
    // The account was read (nothing found) between the 502 and the resend.
    const between = statusReads().filter((r) => r.at >= sends[0].at && r.at <= sends[1].at);
    expect(between.length).toBeGreaterThanOrEqual(1);

    const log = await attemptLog(api, deliveryId);
    expect(log.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, 'ambiguous', 502],
      [2, 'published', null],
    ]);
    expect(String(log[0].error)).toMatch(/502/);
  });

  it('503 "Remote data could not be fetched" is transient: resent without reading the account, published once', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, gab, 'Gab');
    gab.failNext('POST /api/v1/statuses', mastodonError(503, 'Remote data could not be fetched'));

    const { postId, deliveryId } = await publishText(api, accountId, 'Gab could not fetch remote data this time');
    const done = await waitForDelivery(api, postId, deliveryId, ['published']);

    expect(gab.statuses).toHaveLength(1);
    expect(done.remoteId).toBe(gab.statuses[0].id);
    expect(gab.requestsTo('POST /api/v1/statuses')).toHaveLength(2);
    expect(statusReads()).toHaveLength(0);
    const log = await attemptLog(api, deliveryId);
    expect(log.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, 'transient', 503],
      [2, 'published', null],
    ]);
  });
});
