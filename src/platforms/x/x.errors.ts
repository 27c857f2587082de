import { looksLikeHtml } from '../adapter-helpers';
import { HttpResponse } from '../http';
import {
  AmbiguousError,
  BudgetScope,
  PermanentError,
  PlatformError,
  PublishRequest,
  RateLimitedError,
  ReauthError,
  TransientError,
} from '../platform';

/** Which call failed: only `publish` can have created a post; the rest are safe to retry (rule 4). */
export type XPhase = 'publish' | 'media' | 'verify' | 'read' | 'token';

/**
 * X error bodies: problem JSON `{title, detail, type, status}`, the older `{errors:[{code, message}]}`, or both
 * (400 invalid-request carries `errors` with a problem envelope); the token endpoint answers OAuth-style
 * `{error, error_description}`.
 */
interface XErrorBody {
  title?: unknown;
  detail?: unknown;
  type?: unknown;
  errors?: Array<{ code?: unknown; message?: unknown }>;
  error?: unknown;
  error_description?: unknown;
}

/** X's rate windows are 15 minutes: without any reset header, wait one window. */
export const FALLBACK_RETRY_MS = 15 * 60_000;
const DAY_MS = 24 * 3600_000;

const REAUTH_PROBLEMS = /client-forbidden|unsupported-authentication|oauth1-permissions/;

