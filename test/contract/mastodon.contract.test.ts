import { MastodonAdapter } from '../../src/platforms/mastodon/mastodon.adapter';
import { MastodonFake, MastodonFakeOptions, mastodonError } from '../fakes/mastodon.fake';
import { runAdapterContract } from './adapter-contract';
import { ARTICLE_URL, CTX, PNG_1X1, caught, expectKind, publishRequest } from './contract-support';
import { TWO_HOURS_AGO, accountFor, familyHarness } from './mastodon-family.harness';

const adapter = new MastodonAdapter();
const MEDIA = 'POST /api/v2/media';

// §3.1 table (shared 401/429 rows come from the harness).
runAdapterContract(
  familyHarness(
    adapter,
    {},
    [
      {
        row: '403 outside the authorized scopes',
        fault: mastodonError(403, 'This action is outside the authorized scopes'),
        expect: 'reauth',
      },
      { row: '404 on an API path', fault: mastodonError(404, 'Record not found'), expect: 'reauth' },
      {
        row: '422 Validation failed',
        fault: mastodonError(422, 'Validation failed: Text character limit of 500 exceeded'),
        expect: 'permanent',
      },
      { row: '500 on publish < 1 h', fault: mastodonError(500, 'Internal server error'), expect: 'transient' },
      {
        row: '503 on publish < 1 h',
        fault: { status: 503, rawBody: '<html><body>503 Service Unavailable</body></html>' },
        expect: 'transient',
      },
      {
        row: '502 on publish > 1 h',
        fault: mastodonError(502, 'Bad gateway'),
        req: { firstAttemptAt: TWO_HOURS_AGO() },
        expect: 'ambiguous',
      },
      {
        row: 'timeout on publish > 1 h',
        fault: { delayMs: 2000 },
        timeoutMs: 300,
        req: { firstAttemptAt: TWO_HOURS_AGO() },
        expect: 'ambiguous',
      },
      { row: 'media upload 500', key: MEDIA, withImage: true, fault: mastodonError(500, 'oops'), expect: 'transient' },
      {
        row: 'media upload 422',
        key: MEDIA,
        withImage: true,
        fault: mastodonError(422, 'Validation failed: File content type is invalid'),
        expect: 'permanent',
      },
    ],
    'transient',
  ),
);

describe('mastodon specifics', () => {
  let fake: MastodonFake;
  const start = async (opts: MastodonFakeOptions = {}) => (fake = await MastodonFake.start(opts));
  afterEach(async () => fake?.stop());

  it('sends the same Idempotency-Key on every attempt; a replay returns the original status', async () => {
    await start();
    const req = publishRequest();
    const first = await adapter.publish(req, accountFor(fake), CTX);
    const second = await adapter.publish({ ...req, attempt: 2 }, accountFor(fake), CTX);
    expect(second).toEqual(first);
    expect(fake.statuses).toHaveLength(1);
    const keys = fake.requestsTo('POST /api/v1/statuses').map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual([req.deliveryId, req.deliveryId]);
    expect(fake.requestsTo('POST /api/v1/statuses')[0].body).toEqual({ status: req.text, visibility: 'public' });
  });

  it('waits for async (202) media by polling, then attaches it', async () => {
    await start({ mediaProcessingPolls: 2 });
    const imageUrl = fake.hostFile('/img.png', PNG_1X1, 'image/png');
    const article = { url: ARTICLE_URL, title: 't', imageUrl, videoUrl: null, description: null };
    await adapter.publish(publishRequest({ article }), accountFor(fake), CTX);
    expect(fake.requestsTo('GET /api/v1/media/').length).toBeGreaterThanOrEqual(2);
    expect(fake.media).toMatchObject([{ type: 'image/png', size: PNG_1X1.length }]);
    expect(fake.statuses[0].mediaIds).toEqual([fake.media[0].id]);
  });

  it('uses the instance max_characters learned by verify', async () => {
    await start({ maxCharacters: 1000 });
    const result = await adapter.verify(accountFor(fake), CTX);
    expect(result.remoteAccount).toMatchObject({ id: fake.account.id, username: 'crier', maxCharacters: 1000 });
    expect(adapter.limits(result.remoteAccount).maxLength).toBe(1000);
    expect(adapter.limits(null).maxLength).toBe(500);
  });

  it('answers the platform’s own 429 with the delay from its reset header', async () => {
    await start({ rateLimit: { limit: 1, windowMs: 120_000 } });
    await adapter.publish(publishRequest(), accountFor(fake), CTX);
    const e = await caught(() => adapter.publish(publishRequest(), accountFor(fake), CTX));
    expectKind(e, 'rate-limited');
    expect((e as unknown as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(100_000);
  });

  it('requires apiBaseUrl (no default instance)', async () => {
    await start();
    const account = { ...accountFor(fake), settings: {} };
    expectKind(await caught(() => adapter.publish(publishRequest(), account, CTX)), 'reauth');
    expect(adapter.settingsFields).toEqual([expect.objectContaining({ name: 'apiBaseUrl', required: true })]);
  });

  it('verify with a transient failure throws instead of reporting a bad credential', async () => {
    await start();
    fake.failNext('GET /api/v1/accounts/verify_credentials', mastodonError(503, 'down'));
    expectKind(await caught(() => adapter.verify(accountFor(fake), CTX)), 'transient');
  });

  it('reconcile ignores statuses older than the first attempt and uses the known remote id', async () => {
    await start();
    const req = publishRequest();
    await adapter.publish(req, accountFor(fake), CTX);
    const account = { ...accountFor(fake), remote: { id: fake.account.id } };
    expect(await adapter.reconcile(req, account, CTX)).toMatchObject({ remoteId: fake.statuses[0].id });
    expect(fake.requestsTo('GET /api/v1/accounts/verify_credentials')).toHaveLength(0);
    fake.statuses[0].createdAt = new Date(Date.now() - 3 * 3600_000);
    expect(await adapter.reconcile(req, account, CTX)).toBeNull();
  });

  it('reconcile matches by article link when the text differs', async () => {
    await start();
    await adapter.publish(publishRequest({ text: `Other words ${ARTICLE_URL}` }), accountFor(fake), CTX);
    const found = await adapter.reconcile(publishRequest({ text: 'not what was posted' }), accountFor(fake), CTX);
    expect(found?.remoteId).toBe(fake.statuses[0].id);
    expect(found?.remoteUrl).toBe(`${fake.baseUrl}/@crier/${fake.statuses[0].id}`);
  });
});
