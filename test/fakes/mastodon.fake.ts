import { FakeReply, FakeRequest, FakeServer, Fault } from './fake-server';
import {
  DEFAULT_GAB_CAPS,
  DEFAULT_MAX_CHARS,
  Flavour,
  GabCaps,
  gabCapError,
  renderContent,
  statusLength,
} from './mastodon-fake.rules';

export type { Flavour } from './mastodon-fake.rules';

/**
 * One fake for the Mastodon family (docs/PLATFORMS.md §3.1–3.3), with each flavour's quirks: mastodon's Idempotency-Key
 * replay and async v2 media, truthsocial's 200 `{}` trap, gab's 422 caps, copy-paste 403 and missing v2 media.
 */

export interface MastodonFakeOptions {
  flavour?: Flavour;
  accessToken?: string;
  account?: { id?: string; username?: string; displayName?: string; isPro?: boolean };
  /** The instance's `max_characters` (defaults: mastodon 500, gab 5000, truthsocial 1000). */
  maxCharacters?: number;
  /** Per-token request budget with X-RateLimit-* headers (mastodon, truthsocial). Default 300 / 5 min. */
  rateLimit?: { limit: number; windowMs: number };
  /** mastodon: v2 media answers 202, then GET /api/v1/media/:id answers 206 this many times before 200. */
  mediaProcessingPolls?: number;
  /** truthsocial: whether current_sign_in_ip is already recorded (else creates answer `{}` until verify). */
  signInIpRecorded?: boolean;
  /** truthsocial: "hostile" trust level, every create answers 200 `{}`. */
  hostile?: boolean;
  /** gab: per-window status caps (always enforced; default 20 / min, 100 / 30 min, 250 / h, 1500 / day). */
  gabCaps?: GabCaps;
}

export interface FakeStatus {
  id: string;
  /** The `status` text exactly as received. */
  text: string;
  content: string;
  visibility: string;
  mediaIds: string[];
  idempotencyKey?: string;
  /** `in_reply_to_id` as received (threads), if any. */
  inReplyToId?: string;
  createdAt: Date;
  url: string;
}

export interface FakeMedia {
  id: string;
  filename: string;
  type: string;
  size: number;
  pollsLeft: number;
}

export const DEFAULT_ACCESS_TOKEN = 'fake-access-token-0123456789abcdef';
const IDEMPOTENCY_TTL_MS = 3600_000;

/** `{"error": …}` answer, the family's error shape; e.g. `failNext('POST /api/v1/statuses', mastodonError(503, '…'))`. */
export function mastodonError(status: number, error: string, headers?: Record<string, string>): Fault {
  return { status, body: { error }, headers };
}

function err(status: number, error: string, extra: Record<string, unknown> = {}): FakeReply {
  return { status, body: { error, ...extra } };
}

export class MastodonFake extends FakeServer {
  readonly flavour: Flavour;
  readonly accessToken: string;
  readonly account: { id: string; username: string; displayName: string; isPro: boolean };
  readonly statuses: FakeStatus[] = [];
  readonly media: FakeMedia[] = [];
  maxCharacters: number;
  signInIpRecorded: boolean;
  hostile: boolean;
  /** How many requests the platform's own limits refused (gab's 422 caps, the 429 window; not scripted faults). */
  rateRefusals = 0;
  private readonly opts: MastodonFakeOptions;
  private nextId = 110_000_000_000_000_001n;
  private rateWindow = { start: Date.now(), count: 0 };
  private copyPaste = { text: '', count: 0, at: 0 };

  constructor(opts: MastodonFakeOptions = {}) {
    super();
    this.opts = opts;
    this.flavour = opts.flavour ?? 'mastodon';
    this.accessToken = opts.accessToken ?? DEFAULT_ACCESS_TOKEN;
    this.account = {
      id: opts.account?.id ?? '109000000000000042',
      username: opts.account?.username ?? 'crier',
      displayName: opts.account?.displayName ?? 'Crier Test',
      isPro: opts.account?.isPro ?? false,
    };
    this.maxCharacters = opts.maxCharacters ?? DEFAULT_MAX_CHARS[this.flavour];
    this.signInIpRecorded = opts.signInIpRecorded ?? false;
    this.hostile = opts.hostile ?? false;
    this.defineRoutes();
  }

  static async start(opts: MastodonFakeOptions = {}): Promise<MastodonFake> {
    const fake = new MastodonFake(opts);
    await fake.start();
    return fake;
  }

  override reset(): void {
    super.reset();
    this.statuses.length = 0;
    this.media.length = 0;
    this.rateWindow = { start: Date.now(), count: 0 };
    this.copyPaste = { text: '', count: 0, at: 0 };
    this.rateRefusals = 0;
  }

  protected notFound(): FakeReply {
    return err(404, 'Record not found');
  }

