import { randomBytes } from 'node:crypto';
import type { FakeReply, Fault } from './fake-server';

/**
 * Minds platform rules and answer shapes for the fake (docs/PLATFORMS.md §3.5, Minds/engine), written independently of
 * the adapter so the contract tests catch a disagreement between the two.
 */

export const MESSAGE_LIMIT = 20_000;
export const MAX_IMAGES = 4;

/** PHP `rawurldecode`: every `%XX` becomes that byte; a lone `%` stays. The engine applies it to `message`. */
export function rawurldecode(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const out: number[] = [];
  const hex = (b: number | undefined) => b !== undefined && /[0-9a-f]/i.test(String.fromCharCode(b));
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x25 && hex(bytes[i + 1]) && hex(bytes[i + 2])) {
      out.push(parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16));
      i += 2;
    } else out.push(bytes[i]);
  }
  return Buffer.from(out).toString('utf8');
}

/** PHP `mb_strlen` on UTF-8: code points. */
export function mbStrlen(text: string): number {
  return Array.from(text).length;
}

/** A JWT-shaped access token (the real one is an RS256 JWT with `exp`); the signature is random. */
export function fakeJwt(sub: string, expSeconds: number): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jti = randomBytes(16).toString('hex');
  const claims = { aud: 'mobile', jti, sub, exp: expSeconds, scopes: [] };
  return `${enc({ typ: 'JWT', alg: 'RS256' })}.${enc(claims)}.${randomBytes(24).toString('base64url')}`;
}

export function randomToken(prefix: string): string {
  return `${prefix}${randomBytes(20).toString('hex')}`;
}

/** PSR-7 route error: `{status:"error", message, errorId}` (ErrorHandlerMiddleware), with any extra fields. */
export function mindsError(
  status: number,
  message: string,
  errorId: string,
  extra: Record<string, unknown> = {},
): Fault {
  return { status, body: { ...extra, status: 'error', message, errorId } };
}

/** Legacy v1/v2 failure: HTTP 200 `{status:"error", message}`. */
export function legacyError(message: string): Fault {
  return { status: 200, body: { status: 'error', message } };
}

/** league/oauth2-server error answer of the token endpoint. */
export function oauthError(status: number, error: string, description: string, hint?: string): Fault {
  return {
    status,
    body: { error, error_description: description, message: description, ...(hint ? { hint } : {}) },
    headers: status === 401 ? { 'WWW-Authenticate': 'Bearer realm="OAuth"' } : undefined,
  };
}

export const ERROR_IDS = {
  unauthorized: 'Minds::Core::Router::Exceptions::UnauthorizedException',
  forbidden: 'Minds::Core::Router::Exceptions::ForbiddenException',
  unverified: 'Minds::Core::Router::Exceptions::UnverifiedEmailException',
  userError: 'Minds::Exceptions::UserErrorException',
  length: 'Minds::Exceptions::StringLengthException',
  server: 'Minds::Exceptions::ServerErrorException',
  rateLimit: 'Minds::Core::Security::RateLimits::RateLimitExceededException',
} as const;

export function asReply(f: Fault): FakeReply {
  return { status: f.status ?? 500, body: f.body, rawBody: f.rawBody, headers: f.headers };
}

/** v3 (PSR-7) routes: a bad or missing token. */
export const V3_UNAUTHORIZED = mindsError(401, 'Unauthorized', ERROR_IDS.unauthorized);
/** Legacy routes' PAM check without an OAuth user and without the mobile App-Version header (Api/Factory.php). */
export const LEGACY_UNAUTHENTICATED: Fault = {
  status: 403,
  body: { error: 'Sorry, you are not authenticated', code: 403, loggedin: false },
};
export const MUST_VERIFY = mindsError(
  403,
  'You must verify your email address to perform this action',
  ERROR_IDS.unverified,
  { must_verify: true },
);
export const RATE_LIMITED = mindsError(
  429,
  'You have exceed the rate limit. Please try again later.',
  ERROR_IDS.rateLimit,
);
