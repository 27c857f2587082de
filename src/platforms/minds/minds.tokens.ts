import { platformSays } from '../adapter-helpers';
import { HttpResponse, request } from '../http';
import { PlatformError, ReauthError, TransientError } from '../platform';

/**
 * The Minds OAuth token endpoint (§3.5): `POST /api/v3/oauth/token`, public client `mobile`, password and
 * refresh-token grants (league/oauth2-server: refresh tokens rotate and are single-use). Pure wire work; when to
 * call it lives in minds.session.ts.
 */

export const TOKEN_PATH = '/api/v3/oauth/token';
export const CLIENT_ID = 'mobile';
/** Renew a token this close to its expiry before using it. */
export const EXPIRY_MARGIN_MS = 60_000;
/** Minds access tokens live 72 h (§3.5); used only when an answer carries neither `expires_in` nor a JWT `exp`. */
const DEFAULT_TTL_S = 72 * 3600;

export interface TokenGrant {
  accessToken: string;
  /** Absent only if the server issued none (league always does for these grants). */
  refreshToken?: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** The endpoint refused this grant (400/401 `invalid_grant`, or a 200 `{status:"error"}` such as a 2FA demand). */
export class GrantRejected extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

export type GrantParams =
  | { grant_type: 'password'; username: string; password: string }
  | { grant_type: 'refresh_token'; refresh_token: string };

/** One token request. Resolves with the tokens; throws GrantRejected, or a PlatformError for everything else. */
export async function requestToken(
  base: string,
  params: GrantParams,
  opts: { timeoutMs: number; secrets: readonly string[]; allowPrivateAddresses?: boolean },
): Promise<TokenGrant> {
  const label = `minds sign-in (${params.grant_type === 'password' ? 'password' : 'refresh token'})`;
  // Form encoding is what RFC 6749 specifies and what PHP parses natively (the engine also accepts JSON).
  const form = new URLSearchParams({ ...params, client_id: CLIENT_ID });
  const res = await request({
    method: 'POST',
    url: base + TOKEN_PATH,
    label,
    timeoutMs: opts.timeoutMs,
    allowPrivateAddresses: opts.allowPrivateAddresses,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    secrets: opts.secrets,
    // Nothing is posted by a sign-in; a lost answer only costs a rotated refresh token (the password recovers).
  });
  const failure = tokenFailure(res, label);
  if (failure) throw failure;
  return grantOf(res, label);
}

function tokenFailure(res: HttpResponse, label: string): PlatformError | GrantRejected | undefined {
  const json = (res.json && typeof res.json === 'object' ? res.json : {}) as Record<string, unknown>;
  const said = `${label}: ${platformSays(res.json, res.text, res.status)}`;
  const description = typeof json.error_description === 'string' ? ` (${json.error_description})` : '';
  if (res.status === 200 && json.status === 'error') return new GrantRejected(said, res.status);
  if (res.status >= 200 && res.status < 300) return undefined;
  if (res.status === 400 || res.status === 401) return new GrantRejected(said + description, res.status);
  // The login limiter (§3.5) and server trouble pass with time.
  if (res.status === 429 || res.status >= 500) return new TransientError(said, res.status);
  // 403 (banned, must_verify, blocked), 404/3xx (wrong apiBaseUrl) and the rest need a human.
  return new ReauthError(res.status === 404 ? `${said} (check apiBaseUrl)` : said, res.status);
}

function grantOf(res: HttpResponse, label: string): TokenGrant {
  const json = (res.json && typeof res.json === 'object' ? res.json : {}) as Record<string, unknown>;
  const accessToken = typeof json.access_token === 'string' ? json.access_token : '';
  if (!accessToken) throw new TransientError(`${label}: HTTP ${res.status} without an access_token`, res.status);
  const refreshToken = typeof json.refresh_token === 'string' && json.refresh_token ? json.refresh_token : undefined;
  const ttl =
    typeof json.expires_in === 'number' && json.expires_in > 0
      ? json.expires_in
      : (jwtTtl(accessToken) ?? DEFAULT_TTL_S);
  return { accessToken, refreshToken, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
}

/** Seconds left according to a JWT's `exp` claim, if the token is a readable JWT. */
function jwtTtl(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? Math.max(0, exp - Math.floor(Date.now() / 1000)) : undefined;
  } catch {
    return undefined;
  }
}

/** Expiry as epoch ms: ISO 8601, or epoch seconds / ms as digits; NaN when unreadable. */
export function expiryMs(expiresAt: string | undefined): number {
  if (!expiresAt) return NaN;
  if (/^\d+$/.test(expiresAt)) {
    const n = Number(expiresAt);
    return n < 1e12 ? n * 1000 : n;
  }
  return Date.parse(expiresAt);
}

/**
 * Whether a stored access token can be used now: present and not within the margin of its expiry. A token without
 * an expiry is tried (a 401 then renews it); an unreadable expiry is renewed at once.
 */
export function tokenUsable(accessToken: string | undefined, expiresAt: string | undefined, now = Date.now()): boolean {
  if (!accessToken) return false;
  if (expiresAt === undefined || expiresAt === '') return true;
  const at = expiryMs(expiresAt);
  return Number.isFinite(at) && at - now > EXPIRY_MARGIN_MS;
}
