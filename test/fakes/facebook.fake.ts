import { FakeReply, FakeRequest, FakeServer, Fault } from './fake-server';

/**
 * A fake Facebook Graph API for one Page (docs/PLATFORMS.md §3.10): `/{version}/…` paths, `access_token` in the
 * query or the form body, `{"error":{message,type,code,error_subcode,fbtrace_id}}` errors, usage headers on every
 * answer, 506 for a repeated message, Business Use Case throttling (80001), published_posts and permalink reads.
 */

export interface FacebookFakeOptions {
  pageId?: string;
  pageName?: string;
  pageAccessToken?: string;
  /** A valid token of a person (not the Page): /me answers the user, posting to the Page answers (#200). */
  userAccessToken?: string;
  userId?: string;
  userName?: string;
  /** A repeated feed message inside this window answers (#506). Default 1 h. */
  duplicateWindowMs?: number;
  /** Longest message or caption (UNCONFIRMED on the real platform). Default 63,206 UTF-16 units. */
  maxMessageLength?: number;
  /** Business Use Case budget: more calls than this per window answer (#80001) with the wait in the header. */
  bucLimit?: { calls: number; windowMs: number };
}

export interface FacebookPost {
  /** `{pageId}_{postId}`: the id feed and photos answer with, and published_posts lists. */
  id: string;
  kind: 'feed' | 'photo';
  /** `message`, or the photo `caption`, exactly as received. */
  message: string;
  link?: string;
  photoUrl?: string;
  photoId?: string;
  createdAt: Date;
  permalinkUrl: string;
}

export const DEFAULT_PAGE_ID = '104857600123456';
export const DEFAULT_PAGE_TOKEN = 'EAAFakePageTokenForCrierTests0123456789abcdef';
export const DEFAULT_USER_TOKEN = 'EAAFakeUserTokenForCrierTests9876543210fedcba';
const VERSION = /^v\d+\.\d+$/;

let traceCounter = 0;
function trace(): string {
  return `AFake${(++traceCounter).toString(36).padStart(6, '0')}`;
}

/** A Graph error body: `failNext('feed', facebookError(368, 'It looks like you were misusing this feature'))`. */
export function facebookError(
  code: number,
  message: string,
  opts: { subcode?: number; type?: string; status?: number; regainMinutes?: number; userMsg?: string } = {},
): Fault {
  const reply = graphError(code, message, opts);
  if (opts.regainMinutes !== undefined) {
    reply.headers = { 'X-Business-Use-Case-Usage': bucHeader(DEFAULT_PAGE_ID, 100, opts.regainMinutes) };
  }
  return { status: reply.status, body: reply.body, headers: reply.headers };
}

function graphError(
  code: number,
  message: string,
  opts: { subcode?: number; type?: string; status?: number; userMsg?: string } = {},
): FakeReply {
  const status = opts.status ?? (code === 1 || code === 2 ? 500 : code >= 200 && code <= 299 ? 403 : 400);
  const error: Record<string, unknown> = {
    message,
    type: opts.type ?? 'OAuthException',
    code,
    ...(opts.subcode !== undefined ? { error_subcode: opts.subcode } : {}),
    ...(opts.userMsg ? { error_user_msg: opts.userMsg } : {}),
    fbtrace_id: trace(),
  };
  return { status, body: { error } };
}

function bucHeader(pageId: string, percent: number, regainMinutes: number): string {
  const usage = { type: 'pages', call_count: percent, total_cputime: 1, total_time: 1 };
  return JSON.stringify({ [pageId]: [{ ...usage, estimated_time_to_regain_access: regainMinutes }] });
}

/** Graph's `created_time` form: `2026-05-01T12:00:00+0000`. */
function graphTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '+0000');
}

export class FacebookFake extends FakeServer {
  readonly pageId: string;
  readonly pageName: string;
  readonly pageAccessToken: string;
  readonly userAccessToken: string;
  readonly userId: string;
  readonly userName: string;
  readonly posts: FacebookPost[] = [];
  duplicateWindowMs: number;
  maxMessageLength: number;
  bucLimit: { calls: number; windowMs: number };
  private nextId = 122_100_000_000_000_001n;
  private calls: number[] = [];

