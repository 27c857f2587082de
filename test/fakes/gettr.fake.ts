import { FakeReply, FakeRequest, FakeServer, Fault } from './fake-server';

/**
 * A fake GETTR API (docs/PLATFORMS.md §3.6): `POST /u/post` with the form field `content` holding a JSON string, the
 * `x-app-auth` JSON header, `{_t:"xresp", rc:"OK", result}` / `{rc:"ERR", error:{_t:"xerr", code, emsg}}` bodies,
 * the empty-200 answer to a post with an empty optional field, the public `/s/uinf/:username` and the user's
 * post listing. `INCAPSULA_PAGE` / `incapsula()` reproduce the bot wall in front of it.
 */

export interface GettrFakeOptions {
  username?: string;
  token?: string;
  nickname?: string;
  /** Longest `txt` in UTF-16 units (777 and its unit are UNCONFIRMED on the real platform). */
  maxLength?: number;
  /** Other users /s/uinf knows (lowercase usernames). */
  otherUsers?: string[];
}

export interface GettrPost {
  id: string;
  /** `txt` exactly as received. */
  txt: string;
  uid: string;
  cdate: number;
  udate: number;
  ttl?: string;
  dsc?: string;
  previmg?: string;
  prevsrc?: string;
  /** The whole parsed `content` JSON, to assert the exact shape sent. */
  content: Record<string, unknown>;
}

export const DEFAULT_GETTR_USER = 'CrierNews';
export const DEFAULT_GETTR_TOKEN = 'eyJGZXR0clRva2VuIjoiZmFrZSJ9.crier-tests-0123456789';
export const INCAPSULA_PAGE =
  '<html style="height:100%"><head><META NAME="ROBOTS" CONTENT="NOINDEX, NOFOLLOW">' +
  '<meta name="format-detection" content="telephone=no"></head><body style="margin:0px;height:100%">' +
  '<iframe id="main-iframe" src="/_Incapsula_Resource?CWUDNSAI=24&incident_id=123000450012345678-987654321" ' +
  'frameborder=0 width="100%" height="100%">' +
  'Request unsuccessful. Incapsula incident ID: 123000450012345678-987654321</iframe></body></html>';
const OPTIONAL = ['ttl', 'dsc', 'previmg', 'prevsrc', 'imgs'] as const;

/** GETTR's error envelope: `failNext('POST /u/post', gettrError('E_AUTH', 'token expired', 401))`. */
export function gettrError(code: string, emsg: string, status = 200): Fault {
  return { status, body: xerr(code, emsg) };
}

/** The Incapsula bot wall (HTML, "Request unsuccessful"), 403 unless told otherwise. */
export function incapsula(status = 403): Fault {
  return { status, rawBody: INCAPSULA_PAGE };
}

function xerr(code: string, emsg: string): Record<string, unknown> {
  return { _t: 'xresp', rc: 'ERR', error: { _t: 'xerr', code, emsg } };
}

function ok(result: Record<string, unknown>): FakeReply {
  return { status: 200, body: { _t: 'xresp', rc: 'OK', result } };
}

export class GettrFake extends FakeServer {
  readonly username: string;
  readonly token: string;
  readonly nickname: string;
  readonly posts: GettrPost[] = [];
  maxLength: number;
  private readonly otherUsers: string[];
  private nextId = 0x1a2b3c;

  constructor(opts: GettrFakeOptions = {}) {
    super();
    this.username = opts.username ?? DEFAULT_GETTR_USER;
    this.token = opts.token ?? DEFAULT_GETTR_TOKEN;
    this.nickname = opts.nickname ?? 'Crier News';
    this.maxLength = opts.maxLength ?? 777;
    this.otherUsers = opts.otherUsers ?? [];
    this.route('POST', '/u/post', (req) => this.post(req));
    this.route('GET', '/s/uinf/:username', (req) => this.userInfo(req));
    this.route('GET', '/u/user/:username/posts', (req) => this.userPosts(req));
  }

  /** Creates and starts a fake: `const g = await GettrFake.start(); g.baseUrl`. */
  static async start(opts: GettrFakeOptions = {}): Promise<GettrFake> {
    const fake = new GettrFake(opts);
    await fake.start();
    return fake;
  }

