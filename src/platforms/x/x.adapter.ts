import { budgetKey, claimFence, scrub, tokenKey, verifyOutcome } from '../adapter-helpers';
import { fetchMedia } from '../http';
import {
  AccountRef,
  AdapterContext,
  AmbiguousError,
  CredentialSet,
  FieldSpec,
  PlatformAdapter,
  PlatformLimits,
  Pricing,
  PublishRequest,
  PublishResult,
  RateBudget,
  RemoteAccount,
  TransientError,
  VerifyResult,
} from '../platform';
import { OAUTH1_FIELDS, OAUTH2_FIELDS, authKind } from './x.auth';
import { XClient, X_DEFAULT_BASE } from './x.client';
import { X_MAX_WEIGHTED_LENGTH, countX } from './x.counting';
import { XTweet, tweetCreatedMs, tweetMatches } from './x.match';

const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const RECONCILE_PAGES = 3;
const PAGE_SIZE = 100;
/** Tolerated clock difference between us and X when asking for tweets since the first attempt. */
const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 24 * 3600_000;

function dataOf(json: unknown): Record<string, unknown> | null {
  const data = json && typeof json === 'object' ? (json as { data?: unknown }).data : undefined;
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
}

function idIn(json: unknown): string | null {
  const id = dataOf(json)?.id;
  return typeof id === 'string' && id ? id : null;
}

/** `https://x.com/{username}/status/{id}`, or the username-free form when verify has not told us the name. */
export function xPostUrl(id: string, username?: string): string {
  return username ? `https://x.com/${username}/status/${id}` : `https://x.com/i/web/status/${id}`;
}

/** X start_time wants `YYYY-MM-DDTHH:mm:ssZ` (no milliseconds). */
function startTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** X (§3.9): API v2 with OAuth 1.0a or OAuth 2.0 (rotating refresh tokens), twitter-text v3 counting, paid posts. */
export class XAdapter implements PlatformAdapter {
  readonly id = 'x' as const;
  readonly name = 'X';
  readonly kind = 'Official API v2 (pay-per-use)';
  readonly credentialFields: readonly FieldSpec[] = [
    { name: 'appKey', secret: true, required: false, description: 'OAuth 1.0a: API Key (consumer key) of the app' },
    { name: 'appSecret', secret: true, required: false, description: 'OAuth 1.0a: API Key Secret of the app' },
    {
      name: 'accessToken',
      secret: true,
      required: true,
      description: 'OAuth 1.0a Access Token of the posting account, or the OAuth 2.0 user access token',
    },
    { name: 'accessSecret', secret: true, required: false, description: 'OAuth 1.0a: Access Token Secret' },
    { name: 'clientId', secret: false, required: false, description: 'OAuth 2.0: Client ID of the app' },
    {
      name: 'clientSecret',
      secret: true,
      required: false,
      description: 'OAuth 2.0: Client Secret (confidential apps only; omit for a public client)',
    },
    {
      name: 'refreshToken',
      secret: true,
      required: false,
      description: 'OAuth 2.0: refresh token (scope offline.access); single-use, Crier stores each new one',
    },
    {
      name: 'expiresAt',
      secret: false,
      required: false,
      description: 'OAuth 2.0: when the access token expires (ISO 8601); unknown = refreshed on the first 401',
    },
  ];
  /**
   * Every set lists all the fields it may hold, since a valid account has a whole set and nothing outside it. The
   * two optional OAuth 2.0 fields (clientSecret: confidential apps only; expiresAt: unknown for a hand-pasted
   * token, written by Crier at every refresh) therefore give four OAuth 2.0 sets.
   */
  readonly credentialSets: readonly CredentialSet[] = [
    { name: 'OAuth 1.0a', fields: OAUTH1_FIELDS },
    {
      name: 'OAuth 2.0',
      fields: OAUTH2_FIELDS.filter((f) => f !== 'clientSecret' && f !== 'expiresAt'),
      optional: ['clientSecret', 'expiresAt'],
    },
  ];
  readonly settingsFields: readonly FieldSpec[] = [
    { name: 'apiBaseUrl', secret: false, required: false, description: 'API base URL', default: X_DEFAULT_BASE },
    {
      name: 'maxPostsPerDay',
      secret: false,
      required: false,
      description:
        'Most posts per rolling 24 hours for this account; X bills every post ($0.015, $0.20 with a link), ' +
        'so this caps the spend. Further deliveries wait for a free slot. Empty = no cap',
    },
  ];
  readonly pricing: Pricing = {
    perPostUsd: 0.015,
    perPostWithUrlUsd: 0.2,
    note: 'X pay-per-use API (since 2026-02-06); failed requests are free',
  };

  /**
   * POST /2/tweets (docs/PLATFORMS.md §3.9): 100 / 15 min per user, plus the older page's 300 / 3 h (we obey the
   * lower of both pages), and 10,000 / 24 h per app, which every account of the app spends. The user is the remote
   * id once verify learned it, else the OAuth 1.0a token's digest (one user, never rotated), else Crier's account id
   * (an OAuth 2.0 token rotates every 2 h). The app is the digest of its key (OAuth 1.0a) or client id (OAuth 2.0):
   * the same app under both kinds counts twice, which only the platform's 429 can tell us.
   */
  budgets(account: AccountRef): RateBudget[] {
    const base = account.settings.apiBaseUrl || X_DEFAULT_BASE;
    const creds = account.credentials;
    const oauth1 = authKind(creds) === 'oauth1';
    const remoteId = account.remote?.id;
    const user = budgetKey(
      base,
      remoteId
        ? `user:${remoteId}`
        : oauth1 && creds.accessToken
          ? tokenKey(creds.accessToken)
          : `account:${account.accountId}`,
    );
    const appId = oauth1 ? creds.appKey : creds.clientId;
    return [
      { scope: 'account', key: user, max: 100, windowMs: 15 * 60_000 },
      { scope: 'account', key: user, max: 300, windowMs: 3 * 3600_000 },
      ...(appId
        ? [{ scope: 'app' as const, key: budgetKey(base, tokenKey(appId)), max: 10_000, windowMs: DAY_MS }]
        : []),
    ];
  }