  private defineRoutes(): void {
    const authed = (h: (req: FakeRequest) => FakeReply) => (req: FakeRequest) =>
      this.guard(req) ?? this.withRateHeaders(h(req));
    this.route(
      'GET',
      '/api/v1/accounts/verify_credentials',
      authed(() => this.verifyCredentials()),
    );
    this.route('GET', '/api/v1/instance', () => ({ status: 200, body: this.instanceV1() }));
    if (this.flavour !== 'gab') {
      this.route('GET', '/api/v2/instance', () => ({ status: 200, body: this.instanceV2() }));
      this.route(
        'POST',
        '/api/v2/media',
        authed((req) => this.createMedia(req, true)),
      );
    }
    this.route(
      'POST',
      '/api/v1/media',
      authed((req) => this.createMedia(req, false)),
    );
    this.route(
      'GET',
      '/api/v1/media/:id',
      authed((req) => this.showMedia(req.params.id)),
    );
    this.route(
      'POST',
      '/api/v1/statuses',
      authed((req) => this.createStatus(req)),
    );
    this.route(
      'GET',
      '/api/v1/statuses/:id',
      authed((req) => this.showStatus(req.params.id)),
    );
    this.route(
      'GET',
      '/api/v1/accounts/:id/statuses',
      authed((req) => this.accountStatuses(req)),
    );
  }

  /** 401 on a missing or wrong Bearer token; 429 once the token's window budget is spent. */
  private guard(req: FakeRequest): FakeReply | undefined {
    const auth = String(req.headers.authorization ?? '');
    if (auth !== `Bearer ${this.accessToken}`) return err(401, 'The access token is invalid');
    if (this.flavour === 'gab') return undefined;
    const { limit, windowMs } = this.opts.rateLimit ?? { limit: 300, windowMs: 300_000 };
    if (Date.now() - this.rateWindow.start >= windowMs) this.rateWindow = { start: Date.now(), count: 0 };
    this.rateWindow.count++;
    if (this.rateWindow.count > limit) {
      this.rateRefusals++;
      return this.withRateHeaders(err(429, 'Too many requests'));
    }
    return undefined;
  }

  private withRateHeaders(reply: FakeReply): FakeReply {
    if (this.flavour === 'gab') return reply;
    const { limit, windowMs } = this.opts.rateLimit ?? { limit: 300, windowMs: 300_000 };
    const headers = {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(Math.max(0, limit - this.rateWindow.count)),
      'X-RateLimit-Reset': new Date(this.rateWindow.start + windowMs).toISOString(),
      ...reply.headers,
    };
    return { ...reply, headers };
  }

  private accountJson(): Record<string, unknown> {
    const a = this.account;
    const base = { id: a.id, username: a.username, acct: a.username, display_name: a.displayName };
    if (this.flavour !== 'gab') return base;
    return { ...base, is_pro: a.isPro, is_verified: false, is_donor: false, is_investor: false };
  }

  private verifyCredentials(): FakeReply {
    if (this.flavour === 'truthsocial') this.signInIpRecorded = true;
    return { status: 200, body: this.accountJson() };
  }

  private instanceV1(): Record<string, unknown> {
    return { uri: new URL(this.baseUrl).host, max_toot_chars: this.maxCharacters };
  }

  private instanceV2(): Record<string, unknown> {
    return {
      domain: new URL(this.baseUrl).host,
      configuration: {
        statuses: { max_characters: this.maxCharacters, max_media_attachments: 4, characters_reserved_per_url: 23 },
        media_attachments: { image_size_limit: 16 * 1024 * 1024 },
      },
    };
  }

  private createMedia(req: FakeRequest, v2: boolean): FakeReply {
    const file = req.files.file;
    if (!file) return err(422, "Validation failed: File can't be blank");
    if (!/^(image|video)\//.test(file.type)) {
      return err(
        422,
        this.flavour === 'gab' ? 'content type or file name error' : 'Validation failed: File content type is invalid',
      );
    }
    const polls = v2 && this.flavour === 'mastodon' ? (this.opts.mediaProcessingPolls ?? 0) : 0;
    const m: FakeMedia = {
      id: this.newId(),
      filename: file.filename,
      type: file.type,
      size: file.size,
      pollsLeft: polls,
    };
    this.media.push(m);
    return { status: polls > 0 ? 202 : 200, body: this.mediaJson(m) };
  }

  private mediaJson(m: FakeMedia): Record<string, unknown> {
    const url = m.pollsLeft > 0 ? null : `${this.baseUrl}/media/${m.id}/${m.filename}`;
    return { id: m.id, type: m.type.startsWith('video/') ? 'video' : 'image', url, preview_url: url };
  }

  private showMedia(id: string): FakeReply {
    const m = this.media.find((x) => x.id === id);
    if (!m) return err(404, 'Record not found');
    if (m.pollsLeft > 0) {
      m.pollsLeft--;
      return { status: 206, body: this.mediaJson({ ...m, pollsLeft: 1 }) };
    }
    return { status: 200, body: this.mediaJson(m) };
  }

