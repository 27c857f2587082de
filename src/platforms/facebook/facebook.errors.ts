import { looksLikeHtml, platformSays } from '../adapter-helpers';
import { HttpResponse } from '../http';
import {
  AmbiguousError,
  PermanentError,
  PlatformError,
  RateLimitedError,
  ReauthError,
  TransientError,
} from '../platform';

/** Which Graph call failed: only `publish` can have created a post (rule 3); the rest are safe to retry (rule 4). */
export type GraphPhase = 'publish' | 'verify' | 'read';

/** Graph API error body (§3.10): `{"error":{message, type, code, error_subcode, error_user_msg, fbtrace_id}}`. */
export interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_user_msg?: string;
  error_user_title?: string;
  fbtrace_id?: string;
  is_transient?: boolean;
}

export interface GraphFailureContext {
  phase: GraphPhase;
  /** An earlier attempt of this delivery was ambiguous (rule 6: a duplicate may be our own post). */
  previousAmbiguous?: boolean;
}

/** Throttling codes: app (4), user (17), page (32), app-level (341), call-rate (613), Page BUC (80001). */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 341, 613, 80001]);
/** 190 token invalid/expired; 102 API session; 10 permission denied (200–299 is the permission range). */
const REAUTH_CODES = new Set([190, 102, 10]);
/** Why a token stopped working, by error_subcode (the error-handling page's table). */
const SUBCODE_HINTS: Record<number, string> = {
  458: 'the app is no longer installed for this user',
  459: 'the user must log in at facebook.com to clear a checkpoint',
  460: 'the password changed',
  463: 'the token expired',
  464: 'the user account is not confirmed',
  467: 'the token is no longer valid',
};
/** Longest wait we accept from a header; anything longer is more likely a parsing surprise than a real block. */
const MAX_WAIT_MS = 24 * 3600_000;

export function graphErrorOf(json: unknown): GraphError | undefined {
  const e = json && typeof json === 'object' ? (json as { error?: unknown }).error : undefined;
  return e && typeof e === 'object' ? (e as GraphError) : undefined;
}

/**
 * The longest `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage`, as ms; null when the
 * header is absent, unreadable or says 0.
 * Shape: `{"<business id>":[{type, call_count, …, estimated_time_to_regain_access}]}`.
 */
export function regainAccessMs(headers: Record<string, string>): number | null {
  const raw = headers['x-business-use-case-usage'];
  if (!raw) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  let minutes = 0;
  for (const entries of Object.values(parsed as Record<string, unknown>)) {
    for (const entry of Array.isArray(entries) ? entries : [entries]) {
      const usage = entry as { estimated_time_to_regain_access?: unknown } | null;
      const m = Number(usage?.estimated_time_to_regain_access);
      if (Number.isFinite(m) && m > minutes) minutes = m;
    }
  }
  return minutes > 0 ? Math.min(minutes * 60_000, MAX_WAIT_MS) : null;
}

/** "facebook publish: (#190/460) message — user message [fbtrace_id X]": what support asks for, no token. */
export function describeGraphError(res: HttpResponse, phase: GraphPhase, e: GraphError | undefined): string {
  if (!e) return `facebook ${phase}: ${platformSays(res.json, res.text, res.status)}`;
  const code = e.code !== undefined ? `(#${e.code}${e.error_subcode ? `/${e.error_subcode}` : ''}) ` : '';
  const text = (e.message ?? `HTTP ${res.status}`).replace(/^\(#\d+\)\s*/, '');
  const user = e.error_user_msg && e.error_user_msg !== e.message ? ` — ${e.error_user_msg}` : '';
  const trace = e.fbtrace_id ? ` [fbtrace_id ${e.fbtrace_id}]` : '';
  return `facebook ${phase}: ${code}${text}${user}${trace}`;
}

/** Maps a failed Graph call to an error class, code first (§3.10 table), then the HTTP status. */
export function classifyFacebook(res: HttpResponse, ctx: GraphFailureContext): PlatformError {
  const e = graphErrorOf(res.json);
  const status = res.status;
  const message = describeGraphError(res, ctx.phase, e);
  const maybePosted = () =>
    ctx.phase === 'publish' ? new AmbiguousError(message, status) : new TransientError(message, status);
  const code = typeof e?.code === 'number' ? e.code : undefined;

  if (code !== undefined) {
    if (REAUTH_CODES.has(code) || (code >= 200 && code <= 299)) {
      const hint = e?.error_subcode ? SUBCODE_HINTS[e.error_subcode] : undefined;
      const fix = code === 190 || code === 102 ? 'get a new Page access token' : 'the token lacks a permission';
      return new ReauthError(`${message} (${hint ? `${hint}; ` : ''}${fix})`, status);
    }
    if (code === 368) {
      // Rule 2: a policy block is on the Page, not on this post; holding the account stops us deepening it.
      return new ReauthError(
        `${message} (Facebook has blocked this Page from posting for a policy reason: ` +
          'a human must look at the Page before posting resumes)',
        status,
      );
    }
    if (RATE_LIMIT_CODES.has(code)) {
      const wait = regainAccessMs(res.headers);
      // Code 4 is the app's own call count (every Page of the app waits); the rest count calls on this Page token
      // (Business Use Case limits: a Page token is the Page).
      return wait !== null
        ? new RateLimitedError(message, wait, status, code === 4 ? 'app' : 'page')
        : new TransientError(`${message} (no wait given: backing off)`, status);
    }
    if (code === 1 || code === 2) return maybePosted();
    if (code === 506) {
      return ctx.previousAmbiguous
        ? new AmbiguousError(`${message} (an earlier attempt may have posted it)`, status)
        : new PermanentError(message, status);
    }
    // 100/33 "Object with ID … does not exist": the pageId setting is wrong, an account problem (rule 2).
    if (code === 100 && e?.error_subcode === 33) {
      return new ReauthError(`${message} (check the pageId setting)`, status);
    }
    if (code === 100 || code === 1609005) return new PermanentError(message, status);
  }
  if (status >= 500) return maybePosted();
  if (code !== undefined) {
    // A code the table does not name: trust Facebook's own hint, else it is this request's problem.
    return e?.is_transient ? new TransientError(message, status) : new PermanentError(message, status);
  }
  if (status === 429) return new TransientError(message, status);
  // No Graph body: 401/403/404 or a redirect mean the token or apiBaseUrl is wrong.
  if (status === 401 || status === 403 || status === 404 || (status >= 300 && status < 400)) {
    return new ReauthError(`${message} (check the token and apiBaseUrl)`, status);
  }
  // Some other 4xx page from a proxy in between: nothing Facebook said about this post.
  if (looksLikeHtml(res.text)) return new TransientError(message, status);
  return new PermanentError(message, status);
}