  constructor(opts: FacebookFakeOptions = {}) {
    super();
    this.pageId = opts.pageId ?? DEFAULT_PAGE_ID;
    this.pageName = opts.pageName ?? 'Crier Test Page';
    this.pageAccessToken = opts.pageAccessToken ?? DEFAULT_PAGE_TOKEN;
    this.userAccessToken = opts.userAccessToken ?? DEFAULT_USER_TOKEN;
    this.userId = opts.userId ?? '100012345678901';
    this.userName = opts.userName ?? 'Pat Publisher';
    this.duplicateWindowMs = opts.duplicateWindowMs ?? 3600_000;
    this.maxMessageLength = opts.maxMessageLength ?? 63_206;
    this.bucLimit = opts.bucLimit ?? { calls: 4800, windowMs: 3600_000 };
    // /me before /:objectId, which would otherwise swallow it.
    this.route('GET', '/:version/me', (req) => this.guard(req, false, () => this.me(req)));
    this.route('POST', '/:version/:pageId/feed', (req) => this.guard(req, true, () => this.feed(req)));
    this.route('POST', '/:version/:pageId/photos', (req) => this.guard(req, true, () => this.photos(req)));
    this.route('GET', '/:version/:pageId/published_posts', (req) => this.guard(req, true, () => this.list(req)));
    this.route('GET', '/:version/:objectId', (req) => this.guard(req, false, () => this.object(req)));
  }

  /** Creates and starts a fake: `const fb = await FacebookFake.start(); fb.baseUrl`. */
  static async start(opts: FacebookFakeOptions = {}): Promise<FacebookFake> {
    const fake = new FacebookFake(opts);
    await fake.start();
    return fake;
  }

  override reset(): void {
    super.reset();
    this.posts.length = 0;
    this.calls = [];
  }

  /** Fault keys besides "POST /:version/:pageId/feed": `feed`, `photos`, `me`, `published_posts`, `permalink`. */
  protected override extraKeys(req: FakeRequest): string[] {
    const parts = req.path.split('/').filter(Boolean);
    if (parts.length === 3) return [parts[2]];
    if (parts.length === 2) return [parts[1] === 'me' ? 'me' : 'permalink'];
    return [];
  }

  protected notFound(req: FakeRequest): FakeReply {
    return graphError(2500, `Unknown path components: ${req.path}`);
  }

  /** Version, token, Page and throttling checks every route shares; adds the usage headers to the answer. */
  private async guard(req: FakeRequest, pageRoute: boolean, handler: () => FakeReply | Promise<FakeReply>) {
    const reply = this.check(req, pageRoute) ?? (await handler());
    reply.headers = { ...this.usageHeaders(), ...reply.headers };
    return reply;
  }

  private check(req: FakeRequest, pageRoute: boolean): FakeReply | undefined {
    if (!VERSION.test(req.params.version)) return graphError(2500, `Unknown path components: /${req.params.version}`);
    const token = req.query.access_token ?? this.field(req, 'access_token');
    if (!token) return graphError(104, 'An access token is required to request this resource.');
    if (token !== this.pageAccessToken && token !== this.userAccessToken) {
      return graphError(190, 'Invalid OAuth access token - Cannot parse access token');
    }
    const now = Date.now();
    this.calls = this.calls.filter((t) => t > now - this.bucLimit.windowMs);
    if (this.calls.length >= this.bucLimit.calls) {
      const minutes = Math.max(1, Math.ceil((this.calls[0] + this.bucLimit.windowMs - now) / 60_000));
      const reply = graphError(80001, 'There have been too many calls to this Page account. Wait a bit and try again.');
      reply.headers = { 'X-Business-Use-Case-Usage': bucHeader(this.pageId, 100, minutes) };
      return reply;
    }
    this.calls.push(now);
    if (!pageRoute) return undefined;
    if (req.params.pageId !== this.pageId) return this.unsupported(req.method, req.params.pageId);
    if (token === this.userAccessToken && req.method === 'POST') {
      return graphError(
        200,
        '(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin ' +
          'with sufficient administrative permission',
      );
    }
    return undefined;
  }

  private me(req: FakeRequest): FakeReply {
    const token = req.query.access_token;
    const who =
      token === this.pageAccessToken
        ? { id: this.pageId, name: this.pageName }
        : { id: this.userId, name: this.userName };
    return { status: 200, body: pick(who, req.query.fields) };
  }

