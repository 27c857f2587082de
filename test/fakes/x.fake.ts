import { randomBytes } from 'node:crypto';
import { parseTweet } from 'twitter-text';
import type { AccountRef, RemoteAccount } from '../../src/platforms/platform';
import { FakeReply, FakeRequest, FakeServer } from './fake-server';
import { DUPLICATE_DETAIL, invalidRequest, problem, renderTweet, unauthorized, X_FAULTS } from './x-fake.rules';
import { OAuth1Keys, verifyOAuth1 } from './x-oauth1.verifier';

export { X_FAULTS, resetAt, xProblem } from './x-fake.rules';

/**
 * A fake X API v2 (docs/PLATFORMS.md §3.9): `/2/tweets`, `/2/media/upload`, `/2/users/me`, `/2/users/:id/tweets` and
 * `/2/oauth2/token`. It checks OAuth 1.0a signatures for real (independent RFC 5849 code) and OAuth 2.0 Bearer
 * tokens that expire, with single-use refresh tokens; answers in X's problem-JSON shapes with rate-limit headers.
 */

export interface XFakeOptions {
  user?: { id?: string; username?: string; name?: string };
  oauth1?: Partial<OAuth1Keys>;
  /** OAuth 2.0 app: a confidential client (Basic auth at the token endpoint) unless clientSecret is null. */
  oauth2?: { clientId?: string; clientSecret?: string | null; accessTokenTtlMs?: number };
  /** The same text again within this window → 403 duplicate content (X's real window is undocumented). */
  duplicateWindowMs?: number;
  /** `POST /2/tweets` per user per 15 minutes (X: 100). */
  postsPerWindow?: number;
  /** 24-hour budgets behind the `x-user-limit-24hour-*` and `x-app-limit-24hour-*` headers. */
  postsPerDay?: { user?: number; app?: number };
  /** Refuse every reply with X's 403 "not summoned" answer (whether self-replies pass is UNCONFIRMED). */
  refuseReplies?: boolean;
}

export interface XFakeTweet {
  id: string;
  /** `text` exactly as received. */
  text: string;
  mediaIds: string[];
  createdAt: Date;
  /** Which credential kind created it. */
  auth: 'oauth1' | 'oauth2';
  /** `reply.in_reply_to_tweet_id`, when the tweet is a reply. */
  inReplyTo?: string;
}

export interface XFakeMedia {
  id: string;
  filename: string;
  type: string;
  size: number;
  category: string;
}

export interface OAuth2Pair {
  accessToken: string;
  refreshToken: string;
  /** ISO 8601, as Crier stores it. */
  expiresAt: string;
}

const WINDOW_MS = 15 * 60_000;
const DAY_MS = 24 * 3600_000;
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const MEDIA_CATEGORIES = ['tweet_image', 'tweet_gif', 'tweet_video', 'amplify_video', 'dm_image', 'subtitles'];

export class XFake extends FakeServer {
  readonly user: { id: string; username: string; name: string };
  readonly oauth1: OAuth1Keys;
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly tweets: XFakeTweet[] = [];
  readonly media: XFakeMedia[] = [];
  /** Calls to `POST /2/oauth2/token`, successful or not. */
  refreshCalls = 0;
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Set<string>();
  private readonly nonces = new Set<string>();
  private readonly opts: XFakeOptions;
  private nextId = 1_900_000_000_000_000_001n;
  private posts: Date[] = [];

  constructor(opts: XFakeOptions = {}) {
    super();
    this.opts = opts;
    this.user = { id: '1440000000000000001', username: 'crier_news', name: 'Crier News', ...opts.user };
    this.oauth1 = {
      appKey: 'fake-app-key-0123456789',
      appSecret: 'fake-app-secret-abcdefghijklmnopqrstuvwxyz',
      accessToken: `${this.user.id}-fakeAccessToken0123456789`,
      accessSecret: 'fake-access-secret-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      ...opts.oauth1,
    };
    this.clientId = opts.oauth2?.clientId ?? 'fake-client-id-QWERTYUIOP';
    this.clientSecret =
      opts.oauth2?.clientSecret === undefined ? 'fake-client-secret-0123456789abcdef' : opts.oauth2.clientSecret;
    this.route('POST', '/2/tweets', (req) => this.guard(req, (auth) => this.createTweet(req, auth)));
    this.route('POST', '/2/media/upload', (req) => this.guard(req, () => this.upload(req)));
    this.route('GET', '/2/users/me', (req) => this.guard(req, () => ({ status: 200, body: { data: this.user } })));
    this.route('GET', '/2/users/:id/tweets', (req) => this.guard(req, () => this.listTweets(req)));
    this.route('POST', '/2/oauth2/token', (req) => this.token(req));
  }

