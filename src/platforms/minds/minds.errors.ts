import { isCloudflarePage, platformSays } from '../adapter-helpers';
import { HttpResponse } from '../http';
import { AmbiguousError, PermanentError, PlatformError, ReauthError, TransientError } from '../platform';

/**
 * Minds answers (docs/PLATFORMS.md §3.5). The PSR-7 routes (v3) answer `{status:"error", message, errorId}` with a real
 * HTTP status; the legacy v1/v2 routes often answer HTTP 200 `{status:"error", message}`, and their auth check
 * answers 403 (401 for mobile clients) `{error:"Sorry, you are not authenticated", loggedin:false}`.
 */

/** Which call failed: a publish may have created the post; the others cannot have. */
export type MindsPhase = 'publish' | 'media' | 'verify' | 'read';

interface MindsBody {
  status?: unknown;
  message?: unknown;
  error?: unknown;
  errorId?: unknown;
  must_verify?: unknown;
  loggedin?: unknown;
}

function body(res: HttpResponse): MindsBody {
  return res.json && typeof res.json === 'object' ? (res.json as MindsBody) : {};
}

/** A 2xx whose body says `status:"error"` (the legacy routes' way of failing). */
export function isLegacyError(res: HttpResponse): boolean {
  return body(res).status === 'error';
}

/**
 * The token was not accepted: 401 anywhere, or the legacy routes' 403 `loggedin:false`. Only this is worth a fresh
 * sign-in and one retry; a 403 `must_verify` or a plain Forbidden is about the account, not the token.
 */
export function isAuthFailure(res: HttpResponse): boolean {
  return res.status === 401 || (res.status === 403 && body(res).loggedin === false);
}

export function classifyMinds(res: HttpResponse, phase: MindsPhase): PlatformError {
  const b = body(res);
  const status = res.status;
  const message = `minds ${phase}: ${platformSays(res.json, res.text, status)}`;

  if (status >= 200 && status < 300) {
    // Legacy 200 {status:"error"}: the platform refused this request as it is.
    return new PermanentError(message, status);
  }
  if (isAuthFailure(res)) {
    return new ReauthError(`${message} (the sign-in or API key was not accepted)`, status);
  }
  if (status === 403) {
    if (isCloudflarePage(res.text, res.headers)) return new TransientError(message, status);
    if (b.must_verify === true) return new ReauthError(`${message} (confirm the account's e-mail address)`, status);
    return new ReauthError(message, status);
  }
  // The limiter has no reset header (§3.5): plain backoff.
  if (status === 429) return new TransientError(message, status);
  if (status >= 500) {
    return phase === 'publish' ? new AmbiguousError(message, status) : new TransientError(message, status);
  }
  if ((status >= 300 && status < 400) || status === 404 || status === 405) {
    return new ReauthError(`${message} (check apiBaseUrl)`, status);
  }
  if (isCloudflarePage(res.text, res.headers)) return new TransientError(message, status);
  // 400 validation (StringLengthException, "You can not upload more 4 images", …) and any other 4xx.
  return new PermanentError(message, status);
}
