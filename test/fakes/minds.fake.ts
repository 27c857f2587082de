import { FakeReply, FakeRequest, FakeServer } from './fake-server';
import {
  ERROR_IDS,
  LEGACY_UNAUTHENTICATED,
  MAX_IMAGES,
  MESSAGE_LIMIT,
  MUST_VERIFY,
  V3_UNAUTHORIZED,
  asReply,
  fakeJwt,
  legacyError,
  mbStrlen,
  mindsError,
  oauthError,
  randomToken,
  rawurldecode,
} from './minds-fake.rules';

export { ERROR_IDS, legacyError, mindsError, oauthError } from './minds-fake.rules';

/**
 * A fake Minds (docs/PLATFORMS.md §3.5): the OAuth token endpoint (password grant, rotating single-use refresh tokens,
 * short-lived access tokens), personal API keys, `/api/v1/channel/me`, `PUT /api/v3/newsfeed/activity`,
 * `POST /api/v1/media` and the container activities feed, in Minds' own answer shapes.
 */

export interface MindsFakeOptions {
  username?: string;
  password?: string;
  userGuid?: string;
  name?: string;
  /** Valid personal API keys (`pak_…`). */
  apiKeys?: string[];
  /** Access token lifetime; Minds issues 72 h. Short values let tests see expiry. */
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
  /** The account has not confirmed its e-mail: every post answers 403 `must_verify`. */
  unverifiedEmail?: boolean;
}

export interface TokenCall {
  grant: string;
  ok: boolean;
  /** For refresh grants: why a refresh token was refused. */
  reason?: 'unknown' | 'reused' | 'expired' | 'revoked';
  at: Date;
}

export interface FakeActivity {
  guid: string;
  /** The message after the engine's rawurldecode: what readers see. */
  message: string;
  /** `message` exactly as it arrived in the request body. */
  rawMessage: string;
  accessId: string;
  url?: string;
  linkTitle?: string;
  linkDescription?: string;
  linkThumbnail?: string;
  attachmentGuids: string[];
  /** How the request authenticated. */
  auth: 'oauth' | 'apiKey';
  timeCreated: number;
}

export interface FakeMedia {
  guid: string;
  filename: string;
  type: string;
  size: number;
}

interface IssuedAccess {
  expiresAt: number;
  revoked: boolean;
}
interface IssuedRefresh {
  accessToken: string;
  expiresAt: number;
  used: boolean;
  revoked: boolean;
}

export const TOKEN_KEY = 'POST /api/v3/oauth/token';
export const PUBLISH_KEY = 'PUT /api/v3/newsfeed/activity';
export const MEDIA_KEY = 'POST /api/v1/media';
export const ME_KEY = 'GET /api/v1/channel/me';
export const FEED_KEY = 'GET /api/v2/feeds/container/:guid/activities';
export const DEFAULT_API_KEY = 'pak_fakeApiKey0123456789abcdef';

export class MindsFake extends FakeServer {
  readonly username: string;
  password: string;
  readonly userGuid: string;
  readonly name: string;
  readonly apiKeys: string[];
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  unverifiedEmail: boolean;
  readonly activities: FakeActivity[] = [];
  readonly media: FakeMedia[] = [];
  readonly tokenCalls: TokenCall[] = [];
  private readonly access = new Map<string, IssuedAccess>();
  private readonly refresh = new Map<string, IssuedRefresh>();
  private nextGuid = 1_650_000_000_000_000_001n;

  constructor(opts: MindsFakeOptions = {}) {
    super();
    this.username = opts.username ?? 'newsdesk';
    this.password = opts.password ?? 'correct-horse-battery-staple';
    this.userGuid = opts.userGuid ?? '1234567890123456789';
    this.name = opts.name ?? 'News Desk';
    this.apiKeys = opts.apiKeys ?? [DEFAULT_API_KEY];
    this.accessTtlSeconds = opts.accessTtlSeconds ?? 72 * 3600;
    this.refreshTtlSeconds = opts.refreshTtlSeconds ?? 30 * 24 * 3600;
    this.unverifiedEmail = opts.unverifiedEmail ?? false;
    this.defineRoutes();
  }

  static async start(opts: MindsFakeOptions = {}): Promise<MindsFake> {
    const fake = new MindsFake(opts);
    await fake.start();
    return fake;
  }

  override reset(): void {
    super.reset();
    this.activities.length = 0;
    this.media.length = 0;
    this.tokenCalls.length = 0;
    this.access.clear();
    this.refresh.clear();
  }