  static async start(opts: XFakeOptions = {}): Promise<XFake> {
    const fake = new XFake(opts);
    await fake.start();
    return fake;
  }

  override reset(): void {
    super.reset();
    this.tweets.length = 0;
    this.media.length = 0;
    this.posts = [];
    this.refreshCalls = 0;
  }

  /** OAuth 1.0a credentials the fake accepts, as an account holds them. */
  oauth1Credentials(): Record<string, string> {
    return { ...this.oauth1 };
  }

  /** Issues a fresh OAuth 2.0 pair; a negative `ttlMs` gives an access token that has already expired. */
  issueOAuth2Pair(ttlMs = this.opts.oauth2?.accessTokenTtlMs ?? 2 * 3600_000): OAuth2Pair {
    const accessToken = `fake-oauth2-access-${randomBytes(12).toString('hex')}`;
    const refreshToken = `fake-oauth2-refresh-${randomBytes(12).toString('hex')}`;
    const expires = Date.now() + ttlMs;
    this.accessTokens.set(accessToken, expires);
    this.refreshTokens.add(refreshToken);
    return { accessToken, refreshToken, expiresAt: new Date(expires).toISOString() };
  }

  /** A complete OAuth 2.0 account credential set (with clientSecret when the app is confidential). */
  oauth2Credentials(ttlMs?: number): Record<string, string> {
    return {
      clientId: this.clientId,
      ...(this.clientSecret ? { clientSecret: this.clientSecret } : {}),
      ...this.issueOAuth2Pair(ttlMs),
    };
  }

  /**
   * An account for the adapter. `token` replaces the access token (and, for OAuth 2.0, the refresh token too,
   * or the refresh would rightly repair it); `remote` is what a verify would have stored.
   */
  account(
    kind: 'oauth1' | 'oauth2',
    opts: { token?: string; baseUrl?: string; remote?: RemoteAccount; credentials?: Record<string, string> } = {},
  ): AccountRef {
    const base = opts.credentials ?? (kind === 'oauth1' ? this.oauth1Credentials() : this.oauth2Credentials());
    const bad = opts.token
      ? { accessToken: opts.token, ...(kind === 'oauth2' ? { refreshToken: `${opts.token}-refresh` } : {}) }
      : {};
    return {
      accountId: `acc-x-${kind}`,
      credentials: { ...base, ...bad },
      settings: { apiBaseUrl: opts.baseUrl ?? this.baseUrl },
      remote: opts.remote ?? null,
    };
  }

  /** Every access token issued so far stops working (as if revoked or expired early); refresh tokens stay. */
  expireAccessTokens(): void {
    for (const t of this.accessTokens.keys()) this.accessTokens.set(t, 0);
  }

  /** Every refresh token stops working (the user revoked the app). */
  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  protected notFound(): FakeReply {
    return { status: 404, body: { errors: [{ message: 'Sorry, that page does not exist', code: 34 }] } };
  }

  private guard(req: FakeRequest, handler: (auth: 'oauth1' | 'oauth2') => FakeReply): FakeReply {
    const header = String(req.headers.authorization ?? '');
    if (/^Bearer\s/i.test(header)) {
      const expires = this.accessTokens.get(header.slice(7).trim());
      return expires !== undefined && expires > Date.now() ? handler('oauth2') : unauthorized();
    }
    return verifyOAuth1(req, this.oauth1, this.nonces).ok ? handler('oauth1') : unauthorized();
  }