  limits(): PlatformLimits {
    return { maxLength: X_MAX_WEIGHTED_LENGTH, counting: 'twitter-text-v3', maxImages: 4, video: false };
  }

  measure(text: string): number {
    return countX(text);
  }

  async publish(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult> {
    const x = await XClient.open(account, ctx);
    const mediaId = req.article?.imageUrl ? await this.uploadImage(x, req.article.imageUrl, ctx, req) : null;
    const res = await x.send('POST', '/2/tweets', {
      phase: 'publish',
      json: {
        text: req.text,
        ...(mediaId ? { media: { media_ids: [mediaId] } } : {}),
        // Threads: each later part replies to the one before.
        ...(req.inReplyToId ? { reply: { in_reply_to_tweet_id: req.inReplyToId } } : {}),
      },
      // No idempotency key on X: an answer lost after sending may hide a created post.
      onSent: (_f, message) => new AmbiguousError(message),
      // The fence before the irreversible call: after the token refresh and the media upload, right before the tweet
      // (this part of a thread) is created, and again before a resend after a 401 refresh. Passes through unchanged.
      fence: claimFence(ctx),
    });
    if (res.status < 200 || res.status >= 300) throw x.fail(res, 'publish', req);
    const id = idIn(res.json);
    if (!id) throw new AmbiguousError(`x publish: HTTP ${res.status} without data.id`, res.status);
    return { remoteId: id, remoteUrl: xPostUrl(id, account.remote?.username) };
  }

  async verify(account: AccountRef, ctx: AdapterContext): Promise<VerifyResult> {
    return verifyOutcome(async () => {
      const me = await this.me(await XClient.open(account, ctx));
      const remoteAccount: RemoteAccount = {
        id: me.id,
        username: typeof me.username === 'string' ? me.username : undefined,
        name: typeof me.name === 'string' ? me.name : undefined,
      };
      return { ok: true, checked: true, remoteAccount };
    });
  }

  /** Owned read `GET /2/users/{id}/tweets` since the first attempt (minus clock skew), up to 300 tweets. */
  async reconcile(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult | null> {
    const x = await XClient.open(account, ctx);
    const userId = account.remote?.id ?? (await this.me(x)).id;
    const since = req.firstAttemptAt.getTime() - CLOCK_SKEW_MS;
    const query: Record<string, string> = {
      max_results: String(PAGE_SIZE),
      start_time: startTime(since),
      'tweet.fields': 'created_at,entities',
    };
    for (let page = 0; page < RECONCILE_PAGES; page++) {
      const res = await x.send('GET', `/2/users/${encodeURIComponent(userId)}/tweets`, { phase: 'read', query });
      if (res.status !== 200) throw x.fail(res, 'read', req);
      const body = (res.json ?? {}) as { data?: unknown; meta?: { next_token?: unknown } };
      if (body.data !== undefined && !Array.isArray(body.data)) {
        throw new TransientError('x read: tweets list is not an array', res.status);
      }
      for (const tweet of (body.data ?? []) as XTweet[]) {
        const created = tweetCreatedMs(tweet);
        if (typeof tweet.id === 'string' && !(created < since) && tweetMatches(tweet, req)) {
          return { remoteId: tweet.id, remoteUrl: xPostUrl(tweet.id, account.remote?.username) };
        }
      }
      const next = body.meta?.next_token;
      if (typeof next !== 'string' || !next) return null;
      query.pagination_token = next;
    }
    // Over 300 tweets since the first attempt without a match: call it not found.
    return null;
  }

  /** `GET /2/users/me`; an answer without `data.id` proves nothing. */
  private async me(x: XClient): Promise<Record<string, unknown> & { id: string }> {
    const res = await x.send('GET', '/2/users/me', { phase: 'verify' });
    if (res.status !== 200) throw x.fail(res, 'verify');
    const id = idIn(res.json);
    if (!id) throw new TransientError('x verify: answer without data.id', res.status);
    return { ...dataOf(res.json), id };
  }

  /** `POST /2/media/upload` multipart (`media`, `media_category=tweet_image`) → the string `data.id`. */
  private async uploadImage(x: XClient, url: string, ctx: AdapterContext, req: PublishRequest): Promise<string> {
    const media = await fetchMedia(url, {
      timeoutMs: ctx.timeoutMs,
      maxBytes: MAX_IMAGE_BYTES,
      allowPrivateAddresses: ctx.allowPrivateAddresses,
    });
    const form = new FormData();
    form.append('media', new Blob([media.bytes], { type: media.contentType }), media.filename);
    form.append('media_category', 'tweet_image');
    const res = await x.send('POST', '/2/media/upload', { phase: 'media', form });
    if (res.status < 200 || res.status >= 300) throw x.fail(res, 'media', req);
    const id = idIn(res.json);
    // An orphaned upload is harmless (rule 4): try the whole publish again later.
    if (!id) throw scrub(new TransientError(`x media: HTTP ${res.status} without data.id`, res.status), x.secrets);
    return id;
  }
}
