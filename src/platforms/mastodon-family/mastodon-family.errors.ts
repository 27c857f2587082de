import { DateTime } from 'luxon';
import { isCloudflarePage, platformSays } from '../adapter-helpers';
import { HttpResponse } from '../http';
import {
  AmbiguousError,
  PermanentError,
  PlatformError,
  PublishRequest,
  RateLimitedError,
  ReauthError,
  TransientError,
} from '../platform';

/** Which call failed: only `publish` can have created a post; the rest are safe to retry (rule 4). */
export type CallPhase = 'publish' | 'media' | 'verify' | 'read';

/** What a classifier needs besides the response. */
export interface FailureContext {
  platform: string;
  phase: CallPhase;
  /** The delivery being published (publish and media phases). */
  req?: PublishRequest;
  /** Whether the platform honours Idempotency-Key (mastodon, truthsocial; not gab). */
  idempotent: boolean;
}

/** Without a usable X-RateLimit-Reset the worker still needs a delay (brief: 60 s). */
export const FALLBACK_RETRY_MS = 60_000;

/**
 * The platform keeps a key for 3600 s from when it first saw it (≥ firstAttemptAt). The retry happens after a
 * backoff we do not know here, so stop trusting the key 10 min early rather than resend into an expired window.
 */
export const IDEMPOTENCY_TRUST_MS = 50 * 60_000;

export function describeFailure(res: HttpResponse, ctx: FailureContext): string {
  return `${ctx.platform} ${ctx.phase}: ${platformSays(res.json, res.text, res.status)}`;
}

/** `X-RateLimit-Reset` (ISO 8601) minus the server's own clock when it sent one, so our clock skew cancels out. */
export function retryAfterMs(headers: Record<string, string>, now = Date.now()): number {
  const reset = headers['x-ratelimit-reset'] ? DateTime.fromISO(headers['x-ratelimit-reset']) : null;
  if (!reset?.isValid) return FALLBACK_RETRY_MS;
  const serverNow = headers['date'] ? Date.parse(headers['date']) : NaN;
  const delay = reset.toMillis() - (Number.isFinite(serverNow) ? serverNow : now);
  return Math.max(1000, Math.min(delay, 24 * 3600_000));
}

/**
 * Rule 3 for a publish that may have arrived: inside the idempotency window a resend with the same key cannot
 * duplicate, so it is transient; otherwise (or on gab, which ignores the key) it is ambiguous.
 */
export function maybePosted(message: string, ctx: FailureContext, status?: number): PlatformError {
  const since = ctx.req ? Date.now() - ctx.req.firstAttemptAt.getTime() : Infinity;
  if (ctx.idempotent && since < IDEMPOTENCY_TRUST_MS) {
    return new TransientError(`${message} (safe to resend with the same Idempotency-Key)`, status);
  }
  return new AmbiguousError(message, status);
}

/** The Mastodon baseline table (§3.1); gab and truthsocial refine it before falling back here. */
export function classifyMastodon(res: HttpResponse, ctx: FailureContext): PlatformError {
  const status = res.status;
  const message = describeFailure(res, ctx);
  if (status === 429) {
    if (isCloudflarePage(res.text, res.headers)) return new TransientError(message, status);
    // The token's own window (X-RateLimit-* are per token): this account waits, no one else.
    return new RateLimitedError(message, retryAfterMs(res.headers), status, 'account');
  }
  if (isCloudflarePage(res.text, res.headers) && (status === 403 || status === 503)) {
    return new TransientError(message, status);
  }
  if (status >= 500)
    return ctx.phase === 'publish' ? maybePosted(message, ctx, status) : new TransientError(message, status);
  // 401 bad/revoked token, 403 missing scope, 404 on an API path = wrong apiBaseUrl: all need a human.
  if (status === 401 || status === 403 || status === 404) return new ReauthError(message, status);
  if (status >= 300 && status < 400) return new ReauthError(`${message} (redirect: check apiBaseUrl)`, status);
  return new PermanentError(message, status);
}