  private createTweet(req: FakeRequest, auth: 'oauth1' | 'oauth2'): FakeReply {
    const now = Date.now();
    this.posts = this.posts.filter((t) => now - t.getTime() < DAY_MS);
    const limits = this.rateHeaders(now);
    if (limits.exhausted) return { ...problem(429, 'Too Many Requests', 'Too Many Requests'), headers: limits.headers };
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as {
      text?: unknown;
      media?: { media_ids?: unknown };
      reply?: { in_reply_to_tweet_id?: unknown };
    };
    const inReplyTo = body.reply?.in_reply_to_tweet_id;
    if (inReplyTo !== undefined) {
      if (this.opts.refuseReplies) {
        const refused = X_FAULTS.replyNotAllowed();
        return {
          status: refused.status ?? 403,
          body: refused.body,
          headers: { ...refused.headers, ...limits.headers },
        };
      }
      if (!this.tweets.some((t) => t.id === inReplyTo))
        return invalidRequest('$.reply.in_reply_to_tweet_id: tweet not found');
    }
    const mediaIds = body.media?.media_ids ?? [];
    const reply = this.validateTweet(body.text, mediaIds);
    if (reply) return { ...reply, headers: limits.headers };
    const text = typeof body.text === 'string' ? body.text : '';
    const duplicate = this.tweets.some(
      (t) => t.text === text && text !== '' && now - t.createdAt.getTime() < (this.opts.duplicateWindowMs ?? 3600_000),
    );
    if (duplicate) return { ...problem(403, 'Forbidden', DUPLICATE_DETAIL), headers: limits.headers };
    const tweet: XFakeTweet = {
      id: String(this.nextId++),
      text,
      mediaIds: mediaIds as string[],
      createdAt: new Date(now),
      auth,
      ...(typeof inReplyTo === 'string' ? { inReplyTo } : {}),
    };
    this.tweets.push(tweet);
    this.posts.push(tweet.createdAt);
    const rendered = renderTweet(text, tweet.id, tweet.mediaIds.length > 0).text;
    const headers = this.rateHeaders(now).headers;
    return {
      status: 201,
      headers,
      body: { data: { id: tweet.id, text: rendered, edit_history_post_ids: [tweet.id] } },
    };
  }

  private validateTweet(text: unknown, mediaIds: unknown): FakeReply | null {
    if (text !== undefined && typeof text !== 'string') return invalidRequest('$.text: must be a string');
    if (!Array.isArray(mediaIds) || mediaIds.some((m) => typeof m !== 'string')) {
      return invalidRequest('$.media.media_ids: must be an array of strings');
    }
    if (mediaIds.length > 4) return invalidRequest('$.media.media_ids: size must be between 1 and 4');
    if (mediaIds.some((m) => !this.media.some((x) => x.id === m))) return invalidRequest('Your media IDs are invalid.');
    if (!text && !mediaIds.length) return invalidRequest('$.text: Tweet text is empty');
    if (text && !parseTweet(text).valid)
      return invalidRequest('$.text: Tweet text is too long or has invalid characters');
    return null;
  }

  /** X's headers: the 15-minute user window and the user and app 24-hour budgets. */
  private rateHeaders(now: number): { headers: Record<string, string>; exhausted: boolean } {
    const windowLimit = this.opts.postsPerWindow ?? 100;
    const inWindow = this.posts.filter((t) => now - t.getTime() < WINDOW_MS);
    const windowReset = inWindow.length ? inWindow[0].getTime() + WINDOW_MS : now + WINDOW_MS;
    const dayReset = this.posts.length ? this.posts[0].getTime() + DAY_MS : now + DAY_MS;
    const user = this.opts.postsPerDay?.user ?? 10_000;
    const app = this.opts.postsPerDay?.app ?? 10_000;
    const secs = (ms: number) => String(Math.ceil(ms / 1000));
    const left = (limit: number, used: number) => String(Math.max(0, limit - used));
    const headers = {
      'x-rate-limit-limit': String(windowLimit),
      'x-rate-limit-remaining': left(windowLimit, inWindow.length),
      'x-rate-limit-reset': secs(windowReset),
      'x-user-limit-24hour-limit': String(user),
      'x-user-limit-24hour-remaining': left(user, this.posts.length),
      'x-user-limit-24hour-reset': secs(dayReset),
      'x-app-limit-24hour-limit': String(app),
      'x-app-limit-24hour-remaining': left(app, this.posts.length),
      'x-app-limit-24hour-reset': secs(dayReset),
    };
    const exhausted = inWindow.length >= windowLimit || this.posts.length >= Math.min(user, app);
    return { headers, exhausted };
  }