  /** Token requests made so far, optionally of one grant type. */
  tokenCallCount(grant?: 'password' | 'refresh_token'): number {
    return this.tokenCalls.filter((c) => !grant || c.grant === grant).length;
  }

  /** Issues a pair as a sign-in would (without logging a call): for seeding stored credentials in tests. */
  issueTokens(ttlSeconds = this.accessTtlSeconds): { accessToken: string; refreshToken: string; expiresIn: number } {
    const { access_token, refresh_token } = this.grant(ttlSeconds);
    return { accessToken: access_token, refreshToken: refresh_token, expiresIn: ttlSeconds };
  }

  /** Server-side sign-out of every session: access and refresh tokens stop working. */
  revokeAll(): void {
    for (const a of this.access.values()) a.revoked = true;
    for (const r of this.refresh.values()) r.revoked = true;
  }

  /** Revokes access tokens only (e.g. a key rotation): a refresh still works. */
  revokeAccessTokens(): void {
    for (const a of this.access.values()) a.revoked = true;
  }

  protected notFound(): FakeReply {
    return asReply(mindsError(404, 'Endpoint Not Found', 'Minds::Core::Router::Exceptions::NotFoundException'));
  }

  private defineRoutes(): void {
    this.route('POST', '/api/v3/oauth/token', (req) => this.token(req));
    this.route('GET', '/api/v1/channel/me', (req) => this.legacy(req, () => this.me()));
    this.route('POST', '/api/v1/media', (req) => this.legacy(req, () => this.upload(req)));
    this.route('GET', '/api/v2/feeds/container/:guid/activities', (req) => this.legacy(req, () => this.feed(req)));
    this.route('PUT', '/api/v3/newsfeed/activity', (req) => {
      const auth = this.authOf(req);
      return auth ? this.createActivity(req, auth) : asReply(V3_UNAUTHORIZED);
    });
  }

  /** Legacy routes fail auth as 403 `loggedin:false`, or 401 for mobile clients sending App-Version. */
  private legacy(req: FakeRequest, handle: () => FakeReply): FakeReply {
    if (this.authOf(req)) return handle();
    if (req.headers['app-version']) return asReply({ ...LEGACY_UNAUTHENTICATED, status: 401 });
    return asReply(LEGACY_UNAUTHENTICATED);
  }

