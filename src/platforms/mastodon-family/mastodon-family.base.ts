import { baseUrl, claimFence, credential, scrub, secretsOf, tokenBudgetKey, verifyOutcome } from '../adapter-helpers';
import { HttpResponse, NetworkFailure, fetchMedia, request } from '../http';
import {
  AccountRef,
  AdapterContext,
  AmbiguousError,
  CountingRule,
  FieldSpec,
  PlatformAdapter,
  PlatformError,
  PlatformLimits,
  PublishRequest,
  PublishResult,
  RateBudget,
  RemoteAccount,
  TransientError,
  VerifyResult,
} from '../platform';
import {
  CallPhase,
  FailureContext,
  IDEMPOTENCY_TRUST_MS,
  classifyMastodon,
  maybePosted,
} from './mastodon-family.errors';
import { RemoteStatus, createdAtMs, statusMatches } from './mastodon-family.match';

/** What distinguishes one Mastodon-family platform from another, besides its error refinements. */
export interface MastodonFlavour {
  id: 'mastodon' | 'gab' | 'truthsocial';
  name: string;
  kind: string;
  /** Absent for mastodon: every instance is someone's own server. */
  defaultBaseUrl?: string;
  defaultMaxLength: number;
  counting: CountingRule;
  maxImages: number;
  maxImageBytes: number;
  /** `/api/v2/media` (async, 202 + poll) or `/api/v1/media` (sync; gab has no v2). */
  mediaPath: '/api/v1/media' | '/api/v2/media';
  /** Honours `Idempotency-Key` for an hour (mastodon, truthsocial); gab ignores it. */
  idempotent: boolean;
}

/** A session: one account's base URL, token and timeout for the duration of one adapter call. */
export class MastodonApi {
  constructor(
    readonly base: string,
    private readonly token: string,
    private readonly timeoutMs: number,
    readonly secrets: readonly string[],
    private readonly platform: string,
    /** `ctx.allowPrivateApiAddresses` (see HttpCall.allowPrivateAddresses). */
    readonly allowPrivateAddresses = false,
  ) {}

  send(
    method: 'GET' | 'POST',
    path: string,
    opts: {
      phase: CallPhase;
      json?: unknown;
      form?: FormData;
      headers?: Record<string, string>;
      onSent?: (f: NetworkFailure, m: string) => PlatformError;
      /** `claimFence(ctx)` on the status create only (see HttpCall.fence). */
      fence?: () => Promise<void>;
    },
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, ...opts.headers };
    if (opts.json !== undefined) headers['Content-Type'] = 'application/json';
    return request({
      method,
      url: this.base + path,
      label: `${this.platform} ${opts.phase}`,
      timeoutMs: this.timeoutMs,
      allowPrivateAddresses: this.allowPrivateAddresses,
      headers,
      body: opts.json ?? opts.form,
      secrets: this.secrets,
      onSent: opts.onSent,
      fence: opts.fence,
    });
  }
}