  private feed(req: FakeRequest): FakeReply {
    const message = this.field(req, 'message') ?? '';
    const link = this.field(req, 'link');
    if (!message && !link) return graphError(100, '(#100) Missing message or attachment');
    const invalid = this.tooLong(message, 'message');
    if (invalid) return invalid;
    if (link !== undefined && !/^https?:\/\/[^\s/]+\.[^\s]+$/i.test(link)) {
      return graphError(1609005, 'Error posting link: the link could not be fetched');
    }
    const since = Date.now() - this.duplicateWindowMs;
    const repeated = (p: FacebookPost) =>
      p.kind === 'feed' && p.message.trim() === message.trim() && p.createdAt.getTime() > since;
    if (message && this.posts.some(repeated)) return graphError(506, '(#506) Duplicate status message');
    const post = this.store('feed', message, { link });
    return { status: 200, body: { id: post.id } };
  }

  private async photos(req: FakeRequest): Promise<FakeReply> {
    const url = this.field(req, 'url');
    const caption = this.field(req, 'caption') ?? '';
    if (!url) return graphError(324, '(#324) Requires upload file');
    const invalid = this.tooLong(caption, 'caption');
    if (invalid) return invalid;
    // Facebook fetches the image itself; so does the fake (tests serve it with hostFile()).
    const fetched = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => null);
    if (!fetched?.ok || !String(fetched.headers.get('content-type')).startsWith('image/')) {
      return graphError(324, '(#324) Missing or invalid image file');
    }
    const photoId = String(this.nextId++);
    const post = this.store('photo', caption, { photoUrl: url, photoId });
    return { status: 200, body: { id: photoId, post_id: post.id } };
  }

  private list(req: FakeRequest): FakeReply {
    const since = Number(req.query.since ?? 0) * 1000;
    const limit = Math.min(Number(req.query.limit ?? 25) || 25, 100);
    const offset = req.query.after ? Number(Buffer.from(req.query.after, 'base64').toString()) || 0 : 0;
    const matching = [...this.posts].reverse().filter((p) => p.createdAt.getTime() >= since);
    const page = matching.slice(offset, offset + limit).map((p) => ({
      id: p.id,
      ...(p.message ? { message: p.message } : {}),
      created_time: graphTime(p.createdAt),
      permalink_url: p.permalinkUrl,
    }));
    const cursor = (n: number) => Buffer.from(String(n)).toString('base64');
    const paging: Record<string, unknown> = {
      cursors: { before: cursor(offset), after: cursor(offset + page.length) },
    };
    if (offset + limit < matching.length) paging.next = `${this.baseUrl}${req.path}?after=${cursor(offset + limit)}`;
    return { status: 200, body: { data: page, paging } };
  }

  private object(req: FakeRequest): FakeReply {
    const post = this.posts.find((p) => p.id === req.params.objectId);
    if (!post) return this.unsupported('GET', req.params.objectId);
    const body = pick({ id: post.id, permalink_url: post.permalinkUrl, message: post.message }, req.query.fields);
    return { status: 200, body };
  }

  private store(kind: FacebookPost['kind'], message: string, extra: Partial<FacebookPost>): FacebookPost {
    const local = String(this.nextId++);
    const post: FacebookPost = {
      id: `${this.pageId}_${local}`,
      kind,
      message,
      createdAt: new Date(),
      permalinkUrl: `https://www.facebook.com/${this.pageId}/posts/${local}`,
      ...extra,
    };
    this.posts.push(post);
    return post;
  }

  private tooLong(text: string, param: string): FakeReply | undefined {
    if (text.length <= this.maxMessageLength) return undefined;
    return graphError(100, `(#100) Param ${param} must be at most ${this.maxMessageLength} characters long`);
  }

  private unsupported(method: string, id: string): FakeReply {
    return graphError(
      100,
      `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to ` +
        'missing permissions, or does not support this operation.',
      { subcode: 33, type: 'GraphMethodException' },
    );
  }

  private field(req: FakeRequest, name: string): string | undefined {
    const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    const v = body[name];
    return typeof v === 'string' ? v : undefined;
  }

  private usageHeaders(): Record<string, string> {
    const percent = Math.min(100, Math.round((this.calls.length / this.bucLimit.calls) * 100));
    return {
      'X-App-Usage': JSON.stringify({ call_count: percent, total_cputime: 1, total_time: 1 }),
      'X-Business-Use-Case-Usage': bucHeader(this.pageId, percent, 0),
    };
  }
}

/** Graph answers only the requested `fields` (plus `id`). */
function pick(obj: Record<string, unknown>, fields: string | undefined): Record<string, unknown> {
  if (!fields) return { id: obj.id };
  const wanted = new Set(['id', ...fields.split(',').map((f) => f.trim())]);
  return Object.fromEntries(Object.entries(obj).filter(([k]) => wanted.has(k)));
}