  private authOf(req: FakeRequest): 'oauth' | 'apiKey' | null {
    const m = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''));
    if (!m) return null;
    if (this.apiKeys.includes(m[1])) return 'apiKey';
    const a = this.access.get(m[1]);
    return a && !a.revoked && a.expiresAt > Date.now() ? 'oauth' : null;
  }

  private grant(ttl = this.accessTtlSeconds) {
    const now = Date.now();
    const access_token = fakeJwt(this.userGuid, Math.floor(now / 1000) + ttl);
    const refresh_token = randomToken('def50200');
    this.access.set(access_token, { expiresAt: now + ttl * 1000, revoked: false });
    this.refresh.set(refresh_token, {
      accessToken: access_token,
      expiresAt: now + this.refreshTtlSeconds * 1000,
      used: false,
      revoked: false,
    });
    return { token_type: 'Bearer', expires_in: ttl, access_token, refresh_token };
  }

  private token(req: FakeRequest): FakeReply {
    const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, string>;
    const log = (ok: boolean, reason?: TokenCall['reason']) =>
      this.tokenCalls.push({ grant: b.grant_type ?? '', ok, reason, at: new Date() });
    if (b.client_id !== 'mobile') {
      log(false);
      return asReply(oauthError(401, 'invalid_client', 'Client authentication failed'));
    }
    if (b.grant_type === 'password') {
      const good = (b.username ?? '').toLowerCase() === this.username.toLowerCase() && b.password === this.password;
      log(good);
      if (!good) return asReply(oauthError(400, 'invalid_grant', 'The user credentials were incorrect.'));
      return { status: 200, body: { ...this.grant(), status: 'success' } };
    }
    if (b.grant_type === 'refresh_token') {
      const r = this.refresh.get(b.refresh_token ?? '');
      const reason = !r
        ? 'unknown'
        : r.used
          ? 'reused'
          : r.revoked
            ? 'revoked'
            : r.expiresAt <= Date.now()
              ? 'expired'
              : undefined;
      log(!reason, reason);
      if (reason || !r) {
        const hint = reason === 'expired' ? 'Token has expired' : 'Token has been revoked';
        return asReply(oauthError(400, 'invalid_grant', 'The refresh token is invalid.', hint));
      }
      // Rotation (league/oauth2-server): the old refresh token and its access token die with the new pair.
      r.used = true;
      const old = this.access.get(r.accessToken);
      if (old) old.revoked = true;
      return { status: 200, body: { ...this.grant(), status: 'success' } };
    }
    log(false);
    return asReply(oauthError(400, 'unsupported_grant_type', 'The authorization grant type is not supported.'));
  }

  private me(): FakeReply {
    const channel = {
      guid: this.userGuid,
      type: 'user',
      username: this.username,
      name: this.name,
      email_confirmed: !this.unverifiedEmail,
    };
    return { status: 200, body: { status: 'success', channel } };
  }

  private upload(req: FakeRequest): FakeReply {
    const file = req.files.file;
    if (!file) return asReply(legacyError('You must upload a file'));
    if (!file.type.startsWith('image/')) return asReply(legacyError('Invalid file type'));
    const m: FakeMedia = { guid: this.newGuid(), filename: file.filename, type: file.type, size: file.size };
    this.media.push(m);
    return {
      status: 200,
      body: { status: 'success', guid: m.guid, location: `${this.baseUrl}/fs/v1/thumbnail/${m.guid}` },
    };
  }

  private createActivity(req: FakeRequest, auth: 'oauth' | 'apiKey'): FakeReply {
    if (this.unverifiedEmail) return asReply(MUST_VERIFY);
    const p = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const rawMessage = str(p.message) ?? '';
    const message = rawurldecode(rawMessage);
    const attachmentGuids = Array.isArray(p.attachment_guids) ? p.attachment_guids.map(String) : [];
    const userError = (msg: string) => asReply(mindsError(400, msg, ERROR_IDS.userError, { errors: [] }));
    if (attachmentGuids.length) {
      if (attachmentGuids.some((g) => !this.media.some((m) => m.guid === g)))
        return userError('The attachment could not be found');
      if (attachmentGuids.length > MAX_IMAGES) return userError('You can not upload more 4 images');
    }
    if (mbStrlen(message) > MESSAGE_LIMIT) {
      return asReply(
        mindsError(400, `Invalid message. Must be between 0 and ${MESSAGE_LIMIT} characters.`, ERROR_IDS.length, {
          errors: [],
        }),
      );
    }
    const url = str(p.link_url) ?? str(p.url);
    if (!message.trim() && !attachmentGuids.length && !url)
      return userError('You must provide a message, a link or an attachment');
    const a: FakeActivity = {
      guid: this.newGuid(),
      message,
      rawMessage,
      accessId: String(p.access_id ?? '2'),
      attachmentGuids,
      auth,
      timeCreated: Math.floor(Date.now() / 1000),
    };
    // Link card fields are ignored on attachment posts (Activity Controller).
    if (url && !attachmentGuids.length) {
      a.url = rawurldecode(url);
      a.linkTitle = rawurldecode(str(p.link_title) ?? str(p.title) ?? '');
      a.linkDescription = rawurldecode(str(p.link_description) ?? str(p.description) ?? '');
      a.linkThumbnail = str(p.link_thumbnail) ?? str(p.thumbnail) ?? '';
    }
    this.activities.push(a);
    return { status: 200, body: this.exportActivity(a) };
  }

  /** Activity::export(), the fields that matter: guid as a string, time_created in seconds, perma_url = link. */
  exportActivity(a: FakeActivity): Record<string, unknown> {
    return {
      guid: a.guid,
      type: 'activity',
      owner_guid: this.userGuid,
      ownerObj: { guid: this.userGuid, username: this.username, name: this.name },
      message: a.message,
      access_id: a.accessId,
      time_created: String(a.timeCreated),
      perma_url: a.url ?? '',
      title: a.linkTitle ?? '',
      blurb: a.linkDescription ?? '',
      thumbnail_src: a.linkThumbnail ?? '',
      custom_type: a.attachmentGuids.length ? 'batch' : null,
      custom_data: a.attachmentGuids.map((guid) => ({ guid, src: `${this.baseUrl}/fs/v1/thumbnail/${guid}` })),
    };
  }

  private feed(req: FakeRequest): FakeReply {
    const limit = Math.min(Number(req.query.limit ?? 12) || 12, 150);
    const mine = req.params.guid === this.userGuid ? [...this.activities].reverse() : [];
    return {
      status: 200,
      body: { status: 'success', entities: mine.slice(0, limit).map((a) => this.exportActivity(a)), 'load-next': '' },
    };
  }

  private newGuid(): string {
    return String(this.nextGuid++);
  }
}
