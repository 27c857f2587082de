import { isCloudflarePage, looksLikeHtml } from '../adapter-helpers';
import { countTruthSocial } from '../counting';
import { HttpResponse } from '../http';
import { MastodonApi, MastodonFamilyAdapter } from '../mastodon-family/mastodon-family.base';
import { FailureContext, describeFailure } from '../mastodon-family/mastodon-family.errors';
import {
  AmbiguousError,
  PermanentError,
  PlatformError,
  PublishRequest,
  ReauthError,
  TransientError,
} from '../platform';

/** Truth Social (§3.2): Mastodon fork behind Cloudflare, with the 200 `{}` trap and its own URL counting. */
export class TruthSocialAdapter extends MastodonFamilyAdapter {
  constructor() {
    super({
      id: 'truthsocial',
      name: 'Truth Social',
      kind: 'Unofficial Mastodon fork behind Cloudflare',
      defaultBaseUrl: 'https://truthsocial.com',
      defaultMaxLength: 1000,
      counting: 'graphemes-url24-truthsocial',
      maxImages: 4,
      maxImageBytes: 10 * 1024 * 1024,
      mediaPath: '/api/v1/media',
      idempotent: true,
    });
  }

  measure(text: string): number {
    return countTruthSocial(text);
  }

  /** verify_credentials records current_sign_in_ip; without it a create silently answers `{}`. */
  protected override async beforePublish(api: MastodonApi, req: PublishRequest): Promise<void> {
    await this.verifyCredentials(api, req);
  }

  /** The `{}` trap: first sight may be a glitch (reconcile, resend same key); twice means the account is throttled. */
  protected override answerWithoutId(res: HttpResponse, req: PublishRequest): PlatformError {
    const empty = !!res.json && typeof res.json === 'object' && Object.keys(res.json).length === 0;
    if (empty && req.previousAmbiguous) {
      return new ReauthError(
        'truthsocial publish: account restricted or sign-in IP missing (200 {} twice)',
        res.status,
      );
    }
    return new AmbiguousError(
      `truthsocial publish: HTTP ${res.status} ${empty ? '{}' : 'without a status id'}`,
      res.status,
    );
  }

  protected override classifySpecific(res: HttpResponse, ctx: FailureContext): PlatformError | undefined {
    const status = res.status;
    const body = (res.json && typeof res.json === 'object' ? res.json : {}) as Record<string, unknown>;
    const error = typeof body.error === 'string' ? body.error : '';
    const message = describeFailure(res, ctx);
    if (status === 403 && looksLikeHtml(res.text)) {
      // Geo-block: our egress is refused everywhere, a human must move it. Other edge pages pass.
      if (/unavailable in your (area|region|country)/i.test(res.text)) return new ReauthError(message, status);
      return new TransientError(message, status);
    }
    // 503 is Cloudflare or maintenance in front of the app (§3.2 table): nothing was created.
    if (status === 503 || (status === 429 && isCloudflarePage(res.text, res.headers))) {
      return new TransientError(message, status);
    }
    if (status === 403) {
      if (/this action is not allowed/i.test(error)) return new PermanentError(message, status);
      return new ReauthError(message, status);
    }
    if (status === 422) {
      if ('error_code' in body || 'error_message' in body) return new PermanentError(message, status);
      if (/authenticated user|no valid user/i.test(error)) return new ReauthError(message, status);
      return new PermanentError(message, status);
    }
    if (status === 404) return new PermanentError(message, status);
    return undefined;
  }
}