function bodyOf(res: HttpResponse): XErrorBody {
  return res.json && typeof res.json === 'object' ? (res.json as XErrorBody) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The problem type's last path segment ("usage-capped", "client-forbidden"), or ''. */
export function problemType(res: HttpResponse): string {
  return /\/problems\/([\w-]+)/.exec(str(bodyOf(res).type))?.[1] ?? '';
}

/** What X said, in its own words, shortened: title + detail, the first `errors[]` message, or the OAuth error. */
export function xSays(res: HttpResponse): string {
  const b = bodyOf(res);
  const parts: string[] = [];
  const title = str(b.title);
  const detail = str(b.detail);
  if (title) parts.push(title);
  if (detail && detail !== title) parts.push(detail);
  const first = Array.isArray(b.errors) ? b.errors.find((e) => e && typeof e === 'object') : undefined;
  if (first) {
    const code = typeof first.code === 'number' ? ` (code ${first.code})` : '';
    if (str(first.message)) parts.push(`${str(first.message)}${code}`);
  }
  if (str(b.error)) parts.push([str(b.error), str(b.error_description)].filter(Boolean).join(': '));
  let said = parts.join(': ');
  if (!said && looksLikeHtml(res.text)) {
    const t = /<title[^>]*>([^<]*)<\/title>/i.exec(res.text)?.[1]?.trim();
    said = `HTML page${t ? ` "${t}"` : ''}`;
  }
  if (!said) said = res.text.trim();
  const short = said.length > 300 ? `${said.slice(0, 300)}…` : said;
  return `HTTP ${res.status}${short ? ` ${short}` : ''}`;
}

function isDuplicate(res: HttpResponse): boolean {
  const b = bodyOf(res);
  const messages = [str(b.detail), ...(Array.isArray(b.errors) ? b.errors.map((e) => str(e?.message)) : [])];
  // v2: "You are not allowed to create a Tweet with duplicate content."; v1.1 code 187 "Status is a duplicate."
  return (
    messages.some((m) => /duplicate/i.test(m)) || (Array.isArray(b.errors) && b.errors.some((e) => e?.code === 187))
  );
}

/** Unix-seconds header as ms from now, measured against the server's own `date` when it sent one. */
function resetIn(headers: Record<string, string>, name: string, now: number): number | null {
  const raw = headers[name];
  if (!raw || !/^\d+$/.test(raw.trim())) return null;
  const serverNow = headers['date'] ? Date.parse(headers['date']) : NaN;
  return Number(raw) * 1000 - (Number.isFinite(serverNow) ? serverNow : now);
}

function exhausted(headers: Record<string, string>, prefix: string): boolean {
  return headers[`${prefix}-remaining`]?.trim() === '0';
}

/** The 24-hour counters X reports, and whose budget each one is. */
const DAILY: ReadonlyArray<[prefix: string, scope: BudgetScope]> = [
  ['x-user-limit-24hour', 'account'],
  ['x-app-limit-24hour', 'app'],
];

/** What a 429 asks: how long to wait, and whose budget the wait is for (the counter whose reset we wait for). */
export interface XRateLimit {
  ms: number;
  scope: BudgetScope;
}

/**
 * How long a 429 asks us to wait, and for whom. The 24-hour budgets (`x-user-limit-24hour-*`, per user: 'account';
 * `x-app-limit-24hour-*`, per app: 'app', every account of the app waits) win when one is exhausted, since the
 * 15-minute window resets long before them; both spent: the later reset, with its scope (the other counter shows
 * itself at the next try). Otherwise `x-rate-limit-reset`, the user's 15-minute window. `usageCapped` answers only
 * count the 24-hour resets; a cap with no spent counter is the project's (billing) cap: 'app'. Null = no usable
 * header at all.
 */
export function xRateLimit(headers: Record<string, string>, usageCapped: boolean, now = Date.now()): XRateLimit | null {
  const resetOf = ([prefix, scope]: [string, BudgetScope], as: BudgetScope = scope): XRateLimit | null => {
    const ms = resetIn(headers, `${prefix}-reset`, now);
    return ms === null ? null : { ms, scope: as };
  };
  const present = (l: XRateLimit | null): l is XRateLimit => l !== null;
  let candidates = DAILY.filter(([prefix]) => exhausted(headers, prefix))
    .map((c) => resetOf(c))
    .filter(present);
  if (usageCapped && !candidates.length) {
    // A cap without a spent counter in the headers: the later of the 24-hour resets present.
    candidates = DAILY.map((c) => resetOf(c, 'app')).filter(present);
  }
  if (!usageCapped && !candidates.length) {
    const window = resetIn(headers, 'x-rate-limit-reset', now);
    if (window !== null) candidates = [{ ms: window, scope: 'account' }];
  }
  if (!candidates.length) return null;
  const latest = candidates.reduce((a, b) => (b.ms > a.ms ? b : a));
  return { ms: Math.max(1000, Math.min(latest.ms, DAY_MS + 3600_000)), scope: latest.scope };
}

/** How long a 429 asks us to wait (see xRateLimit); null without a usable header. */
export function xRetryAfterMs(headers: Record<string, string>, usageCapped: boolean, now = Date.now()): number | null {
  return xRateLimit(headers, usageCapped, now)?.ms ?? null;
}

export interface XFailure {
  phase: XPhase;
  /** The delivery being published (publish and media phases), for rule 6. */
  req?: PublishRequest;
}

/** Maps a non-success answer of the v2 API (docs/PLATFORMS.md §3.9 table) to the closed error set. */
export function classifyX(res: HttpResponse, f: XFailure): PlatformError {
  const status = res.status;
  const message = `x ${f.phase}: ${xSays(res)}`;
  const type = problemType(res);

  if (status === 429) {
    const capped = type === 'usage-capped' || /usage ?cap/i.test(str(bodyOf(res).title));
    const limit = xRateLimit(res.headers, capped);
    if (limit) return new RateLimitedError(message, limit.ms, status, limit.scope);
    // A spent usage cap with no reset to wait for is a billing/plan matter for a human.
    if (capped) return new ReauthError(`${message} (usage cap reached, no reset given: check the X plan)`, status);
    return new RateLimitedError(message, FALLBACK_RETRY_MS, status, 'account');
  }
  if (status >= 500)
    return f.phase === 'publish' ? new AmbiguousError(message, status) : new TransientError(message, status);
  // 401 reaches here only when no refresh can help (OAuth 1.0a, or OAuth 2.0 after one refresh and retry).
  if (status === 401) return new ReauthError(message, status);
  // Seen 2026 on POST /2/tweets, most likely an account out of pay-per-use credits: a human must top up.
  if (status === 402)
    return new ReauthError(`${message} (payment required: check the X developer account credits)`, status);
  if (status === 403) {
    if (REAUTH_PROBLEMS.test(type)) return new ReauthError(message, status);
    if (f.phase === 'publish' && isDuplicate(res)) {
      // Rule 6: after an ambiguous attempt the "duplicate" is probably our own earlier post.
      return f.req?.previousAmbiguous ? new AmbiguousError(message, status) : new PermanentError(message, status);
    }
    if (f.phase === 'verify' || f.phase === 'read') return new ReauthError(message, status);
    return new PermanentError(message, status);
  }
  // A 404 on a fixed API path (or a redirect) means the base URL is wrong: an account setting.
  if (status === 404) return new ReauthError(`${message} (check apiBaseUrl)`, status);
  if (status >= 300 && status < 400) return new ReauthError(`${message} (redirect: check apiBaseUrl)`, status);
  return new PermanentError(message, status);
}

/**
 * The token endpoint (`POST /2/oauth2/token`): a rejected refresh token or client is an account problem
 * (re-authorise); anything that prevented the exchange is transient, as no post can have been created.
 */
export function classifyTokenRefresh(res: HttpResponse): PlatformError {
  const status = res.status;
  const message = `x token refresh: ${xSays(res)}`;
  if (status === 429)
    return new RateLimitedError(message, xRetryAfterMs(res.headers, false) ?? FALLBACK_RETRY_MS, status);
  if (status >= 500) return new TransientError(message, status);
  if (status === 400 || status === 401 || status === 403) {
    return new ReauthError(`${message} (the refresh token or client was refused: authorise the account again)`, status);
  }
  if (status === 404 || (status >= 300 && status < 400))
    return new ReauthError(`${message} (check apiBaseUrl)`, status);
  return new TransientError(message, status);
}
