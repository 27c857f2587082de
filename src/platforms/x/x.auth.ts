import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { scrub } from '../adapter-helpers';
import { ReauthError, TransientError } from '../platform';
import { HttpResponse, request } from '../http';
import { classifyTokenRefresh } from './x.errors';

/**
 * The two credential kinds X takes (docs/PLATFORMS.md §3.9). OAuth 1.0a never expires and is signed per request;
 * OAuth 2.0 is a 2-hour Bearer token with a single-use refresh token.
 */

export const OAUTH1_FIELDS = ['appKey', 'appSecret', 'accessToken', 'accessSecret'] as const;
export const OAUTH2_FIELDS = ['clientId', 'clientSecret', 'accessToken', 'refreshToken', 'expiresAt'] as const;

export type XAuthKind = 'oauth1' | 'oauth2';

/** Refresh this long before `expiresAt`, so a token cannot die between the check and the post. */
export const EXPIRY_MARGIN_MS = 60_000;

/** Which kind an account holds: OAuth 1.0a is recognised by its app key, anything else is OAuth 2.0. */
export function authKind(creds: Record<string, string>): XAuthKind {
  return creds.appKey ? 'oauth1' : 'oauth2';
}

/** `expiresAt` as epoch ms: ISO 8601 (what we store), or epoch seconds/ms typed by hand; NaN when unknown. */
export function expiryMs(creds: Record<string, string>): number {
  const raw = creds.expiresAt?.trim();
  if (!raw) return NaN;
  if (/^\d+$/.test(raw)) return Number(raw) < 1e12 ? Number(raw) * 1000 : Number(raw);
  return Date.parse(raw);
}

/** True when the OAuth 2.0 token is known to be expired or to expire within the margin. Unknown = not stale. */
export function expiresSoon(creds: Record<string, string>, now = Date.now()): boolean {
  const at = expiryMs(creds);
  return Number.isFinite(at) && at - now <= EXPIRY_MARGIN_MS;
}

function need(creds: Record<string, string>, name: string): string {
  const v = creds[name];
  if (!v) throw new ReauthError(`x: credential ${name} is missing`);
  return v;
}

/**
 * OAuth 1.0a HMAC-SHA1 header for one request, by the `oauth-1.0a` library. Only the query string joins the
 * signature base: X's bodies are JSON or multipart, which RFC 5849 leaves out of it.
 */
export function oauth1Header(creds: Record<string, string>, method: string, url: string): string {
  const oauth = new OAuth({
    consumer: { key: need(creds, 'appKey'), secret: need(creds, 'appSecret') },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  const token = { key: need(creds, 'accessToken'), secret: need(creds, 'accessSecret') };
  return oauth.toHeader(oauth.authorize({ url, method }, token)).Authorization;
}

/** The Authorization header for the credentials' kind. */
export function authorization(creds: Record<string, string>, method: string, url: string): string {
  return authKind(creds) === 'oauth1' ? oauth1Header(creds, method, url) : `Bearer ${need(creds, 'accessToken')}`;
}

interface TokenAnswer {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
}

/**
 * One exchange at `POST /2/oauth2/token` with `current.refreshToken`. Public clients send `client_id` in the
 * form; confidential ones authenticate with Basic clientId:clientSecret. Returns the credentials to store:
 * the new pair and its expiry, everything else unchanged. The old refresh token is dead once this succeeds.
 */
export async function exchangeRefreshToken(
  base: string,
  current: Record<string, string>,
  timeoutMs: number,
  /** `ctx.allowPrivateApiAddresses` (see HttpCall.allowPrivateAddresses). */
  allowPrivateAddresses = false,
): Promise<Record<string, string>> {
  const clientId = need(current, 'clientId');
  const refreshToken = need(current, 'refreshToken');
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (current.clientSecret) {
    headers.Authorization = `Basic ${Buffer.from(`${clientId}:${current.clientSecret}`).toString('base64')}`;
  } else {
    form.set('client_id', clientId);
  }
  const secrets = Object.values(current).filter(Boolean);
  const res: HttpResponse = await request({
    method: 'POST',
    url: `${base}/2/oauth2/token`,
    label: 'x token refresh',
    timeoutMs,
    allowPrivateAddresses,
    headers,
    body: form.toString(),
    secrets,
    // A lost answer may have burnt the refresh token; the next try then gets invalid_request and holds the account.
  });
  if (res.status !== 200) throw scrub(classifyTokenRefresh(res), secrets);
  const body = (res.json ?? {}) as TokenAnswer;
  if (typeof body.access_token !== 'string' || !body.access_token) {
    throw new TransientError('x token refresh: HTTP 200 without an access_token', res.status);
  }
  const { expiresAt: _old, ...rest } = current;
  const fresh: Record<string, string> = {
    ...rest,
    accessToken: body.access_token,
    // X rotates refresh tokens; should it ever not, the old one stays good.
    refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : refreshToken,
  };
  if (typeof body.expires_in === 'number' && body.expires_in > 0) {
    fresh.expiresAt = new Date(Date.now() + body.expires_in * 1000).toISOString();
  }
  return fresh;
}
