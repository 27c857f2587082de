import { isCloudflarePage, platformSays } from '../adapter-helpers';
import { HttpResponse } from '../http';
import { AmbiguousError, PermanentError, PlatformError, ReauthError, TransientError } from '../platform';

/**
 * docs/PLATFORMS.md §3.7: Rumble answers field problems as 200 `{success:false, errors:{<field>:{code, message}}}`, a
 * bad token or banned user as 403, and has no read API, so anything that may have created a video is ambiguous
 * (the worker marks it `unconfirmed`).
 */

export interface RumbleFieldError {
  field: string;
  code: string;
  message: string;
}

/** The `errors` object of a `success:false` answer, flattened (defensive about shapes the docs do not show). */
export function rumbleFieldErrors(json: unknown): RumbleFieldError[] {
  const errors = json && typeof json === 'object' ? (json as { errors?: unknown }).errors : undefined;
  if (!errors || typeof errors !== 'object') return [];
  return Object.entries(errors as Record<string, unknown>).map(([field, value]) => {
    if (typeof value === 'string') return { field, code: '', message: value };
    const v = (value ?? {}) as { code?: unknown; message?: unknown };
    return {
      field,
      code: typeof v.code === 'string' ? v.code : '',
      message: typeof v.message === 'string' ? v.message : '',
    };
  });
}

export function isRumbleRefusal(json: unknown): boolean {
  return !!json && typeof json === 'object' && (json as { success?: unknown }).success === false;
}

/** "title: Title is required (REQUIRED); video: …": what Rumble said, field by field. */
export function describeFieldErrors(errors: RumbleFieldError[]): string {
  if (errors.length === 0) return 'refused without details';
  return errors
    .map((e) => `${e.field === '_' ? 'general' : e.field}: ${e.message || 'rejected'}${e.code ? ` (${e.code})` : ''}`)
    .join('; ');
}

/** Only `errors._.code: SOMETHING_WENT_WRONG`: Rumble's own hiccup, worth a few more tries. */
export function somethingWentWrongOnly(errors: RumbleFieldError[]): boolean {
  return errors.length === 1 && errors[0].field === '_' && errors[0].code === 'SOMETHING_WENT_WRONG';
}

/** A 200 `success:false` answer to the upload: nothing was created. */
export function classifyRefusal(json: unknown, status: number): PlatformError {
  const errors = rumbleFieldErrors(json);
  const message = `rumble upload refused: ${describeFieldErrors(errors)}`;
  if (somethingWentWrongOnly(errors)) return new TransientError(message, status);
  if (errors.some((e) => e.field === 'access_token')) return new ReauthError(message, status);
  return new PermanentError(message, status);
}

/**
 * A non-2xx answer to the upload (`phase: 'upload'`) or to the verify probe. Only the upload can have created a
 * video, so only there is a 5xx ambiguous (rule 3); everywhere else it is transient (rule 4).
 */
export function classifyRumbleStatus(res: HttpResponse, phase: 'upload' | 'verify'): PlatformError {
  const status = res.status;
  const message = `rumble ${phase}: ${platformSays(res.json, res.text, status)}`;
  // Rule 7: a CDN block page is not Rumble's verdict on the token.
  if (isCloudflarePage(res.text, res.headers) && [403, 429, 503].includes(status)) {
    return new TransientError(message, status);
  }
  if (status >= 500) {
    return phase === 'upload' ? new AmbiguousError(message, status) : new TransientError(message, status);
  }
  if (status === 403) return new ReauthError(`${message} (invalid access token or banned user)`, status);
  if (status === 401) return new ReauthError(message, status);
  // No route at this base URL, or a redirect away from the API: a setting a human must fix (rule 2).
  if (status === 404 || (status >= 300 && status < 400)) {
    return new ReauthError(`${message} (check apiBaseUrl)`, status);
  }
  // No documented rate-limit signal: back off and try again.
  if (status === 429 || status === 408) return new TransientError(message, status);
  return new PermanentError(message, status);
}