  get uid(): string {
    return this.username.toLowerCase();
  }

  override reset(): void {
    super.reset();
    this.posts.length = 0;
  }

  protected notFound(): FakeReply {
    return { status: 404, body: xerr('E_NOT_FOUND', 'not found') };
  }

  /** The web client's header: a JSON string `{"user":"<lowercase username>","token":"…"}`. */
  private authOk(req: FakeRequest): boolean {
    try {
      const auth = JSON.parse(String(req.headers['x-app-auth'] ?? '')) as { user?: unknown; token?: unknown };
      return auth.user === this.uid && auth.token === this.token;
    } catch {
      return false;
    }
  }

  private post(req: FakeRequest): FakeReply {
    if (!this.authOk(req)) return { status: 401, body: xerr('E_AUTH', 'token invalid or expired, please login again') };
    const raw = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).content : undefined;
    let content: Record<string, unknown>;
    try {
      content = JSON.parse(String(raw)) as Record<string, unknown>;
    } catch {
      return { status: 400, body: xerr('E_BAD_REQUEST', 'content is not valid JSON') };
    }
    const data = (content?.data ?? {}) as Record<string, unknown>;
    if (content.serial !== 'post' || data._t !== 'post') {
      return { status: 400, body: xerr('E_BAD_REQUEST', 'not a post') };
    }
    if (data.uid !== this.uid) return { status: 403, body: xerr('E_AUTH', 'uid does not match the logged-in user') };
    // The real API's quiet refusal: an empty optional field (or no text at all) → 200 with an empty body.
    const emptyOptional = OPTIONAL.some((k) => k in data && isEmpty(data[k]));
    if (emptyOptional || typeof data.txt !== 'string' || !data.txt.trim()) {
      return { status: 200, rawBody: '', headers: { 'Content-Type': 'application/json' } };
    }
    if (data.txt.length > this.maxLength) {
      return ok200Err('E_INVALID_PARAM', `post text exceeds ${this.maxLength} characters`);
    }
    const now = Date.now();
    const post: GettrPost = {
      id: `p${(this.nextId++).toString(36)}`,
      txt: data.txt,
      uid: this.uid,
      cdate: typeof data.cdate === 'number' ? data.cdate : now,
      udate: typeof data.udate === 'number' ? data.udate : now,
      content,
    };
    for (const k of ['ttl', 'dsc', 'previmg', 'prevsrc'] as const) if (typeof data[k] === 'string') post[k] = data[k];
    this.posts.push(post);
    const { content: _c, id, ...fields } = post;
    return ok({ data: { _t: 'post', _id: id, ...fields }, aux: null, serial: 'post' });
  }

  private userInfo(req: FakeRequest): FakeReply {
    const name = req.params.username.toLowerCase();
    if (name !== this.uid && !this.otherUsers.includes(name)) return ok200Err('E_USER_NOTFOUND', 'user not found');
    const own = name === this.uid;
    return ok({
      data: {
        _t: 'uinf',
        _id: name,
        username: name,
        ousername: own ? this.username : name,
        nickname: own ? this.nickname : name,
        flg: 0,
      },
      aux: null,
      serial: 'user',
    });
  }

  /** Newest first, `offset`/`max` paging; `fp=f_uo` = the user's own posts. */
  private userPosts(req: FakeRequest): FakeReply {
    const name = req.params.username.toLowerCase();
    const offset = Number(req.query.offset ?? 0) || 0;
    const max = Math.min(Number(req.query.max ?? 20) || 20, 20);
    const mine = [...this.posts].reverse().filter((p) => p.uid === name);
    const page = mine.slice(offset, offset + max);
    const list = page.map((p) => ({
      _t: 'ufeed',
      activity: { _t: 'activity', action: 'pub_pst', tgt_id: p.id, tgt_type: 'post', src_id: p.uid, cdate: p.cdate },
    }));
    const post = Object.fromEntries(page.map(({ content: _c, id, ...p }) => [id, { _t: 'post', _id: id, ...p }]));
    return ok({ data: { _t: 'xarr', list }, aux: { post, s_pst: {}, uinf: {} }, serial: 'ufeed' });
  }
}

function ok200Err(code: string, emsg: string): FakeReply {
  return { status: 200, body: xerr(code, emsg) };
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}
