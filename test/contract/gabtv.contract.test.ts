import type { Fault } from '../fakes/fake-server';
import { mastodonError } from '../fakes/mastodon.fake';
import { PlatformErrorKind } from '../../src/platforms/platform';
import { ErrorRow, runAdapterContract } from './adapter-contract';
import { gabtvTestbed, videoArticle } from './gabtv-support';
import { CLOUDFLARE_BLOCKED, CLOUDFLARE_CHALLENGE, familyHarness } from './mastodon-family.harness';

/**
 * gabtv = a video status on Gab (§3.4): same host, token and error table as gab (§3.3), reached through verify,
 * media upload and status create. The contract suite runs with every request carrying the testbed video.
 */

const MEDIA = 'POST /api/v1/media';
const VERIFY = 'GET /api/v1/accounts/verify_credentials';
const bed = gabtvTestbed();
const limit = (window: string) => `Validation failed: ${window} status limit reached. Please slow down.`;
const copyPaste = 'Please do not copy and paste the same message over and over.';

const simple = (list: Array<[string, number, string, PlatformErrorKind]>): ErrorRow[] =>
  list.map(([row, status, error, expect]) => ({ row, fault: mastodonError(status, error), expect }));
const capped = (row: string, error: string, retryAfterMs: number): ErrorRow => ({
  row,
  fault: mastodonError(422, error),
  expect: 'rate-limited',
  retryAfterMs,
});
const media = (status: number, error: string, expect: PlatformErrorKind): ErrorRow => ({
  row: `media ${status} ${error}`,
  key: MEDIA,
  fault: mastodonError(status, error),
  expect,
});
const freeAccount: Fault = {
  status: 200,
  body: { id: '42', username: 'crier', is_pro: false, is_verified: false, is_donor: false, is_investor: false },
};

// §3.3 (gab) rows, each through the gabtv flow; the shared 401/429 rows come from the family harness.
const rows: ErrorRow[] = [
  ...simple([
    ['403 Unauthorized app', 403, 'Unauthorized app', 'reauth'],
    ['403 outside the authorized scopes', 403, 'This action is outside the authorized scopes', 'reauth'],
    ['422 requires an authenticated user', 422, 'This method requires an authenticated user', 'reauth'],
    ['403 login disabled', 403, 'Your login is currently disabled', 'reauth'],
    ['403 account flagged as spam', 403, 'Your account has been flagged as spam. Please contact support.', 'reauth'],
    ['403 pending approval', 403, 'Your login is currently pending approval', 'reauth'],
    ['422 other Validation failed', 422, 'Validation failed: Text character limit of 5000 exceeded', 'permanent'],
    ['422 Cannot attach more than 8 files', 422, 'Cannot attach more than 8 files', 'permanent'],
    ['422 Media could not be attached.', 422, 'Media could not be attached.', 'permanent'],
    ['403 copy and paste (first attempt)', 403, copyPaste, 'permanent'],
    ['403 link flagged as spam', 403, 'A link you are trying to post has been flagged as spam.', 'permanent'],
    ['403 too many mentions', 403, 'Too many @mentions in one post', 'permanent'],
    ['403 confirm email', 403, 'Your login is missing a confirmed e-mail address', 'permanent'],
    ['404', 404, 'Record not found', 'permanent'],
    ['503 Remote data could not be fetched', 503, 'Remote data could not be fetched', 'transient'],
    ['500 on the status create (no idempotency)', 500, 'Internal server error', 'ambiguous'],
  ]),
  capped('422 Minute by minute', limit('Minute by minute'), 60_000),
  capped('422 Semi-hourly', limit('Semi-hourly'), 1_800_000),
  capped('422 Hourly', limit('Hourly'), 3_600_000),
  capped('422 Daily', limit('Daily'), 86_400_000),
  capped('422 several windows → longest', `${limit('Minute by minute')}, ${limit('Semi-hourly').slice(19)}`, 1_800_000),
  {
    row: '403 copy and paste after an ambiguous attempt',
    fault: mastodonError(403, copyPaste),
    req: { previousAmbiguous: true, attempt: 2 },
    expect: 'ambiguous',
  },
  { row: 'Cloudflare 403 HTML', fault: { status: 403, rawBody: CLOUDFLARE_BLOCKED }, expect: 'transient' },
  { row: 'Cloudflare 429 HTML', fault: { status: 429, rawBody: CLOUDFLARE_CHALLENGE }, expect: 'transient' },
  media(422, 'content type or file name error', 'permanent'),
  media(422, 'metadata error', 'permanent'),
  media(400, 'format error', 'permanent'),
  ...['storage error', 'command error', 'server error 1', 'server error 2'].map((e) => media(500, e, 'transient')),
  { row: 'media upload answer lost (orphan is harmless)', key: MEDIA, fault: { drop: true }, expect: 'transient' },
  // §3.4's own rows (video size and type are in gabtv-video.contract.test.ts: they fail at the video host).
  { row: 'no PRO/Verified/Donor/Investor flag', key: VERIFY, fault: freeAccount, expect: 'reauth' },
  {
    row: 'verify 401 (bad token)',
    key: VERIFY,
    fault: mastodonError(401, 'The access token is invalid'),
    expect: 'reauth',
  },
];

runAdapterContract({
  ...familyHarness(bed.adapter, { flavour: 'gab', account: { isPro: true } }, rows, 'ambiguous'),
  article: () => videoArticle(bed.video.url),
  noImage: 'gabtv: the video is its only media',
  // The video comes from the video host, then goes up as media: both before the fence.
  offFakeRequests: () => bed.source.requests.length,
  threads: false,
});
