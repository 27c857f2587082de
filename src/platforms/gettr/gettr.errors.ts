import { looksLikeHtml, platformSays } from '../adapter-helpers';
import { HttpResponse } from '../http';
import {
  AmbiguousError,
  PermanentError,
  PlatformError,
  PublishRequest,
  ReauthError,
  TransientError,
} from '../platform';

/** Which call failed: only `publish` can have created a post (rule 3); the rest are safe to retry (rule 4). */
export type GettrPhase = 'publish' | 'verify' | 'read';

/** GETTR's envelope: `{_t:"xresp", rc:"OK", result}` or `{rc:"ERR", error:{_t:"xerr", code, emsg}}`. */
export interface GettrBody {
  rc?: unknown;
  result?: unknown;
  error?: { code?: unknown; emsg?: unknown } | null;
}

/**
 * An `rc:"ERR"` that is the account's problem (rule 2): token or login trouble (codes UNCONFIRMED, so the words
 * decide), a username GETTR does not know, or an account GETTR has shut.
 */
const ACCOUNT_PROBLEM =
  /token|log ?in|auth(?!ors?\b)|credential|session|sign.?in|user.?not.?found|suspend|banned|disabled/i;

export function bodyOf(res: HttpResponse): GettrBody | undefined {
  return res.json && typeof res.json === 'object' && !Array.isArray(res.json) ? (res.json as GettrBody) : undefined;
}

/** Imperva Incapsula's bot wall: an HTML page "Request unsuccessful. Incapsula incident ID: …" (any status). */
export function isIncapsulaPage(text: string): boolean {
  return (looksLikeHtml(text) || /^\s*</.test(text)) && /incapsula|request unsuccessful/i.test(text);
}

function describe(res: HttpResponse, phase: GettrPhase): string {
  const err = bodyOf(res)?.error;
  if (err && (typeof err.code === 'string' || typeof err.emsg === 'string')) {
    const parts = [err.code, err.emsg].filter((p) => typeof p === 'string' && p);
    return `gettr ${phase}: ${parts.join(': ')} (HTTP ${res.status})`;
  }
  if (isIncapsulaPage(res.text)) return `gettr ${phase}: HTTP ${res.status} Incapsula "Request unsuccessful" page`;
  return `gettr ${phase}: ${platformSays(res.json, res.text, res.status)}`;
}

/** Maps any answer that is not a success to its class (§3.6 table). */
export function classifyGettr(res: HttpResponse, phase: GettrPhase): PlatformError {
  const status = res.status;
  const message = describe(res, phase);
  // Rule 7: the edge refused before GETTR saw anything, even when it answers 200.
  if (isIncapsulaPage(res.text) || status === 429) return new TransientError(message, status);
  if (status >= 500) {
    return phase === 'publish' ? new AmbiguousError(message, status) : new TransientError(message, status);
  }
  if (status === 401 || status === 403) return new ReauthError(message, status);
  const body = bodyOf(res);
  if (body?.rc === 'ERR') {
    const err = body.error ?? {};
    const words = `${typeof err.code === 'string' ? err.code : ''} ${typeof err.emsg === 'string' ? err.emsg : ''}`;
    return ACCOUNT_PROBLEM.test(words) ? new ReauthError(message, status) : new PermanentError(message, status);
  }
  // No GETTR envelope: 404 on an API path or a redirect means apiBaseUrl is wrong.
  if (status === 404 || (status >= 300 && status < 400)) {
    return new ReauthError(`${message} (check apiBaseUrl)`, status);
  }
  if (looksLikeHtml(res.text)) return new TransientError(message, status);
  return new PermanentError(message, status);
}

/**
 * The remote id of a `POST /u/post` answer, or the error to throw. Success needs `rc:"OK"` and `result.data._id`.
 * The empty-200 trap (§3.6: GETTR rejects some posts, e.g. with an empty optional field, by answering 200 with no
 * body) is ambiguous the first time; the worker then reads the account's posts and, finding nothing, sends again
 * with `previousAmbiguous`. A second empty 200 after that is the rejection §3.6 means by "not found → permanent".
 */
export function publishedPostId(res: HttpResponse, req: PublishRequest): string | PlatformError {
  if (res.status < 200 || res.status >= 300 || isIncapsulaPage(res.text)) return classifyGettr(res, 'publish');
  if (!res.text.trim()) {
    return req.previousAmbiguous
      ? new PermanentError(
          'gettr publish: GETTR answered 200 with an empty body again, and its post list showed no such post: ' +
            'it refused this post',
          res.status,
        )
      : new AmbiguousError(
          'gettr publish: GETTR answered 200 with an empty body (refused, or posted without saying)',
          res.status,
        );
  }
  const body = bodyOf(res);
  if (body?.rc === 'ERR') return classifyGettr(res, 'publish');
  const data = (body?.result as { data?: { _id?: unknown } } | undefined)?.data;
  if (body?.rc === 'OK' && typeof data?._id === 'string' && data._id) return data._id;
  return new AmbiguousError(`gettr publish: HTTP ${res.status} without rc:"OK" and result.data._id`, res.status);
}

/** `result` of a read (`rc:"OK"`), or the classified error. */
export function readResult(res: HttpResponse, phase: GettrPhase): Record<string, unknown> | PlatformError {
  const body = bodyOf(res);
  if (res.status !== 200 || isIncapsulaPage(res.text) || body?.rc === 'ERR') return classifyGettr(res, phase);
  if (body?.rc === 'OK' && body.result && typeof body.result === 'object') {
    return body.result as Record<string, unknown>;
  }
  return new TransientError(`gettr ${phase}: HTTP 200 without rc:"OK" and a result`, res.status);
}
