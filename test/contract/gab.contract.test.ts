import { GabAdapter } from '../../src/platforms/gab/gab.adapter';
import { GabTvAdapter } from '../../src/platforms/gabtv/gabtv.adapter';
import { MastodonFake, MastodonFakeOptions, mastodonError } from '../fakes/mastodon.fake';
import { ErrorRow, runAdapterContract } from './adapter-contract';
import { ARTICLE_URL, CTX, PNG_1X1, caught, expectKind, publishRequest } from './contract-support';
import { CLOUDFLARE_BLOCKED, CLOUDFLARE_CHALLENGE, accountFor, familyHarness } from './mastodon-family.harness';

const adapter = new GabAdapter();
const MEDIA = 'POST /api/v1/media';
const limitText = (window: string) => `Validation failed: ${window} status limit reached. Please slow down.`;

// §3.3 table, row by row (shared 401/429 rows come from the harness).
const rows: ErrorRow[] = [
  { row: '403 Unauthorized app', fault: mastodonError(403, 'Unauthorized app'), expect: 'reauth' },
  {
    row: '403 outside the authorized scopes',
    fault: mastodonError(403, 'This action is outside the authorized scopes'),
    expect: 'reauth',
  },
  {
    row: '422 requires an authenticated user',
    fault: mastodonError(422, 'This method requires an authenticated user'),
    expect: 'reauth',
  },
  { row: '403 login disabled', fault: mastodonError(403, 'Your login is currently disabled'), expect: 'reauth' },
  {
    row: '403 account flagged as spam',
    fault: mastodonError(403, 'Your account has been flagged as spam. Please contact support@gab.com.'),
    expect: 'reauth',
  },
  {
    row: '403 pending approval',
    fault: mastodonError(403, 'Your login is currently pending approval'),
    expect: 'reauth',
  },
  {
    row: '422 Minute by minute',
    fault: mastodonError(422, limitText('Minute by minute')),
    expect: 'rate-limited',
    scope: 'account',
    retryAfterMs: 60_000,
  },
  {
    row: '422 Semi-hourly',
    fault: mastodonError(422, limitText('Semi-hourly')),
    expect: 'rate-limited',
    scope: 'account',
    retryAfterMs: 1_800_000,
  },
  {
    row: '422 Hourly',
    fault: mastodonError(422, limitText('Hourly')),
    expect: 'rate-limited',
    scope: 'account',
    retryAfterMs: 3_600_000,
  },
  {
    row: '422 Daily',
    fault: mastodonError(422, limitText('Daily')),
    expect: 'rate-limited',
    scope: 'account',
    retryAfterMs: 86_400_000,
  },
  {
    row: '422 several windows joined → longest',
    fault: mastodonError(422, `${limitText('Minute by minute')}, Semi-hourly status limit reached. Please slow down.`),
    expect: 'rate-limited',
    scope: 'account',
    retryAfterMs: 1_800_000,
  },
  {
    row: '422 other Validation failed',
    fault: mastodonError(422, 'Validation failed: Text character limit of 5000 exceeded'),
    expect: 'permanent',
  },
  {
    row: '422 Cannot attach more than 8 files',
    fault: mastodonError(422, 'Cannot attach more than 8 files'),
    expect: 'permanent',
  },
  {
    row: '422 Media could not be attached.',
    fault: mastodonError(422, 'Media could not be attached.'),
    expect: 'permanent',
  },
  {
    row: '403 copy and paste (first attempt)',
    fault: mastodonError(403, 'Please do not copy and paste the same message over and over.'),
    expect: 'permanent',
  },
  {
    row: '403 copy and paste after an ambiguous attempt',
    fault: mastodonError(403, 'Please do not copy and paste the same message over and over.'),
    req: { previousAmbiguous: true, attempt: 2 },
    expect: 'ambiguous',
  },
  {
    row: '403 link flagged as spam',
    fault: mastodonError(
      403,
      'A link you are trying to post has been flagged as spam, if you believe this is a mistake please contact support@gab.com.',
    ),
    expect: 'permanent',
  },
  { row: '403 too many mentions', fault: mastodonError(403, 'Too many @mentions in one post'), expect: 'permanent' },
  {
    row: '403 confirm email',
    fault: mastodonError(403, 'Your login is missing a confirmed e-mail address'),
    expect: 'permanent',
  },
  { row: '404', fault: mastodonError(404, 'Record not found'), expect: 'permanent' },
  {
    row: '503 Remote data could not be fetched',
    fault: mastodonError(503, 'Remote data could not be fetched'),
    expect: 'transient',
  },
  { row: 'Cloudflare 403 HTML', fault: { status: 403, rawBody: CLOUDFLARE_BLOCKED }, expect: 'transient' },
  { row: 'Cloudflare 429 HTML', fault: { status: 429, rawBody: CLOUDFLARE_CHALLENGE }, expect: 'transient' },
  { row: '500 on publish (no idempotency)', fault: mastodonError(500, 'Internal server error'), expect: 'ambiguous' },
  {
    row: 'media 422 content type or file name error',
    key: MEDIA,
    withImage: true,
    fault: mastodonError(422, 'content type or file name error'),
    expect: 'permanent',
  },
  {
    row: 'media 422 metadata error',
    key: MEDIA,
    withImage: true,
    fault: mastodonError(422, 'metadata error'),
    expect: 'permanent',
  },
  {
    row: 'media 400 format error',
    key: MEDIA,
    withImage: true,
    fault: mastodonError(400, 'format error'),
    expect: 'permanent',
  },
  ...['storage error', 'command error', 'server error 1', 'server error 2'].map((error): ErrorRow => ({
    row: `media 500 ${error}`,
    key: MEDIA,
    withImage: true,
    fault: mastodonError(500, error),
    expect: 'transient',
  })),
];

