import { TruthSocialAdapter } from '../../src/platforms/truthsocial/truthsocial.adapter';
import { MastodonFake, MastodonFakeOptions, mastodonError } from '../fakes/mastodon.fake';
import { ErrorRow, runAdapterContract } from './adapter-contract';
import { CTX, caught, expectKind, publishRequest } from './contract-support';
import {
  CLOUDFLARE_BLOCKED,
  CLOUDFLARE_CHALLENGE,
  TWO_HOURS_AGO,
  accountFor,
  familyHarness,
  rateLimited,
} from './mastodon-family.harness';

const adapter = new TruthSocialAdapter();
const VERIFY = 'GET /api/v1/accounts/verify_credentials';
const GEO_BLOCK =
  '<!DOCTYPE html><html><head><title>Truth Social</title></head><body>Truth Social is unavailable in your area.</body></html>';

// §3.2 table, row by row (shared 401/429 rows come from the harness).
const rows: ErrorRow[] = [
  { row: '200 {} (trap), first sight', fault: { status: 200, body: {} }, expect: 'ambiguous' },
  {
    row: '200 {} again after an ambiguous attempt',
    fault: { status: 200, body: {} },
    req: { previousAmbiguous: true, attempt: 2 },
    expect: 'reauth',
  },
  {
    row: '422 {"error"} no valid user',
    fault: mastodonError(422, 'This method requires an authenticated user'),
    expect: 'reauth',
  },
  {
    row: '403 email unconfirmed',
    fault: mastodonError(403, 'Your login is missing a confirmed e-mail address'),
    expect: 'reauth',
  },
  {
    row: '403 pending approval',
    fault: mastodonError(403, 'Your login is currently pending approval'),
    expect: 'reauth',
  },
  {
    row: '403 SMS re-verification',
    fault: mastodonError(403, 'Please verify your phone number via SMS to continue'),
    expect: 'reauth',
  },
  { row: '403 geo-block page', fault: { status: 403, rawBody: GEO_BLOCK }, expect: 'reauth' },
  {
    row: '403 This action is not allowed',
    fault: mastodonError(403, 'This action is not allowed'),
    expect: 'permanent',
  },
  {
    row: '422 {error_message, error_code, error}',
    fault: {
      status: 422,
      body: { error: 'Validation failed', error_code: 'STATUS_TOO_LONG', error_message: 'Text is too long' },
    },
    expect: 'permanent',
  },
  { row: '404', fault: mastodonError(404, 'Record not found'), expect: 'permanent' },
  {
    row: '429 {"error"} + X-RateLimit-Reset in 5 min',
    fault: rateLimited(300),
    expect: 'rate-limited',
    retryAfterMs: 300_000,
    scope: 'account',
  },
  { row: 'Cloudflare "Just a moment" 403', fault: { status: 403, rawBody: CLOUDFLARE_CHALLENGE }, expect: 'transient' },
  {
    row: 'Cloudflare "you have been blocked" 403',
    fault: { status: 403, rawBody: CLOUDFLARE_BLOCKED },
    expect: 'transient',
  },
  { row: '503', fault: mastodonError(503, 'Service Unavailable'), expect: 'transient' },
  {
    row: '503 even after 1 h',
    fault: { status: 503, rawBody: CLOUDFLARE_CHALLENGE },
    req: { firstAttemptAt: TWO_HOURS_AGO() },
    expect: 'transient',
  },
  {
    row: '500 on publish < 1 h (same key is safe)',
    fault: mastodonError(500, 'Internal server error'),
    expect: 'transient',
  },
  {
    row: '500 on publish > 1 h',
    fault: mastodonError(500, 'Internal server error'),
    req: { firstAttemptAt: TWO_HOURS_AGO() },
    expect: 'ambiguous',
  },
  {
    row: 'verify_credentials 401 before publish',
    key: VERIFY,
    fault: mastodonError(401, 'The access token is invalid'),
    expect: 'reauth',
  },
  {
    row: 'verify_credentials 502 before publish',
    key: VERIFY,
    fault: mastodonError(502, 'Bad gateway'),
    expect: 'transient',
  },
];

runAdapterContract(familyHarness(adapter, { flavour: 'truthsocial' }, rows, 'transient'));

describe('truthsocial specifics', () => {
  let fake: MastodonFake;
  const start = async (opts: MastodonFakeOptions = {}) =>
    (fake = await MastodonFake.start({ flavour: 'truthsocial', ...opts }));
  afterEach(async () => fake?.stop());

  it('calls verify_credentials before each publish, which records the sign-in IP and avoids the trap', async () => {
    await start({ signInIpRecorded: false });
    await adapter.publish(publishRequest(), accountFor(fake), CTX);
    await adapter.publish(publishRequest(), accountFor(fake), CTX);
    const calls = fake.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls).toEqual([VERIFY, 'POST /api/v1/statuses', VERIFY, 'POST /api/v1/statuses']);
    expect(fake.statuses).toHaveLength(2);
  });

  it('a hostile account: {} is ambiguous first, then reauth "account restricted or sign-in IP missing"', async () => {
    await start({ hostile: true });
    const req = publishRequest();
    expectKind(await caught(() => adapter.publish(req, accountFor(fake), CTX)), 'ambiguous');
    expect(await adapter.reconcile(req, accountFor(fake), CTX)).toBeNull();
    const second = await caught(() =>
      adapter.publish({ ...req, attempt: 2, previousAmbiguous: true }, accountFor(fake), CTX),
    );
    expectKind(second, 'reauth');
    expect(second.message).toContain('account restricted or sign-in IP missing');
    const keys = fake.requestsTo('POST /api/v1/statuses').map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual([req.deliveryId, req.deliveryId]);
  });

  it('sends visibility public and counts a long URL with its preceding space as 24', async () => {
    await start();
    const url = `https://news.example/${'long/'.repeat(20)}`;
    const text = `${'a'.repeat(1000 - 1 - 24)} ${url}`;
    expect(adapter.measure(text)).toBe(1000 - 1);
    await adapter.publish(publishRequest({ text: `${text}!` }), accountFor(fake), CTX);
    expect(fake.requestsTo('POST /api/v1/statuses')[0].body).toMatchObject({ visibility: 'public' });
  });

  it('defaults to truthsocial.com with a 1000 limit', () => {
    expect(adapter.settingsFields).toEqual([
      expect.objectContaining({ name: 'apiBaseUrl', default: 'https://truthsocial.com' }),
    ]);
    expect(adapter.limits()).toMatchObject({ maxLength: 1000, counting: 'graphemes-url24-truthsocial' });
  });
});