  private upload(req: FakeRequest): FakeReply {
    const file = req.files.media;
    const fields = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, string>;
    if (!file) return invalidRequest('media: a media file is required');
    const category = fields.media_category ?? 'tweet_image';
    if (!MEDIA_CATEGORIES.includes(category)) return invalidRequest(`media_category: unknown ${category}`);
    if (!file.type.startsWith('image/')) return invalidRequest('media: unsupported media type');
    if (file.size > MAX_IMAGE_BYTES) return invalidRequest('media: image is larger than 5 MB');
    const media: XFakeMedia = {
      id: String(this.nextId++),
      filename: file.filename,
      type: file.type,
      size: file.size,
      category,
    };
    this.media.push(media);
    return {
      status: 200,
      body: {
        data: {
          id: media.id,
          media_key: `3_${media.id}`,
          size: media.size,
          expires_after_secs: 86_400,
          image: { image_type: file.type, w: 1, h: 1 },
        },
      },
    };
  }

  private listTweets(req: FakeRequest): FakeReply {
    const max = Number(req.query.max_results ?? 10);
    if (!Number.isInteger(max) || max < 5 || max > 100) return invalidRequest('max_results must be between 5 and 100');
    const start = req.query.start_time ? Date.parse(req.query.start_time) : -Infinity;
    if (Number.isNaN(start)) return invalidRequest('start_time must be a valid RFC 3339 date');
    const fields = (req.query['tweet.fields'] ?? '').split(',');
    const mine = req.params.id === this.user.id ? this.tweets : [];
    const all = mine.filter((t) => t.createdAt.getTime() >= start).reverse();
    const offset = req.query.pagination_token
      ? Number(Buffer.from(req.query.pagination_token, 'base64url').toString())
      : 0;
    const page = all.slice(offset, offset + max);
    if (!page.length) return { status: 200, body: { meta: { result_count: 0 } } };
    const data = page.map((t) => {
      const rendered = renderTweet(t.text, t.id, t.mediaIds.length > 0);
      return {
        id: t.id,
        text: rendered.text,
        edit_history_tweet_ids: [t.id],
        ...(fields.includes('created_at') ? { created_at: t.createdAt.toISOString() } : {}),
        ...(fields.includes('entities') && rendered.urls.length ? { entities: { urls: rendered.urls } } : {}),
      };
    });
    const next = offset + max < all.length ? Buffer.from(String(offset + max)).toString('base64url') : undefined;
    const meta = {
      result_count: data.length,
      newest_id: data[0].id,
      oldest_id: data.at(-1)!.id,
      ...(next ? { next_token: next } : {}),
    };
    return { status: 200, body: { data, meta } };
  }

  /** `POST /2/oauth2/token` grant_type=refresh_token: each refresh token works once, then a new pair. */
  private token(req: FakeRequest): FakeReply {
    this.refreshCalls++;
    const form = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, string>;
    const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    if (this.clientSecret !== null) {
      const expected = Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64');
      if (basic !== expected) {
        return {
          status: 401,
          body: { error: 'unauthorized_client', error_description: 'Missing valid authorization header' },
        };
      }
    } else if (form.client_id !== this.clientId) {
      return {
        status: 400,
        body: { error: 'invalid_request', error_description: 'Missing required parameter [client_id].' },
      };
    }
    if (form.grant_type !== 'refresh_token') {
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'Grant type is not supported.' },
      };
    }
    if (!form.refresh_token || !this.refreshTokens.delete(form.refresh_token)) {
      return {
        status: 400,
        body: { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' },
      };
    }
    const ttl = this.opts.oauth2?.accessTokenTtlMs ?? 2 * 3600_000;
    const pair = this.issueOAuth2Pair(ttl);
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        expires_in: Math.round(ttl / 1000),
        access_token: pair.accessToken,
        scope: 'tweet.write users.read tweet.read offline.access media.write',
        refresh_token: pair.refreshToken,
      },
    };
  }
}