runAdapterContract(familyHarness(adapter, { flavour: 'gab' }, rows, 'ambiguous'));

describe('gab specifics', () => {
  let fake: MastodonFake;
  const start = async (opts: MastodonFakeOptions = {}) =>
    (fake = await MastodonFake.start({ flavour: 'gab', ...opts }));
  afterEach(async () => fake?.stop());

  it('hits the platform’s own per-minute cap as rate-limited 60 s', async () => {
    await start({ gabCaps: { minute: 2, semiHourly: 100, hourly: 250, daily: 1500 } });
    for (let i = 0; i < 2; i++) await adapter.publish(publishRequest({ text: `post ${i}` }), accountFor(fake), CTX);
    const e = await caught(() => adapter.publish(publishRequest({ text: 'post 3' }), accountFor(fake), CTX));
    expectKind(e, 'rate-limited');
    expect(e).toMatchObject({ retryAfterMs: 60_000, scope: 'account' });
  });

  it('refuses the 4th identical text in 120 s; after an ambiguous attempt that is ambiguous', async () => {
    await start();
    const text = 'same words every time';
    for (let i = 0; i < 3; i++) await adapter.publish(publishRequest({ text }), accountFor(fake), CTX);
    expectKind(await caught(() => adapter.publish(publishRequest({ text }), accountFor(fake), CTX)), 'permanent');
    const retry = publishRequest({ text, previousAmbiguous: true, attempt: 2 });
    expectKind(await caught(() => adapter.publish(retry, accountFor(fake), CTX)), 'ambiguous');
    expect(fake.statuses).toHaveLength(3);
  });

  it('ignores Idempotency-Key: a resend creates a second status (why 5xx is ambiguous here)', async () => {
    await start();
    const req = publishRequest();
    await adapter.publish(req, accountFor(fake), CTX);
    await adapter.publish(req, accountFor(fake), CTX);
    expect(fake.statuses).toHaveLength(2);
  });

  it('uploads images through /api/v1/media (gab has no v2) and links posts as /{user}/posts/{id}', async () => {
    await start();
    const imageUrl = fake.hostFile('/img.png', PNG_1X1, 'image/png');
    const article = { url: ARTICLE_URL, title: 't', imageUrl, videoUrl: null, description: null };
    const result = await adapter.publish(publishRequest({ article }), accountFor(fake), CTX);
    expect(fake.requestsTo('POST /api/v2/media')).toHaveLength(0);
    expect(fake.requestsTo('POST /api/v1/media')).toHaveLength(1);
    expect(result.remoteUrl).toBe(`${fake.baseUrl}/crier/posts/${result.remoteId}`);
  });

  it('verify reports the account flags gabtv needs', async () => {
    await start({ account: { isPro: true } });
    const result = await adapter.verify(accountFor(fake), CTX);
    expect(result.remoteAccount).toMatchObject({ username: 'crier', is_pro: true, is_verified: false });
  });

  it('spends Gab’s four caps on one per-token key, the same one Gab TV spends', async () => {
    await start();
    const budgets = adapter.budgets(accountFor(fake));
    expect(budgets.map((b) => [b.scope, b.max, b.windowMs])).toEqual([
      ['account', 20, 60_000],
      ['account', 100, 1_800_000],
      ['account', 250, 3_600_000],
      ['account', 1500, 86_400_000],
    ]);
    expect(new Set(budgets.map((b) => b.key)).size).toBe(1);
    expect(new GabTvAdapter().budgets(accountFor(fake))).toEqual(budgets);
    expect(adapter.budgets(accountFor(fake, { token: 'another-token' }))[0].key).not.toBe(budgets[0].key);
  });

  it('defaults to gab.com with a 5000 limit', () => {
    expect(adapter.settingsFields).toEqual([
      expect.objectContaining({ name: 'apiBaseUrl', default: 'https://gab.com', required: false }),
    ]);
    expect(adapter.limits().maxLength).toBe(5000);
  });
});
