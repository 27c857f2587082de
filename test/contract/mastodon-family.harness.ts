import { AccountRef, PlatformAdapter, PlatformErrorKind } from '../../src/platforms/platform';
import type { Fault } from '../fakes/fake-server';
import { MastodonFake, MastodonFakeOptions, mastodonError } from '../fakes/mastodon.fake';
import { AdapterHarness, ContractFake, ErrorRow } from './adapter-contract';
import { ARTICLE_URL, isRequest } from './contract-support';

/** Contract harness pieces shared by mastodon, gab and truthsocial (one fake, three flavours). */

export function accountFor(fake: MastodonFake, opts: { token?: string; baseUrl?: string } = {}): AccountRef {
  return {
    accountId: `acc-${fake.flavour}`,
    credentials: { accessToken: opts.token ?? fake.accessToken },
    settings: { apiBaseUrl: opts.baseUrl ?? fake.baseUrl },
    remote: null,
  };
}

export function contractFake(fake: MastodonFake): ContractFake {
  return {
    server: fake,
    account: (opts) => accountFor(fake, opts),
    posted: () => fake.statuses.map((s) => ({ id: s.id, text: s.text, hasImage: s.mediaIds.length > 0 })),
  };
}

/** A 429 whose X-RateLimit-Reset is `seconds` from now (built when the test runs). */
export function rateLimited(seconds: number): () => Fault {
  return () =>
    mastodonError(429, 'Too many requests', {
      'X-RateLimit-Reset': new Date(Date.now() + seconds * 1000).toISOString(),
    });
}

export const TWO_HOURS_AGO = () => new Date(Date.now() - 2 * 3600_000);

export const CLOUDFLARE_CHALLENGE =
  '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser. Cloudflare Ray ID: 8a1b</body></html>';
export const CLOUDFLARE_BLOCKED =
  '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>Sorry, you have been blocked</body></html>';

/** Rows every flavour shares (§3.1 baseline rows that gab and truthsocial do not override). */
export function sharedRows(): ErrorRow[] {
  return [
    {
      row: '401 The access token is invalid',
      fault: mastodonError(401, 'The access token is invalid'),
      expect: 'reauth',
    },
    {
      row: '429 with X-RateLimit-Reset in 90 s, for this token',
      fault: rateLimited(90),
      expect: 'rate-limited',
      retryAfterMs: 90_000,
      scope: 'account',
    },
    {
      row: '429 without X-RateLimit-Reset (fallback 60 s)',
      fault: mastodonError(429, 'Too many requests'),
      expect: 'rate-limited',
      retryAfterMs: 60_000,
      scope: 'account',
    },
  ];
}

export function familyHarness(
  adapter: PlatformAdapter,
  fakeOptions: MastodonFakeOptions,
  errorRows: ErrorRow[],
  lostAnswerKind: PlatformErrorKind,
): AdapterHarness {
  return {
    adapter,
    start: async () => contractFake(await MastodonFake.start(fakeOptions)),
    publishKey: 'POST /api/v1/statuses',
    isCreate: isRequest('POST /api/v1/statuses'),
    // v2 (mastodon, truthsocial) or v1 (gab, gabtv): either way before the status.
    isMediaUpload: (r) => isRequest('POST /api/v2/media')(r) || isRequest('POST /api/v1/media')(r),
    // A thread's later parts reply to the one before (gabtv turns this off: a video status is never a thread).
    threads: true,
    sampleText:
      'Crier launches: café ☕ & <friends> 👨‍👩‍👧 https://news.example/a/very/long/path/for-the-article?utm=feed.',
    lengthParts: { prefix: 'Breaking 👨‍👩‍👧: ', filler: 'é', url: `${ARTICLE_URL}&padding=${'p'.repeat(40)}` },
    errorRows: [...sharedRows(), ...errorRows],
    noIdFault: { status: 200, body: { created_at: new Date().toISOString(), content: '<p>hi</p>' } },
    lostAnswerKind,
  };
}
