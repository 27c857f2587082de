import { claimFence } from '../adapter-helpers';
import { GabAdapter, gabBudgets } from '../gab/gab.adapter';
import { HttpResponse } from '../http';
import { MastodonApi, idOf } from '../mastodon-family/mastodon-family.base';
import { CallPhase } from '../mastodon-family/mastodon-family.errors';
import { RemoteStatus } from '../mastodon-family/mastodon-family.match';
import {
  AccountRef,
  AdapterContext,
  AmbiguousError,
  FieldSpec,
  NotApplicableError,
  PlatformAdapter,
  PlatformError,
  PlatformLimits,
  PublishArticle,
  PublishRequest,
  PublishResult,
  RateBudget,
  ReauthError,
  RemoteAccount,
  TransientError,
  VerifyResult,
} from '../platform';
import {
  DownloadedVideo,
  VideoAdapterOptions,
  transferTimeoutMs,
  videoBlob,
  videoNotApplicable,
  withDownloadedVideo,
} from '../video-download';

/** Gab's media rules (§3.3): "< 250 MB" (Rails megabytes) and these video types. */
export const GAB_MAX_VIDEO_BYTES = 250 * 1024 * 1024 - 1;
export const GAB_VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/ogg', 'video/3gpp', 'video/webm'] as const;
const MEDIA_FLAGS = ['is_pro', 'is_verified', 'is_donor', 'is_investor'] as const;
export const MEDIA_RIGHTS_REASON = 'Gab media upload needs PRO/Verified/Donor/Investor';

/**
 * The Gab adapter with its protected pieces opened up, so gabtv composes §3.3 (session, verify_credentials,
 * the error table, the post URL form, reconcile) instead of copying it. Messages therefore say "gab …": it is
 * the Gab API answering.
 */
class GabCore extends GabAdapter {
  open(account: AccountRef, ctx: AdapterContext): MastodonApi {
    return this.session(account, ctx);
  }
  me(api: MastodonApi, req?: PublishRequest): Promise<Record<string, unknown>> {
    return this.verifyCredentials(api, req);
  }
  failure(res: HttpResponse, api: MastodonApi, phase: CallPhase, req?: PublishRequest): PlatformError {
    return this.fail(res, api, phase, req);
  }
  link(base: string, username: string, id: string): string {
    return this.postUrl(base, username, id);
  }
  /** The flags as Gab sent them: an absent flag stays absent (gab's own verify reports it as false). */
  protected override async accountFacts(
    _api: MastodonApi,
    me: Record<string, unknown>,
  ): Promise<Partial<RemoteAccount>> {
    return Object.fromEntries(MEDIA_FLAGS.filter((f) => typeof me[f] === 'boolean').map((f) => [f, me[f]]));
  }
}

/** Media upload is limited to these account kinds since 2024-03. Only flags that are all present and false
 * prove the account cannot upload; if Gab stops sending them, the upload's own answer decides. */
export function lacksMediaRights(me: Record<string, unknown>): boolean {
  return MEDIA_FLAGS.every((flag) => me[flag] === false);
}

/** §3.4: no upload API exists; the article's video goes out as a video status on the Gab account. */
export class GabTvAdapter implements PlatformAdapter {
  readonly id = 'gabtv' as const;
  readonly name = 'Gab TV';
  readonly kind = 'No upload API: video status on the Gab account (first-party web token)';
  private readonly gab = new GabCore();
  readonly credentialFields: readonly FieldSpec[] = this.gab.credentialFields;
  readonly settingsFields: readonly FieldSpec[] = this.gab.settingsFields;
  private readonly maxVideoBytes: number;

  constructor(private readonly options: VideoAdapterOptions = {}) {
    this.maxVideoBytes = options.maxVideoBytes ?? GAB_MAX_VIDEO_BYTES;
  }

  /**
   * The Gab account's caps (docs/PLATFORMS.md §3.3: 20 / min, 100 / 30 min, 250 / h, 1500 / day): a video status is
   * a status. Same key as the gab adapter's, though the worker counts each platform id apart.
   */
  budgets(account: AccountRef): RateBudget[] {
    return gabBudgets(account);
  }

  limits(remote?: RemoteAccount | null): PlatformLimits {
    return { ...this.gab.limits(remote), maxImages: 0, video: true };
  }