export function idOf(json: unknown): string | null {
  const id = json && typeof json === 'object' ? (json as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id ? id : typeof id === 'number' ? String(id) : null;
}

/** `<deliveryId>` for a single post and a thread's part 1, `<deliveryId>:<k>` for part k > 1. */
export function idempotencyKey(req: PublishRequest): string {
  return req.partIndex && req.partIndex > 1 ? `${req.deliveryId}:${req.partIndex}` : req.deliveryId;
}

const MEDIA_POLL_DELAYS_MS = [250, 500, 1000, 1000, 2000, 2000, 3000, 3000];
const RECONCILE_PAGES = 3;
/** Tolerated clock difference between us and the platform when filtering by created_at. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Shared body of the mastodon, gab and truthsocial adapters (§3.1–3.3): statuses, media, verify, reconcile. */
export abstract class MastodonFamilyAdapter implements PlatformAdapter {
  readonly id: MastodonFlavour['id'];
  readonly name: string;
  readonly kind: string;
  readonly credentialFields: readonly FieldSpec[];
  readonly settingsFields: readonly FieldSpec[];
  readonly idempotencyWindowMs?: number;

  constructor(protected readonly flavour: MastodonFlavour) {
    this.id = flavour.id;
    if (flavour.idempotent) this.idempotencyWindowMs = IDEMPOTENCY_TRUST_MS;
    this.name = flavour.name;
    this.kind = flavour.kind;
    this.credentialFields = [{ name: 'accessToken', secret: true, required: true, description: 'OAuth access token' }];
    this.settingsFields = [
      {
        name: 'apiBaseUrl',
        secret: false,
        required: !flavour.defaultBaseUrl,
        description: flavour.defaultBaseUrl ? 'API base URL' : 'Instance URL, e.g. https://mastodon.social',
        ...(flavour.defaultBaseUrl ? { default: flavour.defaultBaseUrl } : {}),
      },
    ];
  }

  abstract measure(text: string): number;

  /**
   * Per token and instance (docs/PLATFORMS.md §3.1, §3.2; the server counts per token or per account, and one token
   * is one account): statuses 300 / 3 h (the source; the docs' 300 / 5 min is looser, and we obey the lower);
   * media uploads 30 / 30 min, because a publish uploads the article image when there is one (most articles); and
   * 300 requests / 5 min per token, of which one publish spends up to 3 (Truth Social's verify, media, status):
   * 100 publishes / 5 min. Nothing per instance is documented.
   */
  budgets(account: AccountRef): RateBudget[] {
    const key = tokenBudgetKey(account, 'accessToken', this.flavour.defaultBaseUrl);
    return [
      { scope: 'account', key, max: 100, windowMs: 5 * 60_000 },
      { scope: 'account', key, max: 30, windowMs: 30 * 60_000 },
      { scope: 'account', key, max: 300, windowMs: 3 * 3600_000 },
    ];
  }

  limits(_remote?: RemoteAccount | null): PlatformLimits {
    const f = this.flavour;
    return { maxLength: f.defaultMaxLength, counting: f.counting, maxImages: f.maxImages, video: false };
  }

  /** Flavour-specific rows of the error table; undefined falls through to the Mastodon baseline. */
  protected classifySpecific(_res: HttpResponse, _ctx: FailureContext): PlatformError | undefined {
    return undefined;
  }

  /** A 2xx create without an id: maybe posted (rule 1). Truth Social refines its `{}` trap. */
  protected answerWithoutId(res: HttpResponse, _req: PublishRequest): PlatformError {
    return new AmbiguousError(`${this.id} publish: HTTP ${res.status} without a status id`, res.status);
  }

  /** Runs before every publish (Truth Social must refresh its sign-in IP). */
  protected async beforePublish(_api: MastodonApi, _req: PublishRequest): Promise<void> {}

  /** Extra facts for `remoteAccount` (instance limits, account flags). */
  protected async accountFacts(_api: MastodonApi, _me: Record<string, unknown>): Promise<Partial<RemoteAccount>> {
    return {};
  }

  protected postUrl(base: string, username: string, id: string): string {
    return `${base}/@${username}/${id}`;
  }

  protected fail(res: HttpResponse, api: MastodonApi, phase: CallPhase, req?: PublishRequest): PlatformError {
    const ctx: FailureContext = { platform: this.id, phase, req, idempotent: this.flavour.idempotent };
    return scrub(this.classifySpecific(res, ctx) ?? classifyMastodon(res, ctx), api.secrets);
  }

  protected session(account: AccountRef, ctx: AdapterContext): MastodonApi {
    const token = credential(account, 'accessToken', this.id);
    const base = baseUrl(account, this.id, this.flavour.defaultBaseUrl);
    return new MastodonApi(base, token, ctx.timeoutMs, secretsOf(account), this.id, ctx.allowPrivateApiAddresses);
  }

  async publish(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult> {
    const api = this.session(account, ctx);
    await this.beforePublish(api, req);
    // A thread's image goes with part 1 only.
    const withMedia = (req.partIndex ?? 1) === 1 && req.article?.imageUrl;
    const mediaIds =
      withMedia && req.article?.imageUrl ? [await this.uploadImage(api, req.article.imageUrl, ctx, req)] : [];
    const publishCtx: FailureContext = {
      platform: this.id,
      phase: 'publish',
      req,
      idempotent: this.flavour.idempotent,
    };
    const res = await api.send('POST', '/api/v1/statuses', {
      phase: 'publish',
      json: {
        status: req.text,
        visibility: 'public',
        ...(mediaIds.length ? { media_ids: mediaIds } : {}),
        ...(req.inReplyToId ? { in_reply_to_id: req.inReplyToId } : {}),
      },
      // Same key on every attempt of this delivery (of this part of a thread): that is what makes a resend safe
      // where it is honoured. Part 1 keeps the plain delivery id.
      headers: { 'Idempotency-Key': idempotencyKey(req) },
      onSent: (_f, message) => maybePosted(message, publishCtx),
      // The fence before the irreversible call: after the sign-in refresh and the media upload (harmless to repeat),
      // right before the status (this part of a thread) is created. Its rejection passes through unchanged.
      fence: claimFence(ctx),
    });
    if (res.status < 200 || res.status >= 300) throw this.fail(res, api, 'publish', req);
    const id = idOf(res.json);
    if (!id) throw scrub(this.answerWithoutId(res, req), api.secrets);
    return { remoteId: id, remoteUrl: this.statusUrl(api, res.json as RemoteStatus, id, account.remote?.username) };
  }

  async verify(account: AccountRef, ctx: AdapterContext): Promise<VerifyResult> {
    return verifyOutcome(async () => {
      const api = this.session(account, ctx);
      const me = await this.verifyCredentials(api);
      const remoteAccount: RemoteAccount = {
        id: idOf(me) ?? undefined,
        username: typeof me.username === 'string' ? me.username : undefined,
        name:
          (typeof me.display_name === 'string' && me.display_name) ||
          (typeof me.acct === 'string' ? me.acct : undefined),
        ...(await this.accountFacts(api, me)),
      };
      return { ok: true, checked: true, remoteAccount };
    });
  }

  async reconcile(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult | null> {
    const api = this.session(account, ctx);
    const accountId = account.remote?.id ?? idOf(await this.verifyCredentials(api));
    const since = req.firstAttemptAt.getTime() - CLOCK_SKEW_MS;
    let maxId: string | null = null;
    for (let page = 0; page < RECONCILE_PAGES; page++) {
      const query = `limit=40${maxId ? `&max_id=${encodeURIComponent(maxId)}` : ''}`;
      const res = await api.send('GET', `/api/v1/accounts/${encodeURIComponent(String(accountId))}/statuses?${query}`, {
        phase: 'read',
      });
      if (res.status !== 200) throw this.fail(res, api, 'read', req);
      if (!Array.isArray(res.json))
        throw new TransientError(`${this.id} read: statuses list is not an array`, res.status);
      const list = res.json as RemoteStatus[];
      for (const status of list) {
        const id = idOf(status);
        if (id && createdAtMs(status) >= since && statusMatches(status, req)) {
          return { remoteId: id, remoteUrl: this.statusUrl(api, status, id, account.remote?.username) };
        }
      }
      const oldest = list.at(-1);
      if (!oldest || list.length < 40 || createdAtMs(oldest) < since) return null;
      maxId = idOf(oldest);
    }
    // Over 120 statuses since the first attempt without a match: stop reading, call it not found.
    return null;
  }

  /** GET verify_credentials; an answer without an id proves nothing. */
  protected async verifyCredentials(api: MastodonApi, req?: PublishRequest): Promise<Record<string, unknown>> {
    const res = await api.send('GET', '/api/v1/accounts/verify_credentials', { phase: 'verify' });
    if (res.status !== 200) throw this.fail(res, api, 'verify', req);
    if (!idOf(res.json)) throw new TransientError(`${this.id} verify: answer without an account id`, res.status);
    return res.json as Record<string, unknown>;
  }

  private statusUrl(api: MastodonApi, status: RemoteStatus, id: string, knownUsername?: string): string | null {
    if (typeof status.url === 'string' && status.url) return status.url;
    const username = typeof status.account?.username === 'string' ? status.account.username : knownUsername;
    return username ? this.postUrl(api.base, username, id) : null;
  }

  private async uploadImage(api: MastodonApi, url: string, ctx: AdapterContext, req: PublishRequest): Promise<string> {
    const media = await fetchMedia(url, {
      timeoutMs: ctx.timeoutMs,
      maxBytes: this.flavour.maxImageBytes,
      allowPrivateAddresses: ctx.allowPrivateAddresses,
    });
    const form = new FormData();
    form.append('file', new Blob([media.bytes], { type: media.contentType }), media.filename);
    const res = await api.send('POST', this.flavour.mediaPath, { phase: 'media', form });
    if (res.status !== 200 && res.status !== 202) throw this.fail(res, api, 'media', req);
    const id = idOf(res.json);
    if (!id) throw new TransientError(`${this.id} media: HTTP ${res.status} without a media id`, res.status);
    if (res.status === 202) await this.waitForMedia(api, id, req);
    return id;
  }

  /** v2 uploads answer 202 while processing: poll GET /api/v1/media/:id (206 processing, 200 ready), bounded. */
  private async waitForMedia(api: MastodonApi, id: string, req: PublishRequest): Promise<void> {
    for (const delay of MEDIA_POLL_DELAYS_MS) {
      await new Promise((r) => setTimeout(r, delay));
      const res = await api.send('GET', `/api/v1/media/${encodeURIComponent(id)}`, { phase: 'media' });
      if (res.status === 200) return;
      if (res.status !== 206) throw this.fail(res, api, 'media', req);
    }
    // An orphaned upload is harmless (rule 4): try the whole publish again later.
    throw new TransientError(`${this.id} media: still processing after ${MEDIA_POLL_DELAYS_MS.length} checks`);
  }
}
