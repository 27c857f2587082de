import { baseUrl, claimFence, credential, scrub, secretsOf, tokenBudgetKey, verifyOutcome } from '../adapter-helpers';
import { countCodePoints } from '../counting';
import { HttpResponse, request } from '../http';
import {
  AccountRef,
  AdapterContext,
  AmbiguousError,
  FieldSpec,
  NotApplicableError,
  PermanentError,
  PlatformAdapter,
  PlatformLimits,
  PublishArticle,
  PublishRequest,
  PublishResult,
  RateBudget,
  ReauthError,
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
import { classifyRefusal, classifyRumbleStatus, isRumbleRefusal, rumbleFieldErrors } from './rumble.errors';

const DEFAULT_BASE = 'https://rumble.com';
const UPLOAD_PATH = '/api/simple-upload.php';
/** Rumble's limits on description and size are UNCONFIRMED (§4): generous Crier choices, stated in the README. */
export const RUMBLE_DESCRIPTION_LIMIT = 5000;
export const RUMBLE_MAX_VIDEO_BYTES = 2 * 1024 * 1024 * 1024;
/** The documented license values: 0 = not for sale (Crier default), 6 = Rumble only. */
const LICENSE_TYPES = ['0', '6'];

/** §3.7: one multipart POST to the official, partner-gated simple-upload API; no read API, so no reconcile. */
export class RumbleAdapter implements PlatformAdapter {
  readonly id = 'rumble' as const;
  readonly name = 'Rumble';
  readonly kind = 'Official upload API (partner-gated)';
  readonly credentialFields: readonly FieldSpec[] = [
    { name: 'accessToken', secret: true, required: true, description: 'Upload API access token granted by Rumble' },
  ];
  readonly settingsFields: readonly FieldSpec[] = [
    { name: 'apiBaseUrl', secret: false, required: false, description: 'API base URL', default: DEFAULT_BASE },
    {
      name: 'channelId',
      secret: false,
      required: false,
      description: 'Channel to upload to (empty: the account itself)',
    },
    {
      name: 'licenseType',
      secret: false,
      required: false,
      description: 'License: 0 = not for sale, 6 = Rumble only',
      default: '0',
    },
  ];
  private readonly maxVideoBytes: number;

  constructor(private readonly options: VideoAdapterOptions = {}) {
    this.maxVideoBytes = options.maxVideoBytes ?? RUMBLE_MAX_VIDEO_BYTES;
  }

  /**
   * Crier's choice: Rumble's rate limits are UNCONFIRMED (docs/PLATFORMS.md §3.7) and every publish is a whole video
   * upload, so the old queue-wide 5 / min, now per upload token, and 30 / h.
   */
  budgets(account: AccountRef): RateBudget[] {
    const key = tokenBudgetKey(account, 'accessToken', DEFAULT_BASE);
    return [
      { scope: 'account', key, max: 5, windowMs: 60_000 },
      { scope: 'account', key, max: 30, windowMs: 3600_000 },
    ];
  }

  limits(): PlatformLimits {
    return { maxLength: RUMBLE_DESCRIPTION_LIMIT, counting: 'code-points', maxImages: 0, video: true };
  }

  measure(text: string): number {
    return countCodePoints(text);
  }

  notApplicable(article: PublishArticle | null): string | null {
    return videoNotApplicable(article);
  }

  async publish(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult> {
    const reason = this.notApplicable(req.article);
    if (reason || !req.article?.videoUrl) throw new NotApplicableError(`rumble: ${reason}`);
    const article = req.article;
    // Everything that needs no network is checked before a possibly huge download.
    const s = this.session(account);
    const title = article.title.trim();
    if (!title) throw new PermanentError('rumble: the article has no title, and Rumble requires one');

    const video = {
      label: 'rumble',
      maxBytes: this.maxVideoBytes,
      timeoutMs: transferTimeoutMs(ctx.timeoutMs, this.maxVideoBytes),
      idleTimeoutMs: ctx.timeoutMs,
      tempDir: this.options.tempDir,
      allowPrivateAddresses: ctx.allowPrivateAddresses,
    };
    return withDownloadedVideo(article.videoUrl ?? '', video, async (file) => {
      const form = await this.uploadForm(s, file, { title, description: req.text, guid: req.deliveryId });
      const res = await request({
        method: 'POST',
        url: s.base + UPLOAD_PATH,
        label: 'rumble upload',
        allowPrivateAddresses: ctx.allowPrivateApiAddresses,
        // The bytes at the slowest accepted rate, plus the usual wait for the answer.
        timeoutMs: transferTimeoutMs(ctx.timeoutMs, file.size),
        body: form,
        secrets: s.secrets,
        // No idempotency and no read API: a lost answer may hide a created video (→ unconfirmed).
        onSent: (_f, message) => new AmbiguousError(message),
        // The upload is the create: the fence goes after the video download, right before the upload is sent.
        fence: claimFence(ctx),
      });
      return this.uploaded(res, s.secrets);
    });
  }

  /**
   * No verify route is documented. The probe (UNCONFIRMED, §3.7) posts only `access_token`: 403 = bad token;
   * 200 `success:false` naming the missing fields = the token got past the check. Nothing can be created
   * without a video, so the probe is harmless.
   */
  async verify(account: AccountRef, ctx: AdapterContext): Promise<VerifyResult> {
    return verifyOutcome(async () => {
      const s = this.session(account);
      const form = new FormData();
      form.append('access_token', s.token);
      const res = await request({
        method: 'POST',
        url: s.base + UPLOAD_PATH,
        label: 'rumble verify',
        timeoutMs: ctx.timeoutMs,
        allowPrivateAddresses: ctx.allowPrivateApiAddresses,
        body: form,
        secrets: s.secrets,
      });
      const probe = 'UNCONFIRMED probe: Rumble documents no verify route';
      if (res.status !== 200) {
        const e = scrub(classifyRumbleStatus(res, 'verify'), s.secrets);
        if (e instanceof ReauthError || e instanceof PermanentError) {
          return { ok: false, checked: true, reason: `${e.message} (${probe})` };
        }
        throw e;
      }
      const errors = rumbleFieldErrors(res.json);
      if (!isRumbleRefusal(res.json) || errors.length === 0) {
        return { ok: true, checked: false, reason: `${probe}, and its answer was not the expected one` };
      }
      const refusal = classifyRefusal(res.json, res.status);
      if (refusal instanceof TransientError) throw scrub(refusal, s.secrets);
      if (refusal instanceof ReauthError) {
        return { ok: false, checked: true, reason: `${scrub(refusal, s.secrets).message} (${probe})` };
      }
      return {
        ok: true,
        checked: true,
        reason: `token accepted by ${UPLOAD_PATH} (it asked only for the missing upload fields; ${probe})`,
      };
    });
  }

  private session(account: AccountRef): { base: string; token: string; secrets: string[]; settings: RumbleSettings } {
    const token = credential(account, 'accessToken', 'rumble');
    const base = baseUrl(account, 'rumble', DEFAULT_BASE);
    return { base, token, secrets: secretsOf(account), settings: rumbleSettings(account) };
  }

  private async uploadForm(
    s: { token: string; settings: RumbleSettings },
    file: DownloadedVideo,
    fields: { title: string; description: string; guid: string },
  ): Promise<FormData> {
    const form = new FormData();
    form.append('access_token', s.token);
    form.append('title', fields.title);
    form.append('description', fields.description);
    form.append('license_type', s.settings.licenseType);
    if (s.settings.channelId) form.append('channel_id', s.settings.channelId);
    // Rumble maps `guid` to the video; whether it also de-duplicates is UNCONFIRMED, so nothing relies on it.
    form.append('guid', fields.guid);
    // Streamed from disk by http.ts (maxRedirects 0 keeps axios from buffering the body).
    form.append('video', await videoBlob(file), file.filename);
    return form;
  }

  private uploaded(res: HttpResponse, secrets: string[]): PublishResult {
    if (res.status < 200 || res.status >= 300) throw scrub(classifyRumbleStatus(res, 'upload'), secrets);
    if (isRumbleRefusal(res.json)) throw scrub(classifyRefusal(res.json, res.status), secrets);
    const body = (res.json ?? {}) as { success?: unknown; video_id?: unknown; url_monetized?: unknown };
    const raw = body.video_id;
    const id = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : '';
    if (body.success !== true || !id) {
      throw new AmbiguousError(`rumble upload: HTTP ${res.status} without success:true and a video_id`, res.status);
    }
    const url = typeof body.url_monetized === 'string' && body.url_monetized ? body.url_monetized : null;
    return { remoteId: id, remoteUrl: url };
  }
}

interface RumbleSettings {
  licenseType: string;
  channelId: string | null;
}

/** A wrong setting fails every delivery of the account alike: hold the account (rule 2), do not fail the post. */
function rumbleSettings(account: AccountRef): RumbleSettings {
  const licenseType = (account.settings.licenseType ?? '').trim() || '0';
  if (!LICENSE_TYPES.includes(licenseType)) {
    throw new ReauthError(
      `rumble: setting licenseType must be 0 (not for sale) or 6 (Rumble only), not "${licenseType}"`,
    );
  }
  return { licenseType, channelId: account.settings.channelId?.trim() || null };
}