  measure(text: string): number {
    return this.gab.measure(text);
  }

  notApplicable(article: PublishArticle | null): string | null {
    return videoNotApplicable(article);
  }

  async publish(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult> {
    const videoUrl = req.article?.videoUrl;
    if (!videoUrl) throw new NotApplicableError(`gabtv: ${videoNotApplicable(req.article)}`);
    const api = this.gab.open(account, ctx);
    // Verify first: a free account is found out before a video of up to 250 MB is downloaded.
    const me = await this.gab.me(api, req);
    if (lacksMediaRights(me)) throw new ReauthError(`gabtv: ${MEDIA_RIGHTS_REASON}`);

    const download = {
      label: 'gabtv',
      maxBytes: this.maxVideoBytes,
      allowedTypes: GAB_VIDEO_TYPES,
      timeoutMs: transferTimeoutMs(ctx.timeoutMs, this.maxVideoBytes),
      idleTimeoutMs: ctx.timeoutMs,
      tempDir: this.options.tempDir,
      allowPrivateAddresses: ctx.allowPrivateAddresses,
    };
    return withDownloadedVideo(videoUrl, download, async (video) => {
      const mediaId = await this.upload(api, account, video, ctx, req);
      return this.createStatus(api, req, mediaId, me, ctx);
    });
  }

  /** Gab's verify, plus the media rights gabtv cannot work without. */
  async verify(account: AccountRef, ctx: AdapterContext): Promise<VerifyResult> {
    const result = await this.gab.verify(account, ctx);
    if (result.ok && lacksMediaRights(result.remoteAccount ?? {})) {
      return { ...result, ok: false, reason: MEDIA_RIGHTS_REASON };
    }
    return result;
  }

  /** Same read as gab: the account's recent statuses, matched by text or article link. */
  reconcile(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult | null> {
    return this.gab.reconcile(req, account, ctx);
  }

  /** `POST /api/v1/media` (synchronous on Gab), streamed from the temp file with a size-based timeout. */
  private async upload(
    api: MastodonApi,
    account: AccountRef,
    video: DownloadedVideo,
    ctx: AdapterContext,
    req: PublishRequest,
  ): Promise<string> {
    const token = account.credentials.accessToken;
    const timeoutMs = transferTimeoutMs(ctx.timeoutMs, video.size);
    const uploader = new MastodonApi(api.base, token, timeoutMs, api.secrets, 'gabtv', api.allowPrivateAddresses);
    const form = new FormData();
    form.append('file', await videoBlob(video), video.filename);
    // A lost answer here leaves at most an orphaned upload: transient (rule 4), the request() default.
    const res = await uploader.send('POST', '/api/v1/media', { phase: 'media', form });
    if (res.status !== 200 && res.status !== 202) throw this.gab.failure(res, api, 'media', req);
    const id = idOf(res.json);
    if (!id) throw new TransientError(`gabtv media: HTTP ${res.status} without a media id`, res.status);
    return id;
  }

  private async createStatus(
    api: MastodonApi,
    req: PublishRequest,
    mediaId: string,
    me: Record<string, unknown>,
    ctx: AdapterContext,
  ): Promise<PublishResult> {
    const res = await api.send('POST', '/api/v1/statuses', {
      phase: 'publish',
      json: { status: req.text, media_ids: [mediaId], visibility: 'public' },
      // Gab ignores Idempotency-Key (§3.3): a lost answer may hide a posted status, so reconcile first.
      onSent: (_f, message) => new AmbiguousError(message),
      // The fence before the irreversible call: after the video download and upload, right before the status.
      fence: claimFence(ctx),
    });
    if (res.status < 200 || res.status >= 300) throw this.gab.failure(res, api, 'publish', req);
    const id = idOf(res.json);
    if (!id) throw new AmbiguousError(`gabtv publish: HTTP ${res.status} without a status id`, res.status);
    const status = res.json as RemoteStatus;
    if (typeof status.url === 'string' && status.url) return { remoteId: id, remoteUrl: status.url };
    const username = typeof status.account?.username === 'string' ? status.account.username : me.username;
    return { remoteId: id, remoteUrl: typeof username === 'string' ? this.gab.link(api.base, username, id) : null };
  }
}