  private createStatus(req: FakeRequest): FakeReply {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const text = typeof body.status === 'string' ? body.status : '';
    const visibility = typeof body.visibility === 'string' ? body.visibility : 'public';
    const mediaIds = ([] as unknown[]).concat(body.media_ids ?? body['media_ids[]'] ?? []).map(String);
    const key = this.flavour === 'gab' ? undefined : String(req.headers['idempotency-key'] ?? '') || undefined;

    // Truth Social's trap: nothing created, 200 with an empty object (§3.2).
    if (this.flavour === 'truthsocial' && (this.hostile || !this.signInIpRecorded)) return { status: 200, body: {} };
    if (key) {
      const earlier = this.statuses.find(
        (s) => s.idempotencyKey === key && Date.now() - s.createdAt.getTime() < IDEMPOTENCY_TTL_MS,
      );
      if (earlier) return { status: 200, body: this.statusJson(earlier) };
    }
    const rejected = this.validate(text, visibility, mediaIds);
    if (rejected) return rejected;

    const status: FakeStatus = {
      id: this.newId(),
      text,
      content: renderContent(text),
      visibility,
      mediaIds,
      idempotencyKey: key,
      inReplyToId:
        body.in_reply_to_id === undefined || body.in_reply_to_id === null ? undefined : String(body.in_reply_to_id),
      createdAt: new Date(),
      url: '',
    };
    status.url =
      this.flavour === 'gab'
        ? `${this.baseUrl}/${this.account.username}/posts/${status.id}`
        : `${this.baseUrl}/@${this.account.username}/${status.id}`;
    this.statuses.push(status);
    return { status: 200, body: this.statusJson(status) };
  }

  private validate(text: string, visibility: string, mediaIds: string[]): FakeReply | undefined {
    if (this.flavour === 'truthsocial' && !['public', 'group'].includes(visibility))
      return err(403, 'This action is not allowed');
    if (this.flavour === 'gab') {
      const cap = gabCapError(
        this.statuses.map((s) => s.createdAt),
        this.opts.gabCaps ?? DEFAULT_GAB_CAPS,
      );
      if (cap) {
        this.rateRefusals++;
        return err(422, cap);
      }
      // A 4th identical text within 120 s; every copy restarts the window.
      const now = Date.now();
      const same = this.copyPaste.text === text && now - this.copyPaste.at < 120_000;
      this.copyPaste = { text, count: same ? this.copyPaste.count + 1 : 1, at: now };
      if (this.copyPaste.count >= 4) return err(403, 'Please do not copy and paste the same message over and over.');
    }
    const invalid = (message: string) =>
      this.flavour === 'truthsocial'
        ? err(422, `Validation failed: ${message}`, { error_code: 'STATUS_INVALID', error_message: message })
        : err(422, `Validation failed: ${message}`);
    if (!text.trim() && mediaIds.length === 0) return invalid("Text can't be blank");
    if (statusLength(this.flavour, text) > this.maxCharacters)
      return invalid(`Text character limit of ${this.maxCharacters} exceeded`);
    const maxMedia = this.flavour === 'gab' ? 8 : 4;
    if (mediaIds.length > maxMedia) return err(422, `Cannot attach more than ${maxMedia} files`);
    for (const id of mediaIds) {
      const m = this.media.find((x) => x.id === id);
      if (!m) return err(422, 'Media could not be attached.');
      if (m.pollsLeft > 0)
        return err(422, 'Cannot attach files that have not finished processing. Try again in a moment!');
    }
    return undefined;
  }

  statusJson(s: FakeStatus): Record<string, unknown> {
    return {
      id: s.id,
      created_at: s.createdAt.toISOString(),
      content: s.content,
      visibility: s.visibility,
      in_reply_to_id: s.inReplyToId ?? null,
      url: s.url,
      uri: s.url,
      account: this.accountJson(),
      media_attachments: s.mediaIds.map((id) => this.mediaJson(this.media.find((m) => m.id === id)!)),
      card: null,
    };
  }

  private showStatus(id: string): FakeReply {
    const s = this.statuses.find((x) => x.id === id);
    return s ? { status: 200, body: this.statusJson(s) } : err(404, 'Record not found');
  }

  private accountStatuses(req: FakeRequest): FakeReply {
    if (req.params.id !== this.account.id) return err(404, 'Record not found');
    const limit = Math.min(Number(req.query.limit ?? 20) || 20, 40);
    const maxId = req.query.max_id ? BigInt(req.query.max_id) : null;
    const list = [...this.statuses]
      .reverse()
      .filter((s) => maxId === null || BigInt(s.id) < maxId)
      .slice(0, limit);
    return { status: 200, body: list.map((s) => this.statusJson(s)) };
  }

  private newId(): string {
    return String(this.nextId++);
  }
}
