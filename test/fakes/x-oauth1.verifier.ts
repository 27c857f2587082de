import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RecordedRequest } from './fake-server';

/**
 * Server-side check of an OAuth 1.0a HMAC-SHA1 signature (RFC 5849 §3.4), written from the RFC and independent of
 * the `oauth-1.0a` library the adapter signs with, so a signing bug cannot pass by agreeing with itself.
 */

export interface OAuth1Keys {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
}

/** RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes (RFC 5849 §3.6). */
export function rfc5849Encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `OAuth k="v", …` → decoded parameters; null when the header is not OAuth. */
export function parseOAuthHeader(header: string | undefined): Record<string, string> | null {
  if (!header || !/^OAuth\s/i.test(header)) return null;
  const out: Record<string, string> = {};
  for (const m of header.slice(6).matchAll(/([\w.-]+)\s*=\s*"([^"]*)"/g)) out[m[1]] = decodeURIComponent(m[2]);
  return out;
}

/** The signature base string: METHOD & base URI & sorted, encoded parameters (query, form body, oauth_*). */
export function signatureBase(
  method: string,
  baseUri: string,
  oauthParams: Record<string, string>,
  query: Record<string, string>,
  form: Record<string, string>,
): string {
  const pairs: Array<[string, string]> = [];
  for (const src of [query, form])
    for (const [k, v] of Object.entries(src)) pairs.push([rfc5849Encode(k), rfc5849Encode(v)]);
  for (const [k, v] of Object.entries(oauthParams)) {
    if (k !== 'oauth_signature' && k !== 'realm') pairs.push([rfc5849Encode(k), rfc5849Encode(v)]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const normalized = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  return [method.toUpperCase(), rfc5849Encode(baseUri), rfc5849Encode(normalized)].join('&');
}

export type OAuth1Verdict = { ok: true } | { ok: false; reason: string };

const MAX_CLOCK_SKEW_S = 300;

/**
 * Verifies one request against the app and user keys. `usedNonces` remembers nonce+timestamp pairs, so a
 * replayed header is refused as the real API refuses it.
 */
export function verifyOAuth1(req: RecordedRequest, keys: OAuth1Keys, usedNonces: Set<string>): OAuth1Verdict {
  const p = parseOAuthHeader(req.headers.authorization);
  if (!p) return { ok: false, reason: 'no OAuth header' };
  for (const name of ['oauth_consumer_key', 'oauth_token', 'oauth_signature', 'oauth_nonce', 'oauth_timestamp']) {
    if (!p[name]) return { ok: false, reason: `missing ${name}` };
  }
  if (p.oauth_signature_method !== 'HMAC-SHA1') return { ok: false, reason: 'signature method must be HMAC-SHA1' };
  if (p.oauth_version !== undefined && p.oauth_version !== '1.0')
    return { ok: false, reason: 'oauth_version must be 1.0' };
  if (p.oauth_consumer_key !== keys.appKey) return { ok: false, reason: 'unknown consumer key' };
  if (p.oauth_token !== keys.accessToken) return { ok: false, reason: 'unknown token' };
  if (Math.abs(Date.now() / 1000 - Number(p.oauth_timestamp)) > MAX_CLOCK_SKEW_S) {
    return { ok: false, reason: 'timestamp out of bounds' };
  }
  const nonceKey = `${p.oauth_nonce}:${p.oauth_timestamp}`;
  if (usedNonces.has(nonceKey)) return { ok: false, reason: 'nonce already used' };

  const baseUri = `http://${String(req.headers.host).toLowerCase()}${req.path}`;
  const contentType = String(req.headers['content-type'] ?? '');
  const form =
    contentType.includes('application/x-www-form-urlencoded') && req.body && typeof req.body === 'object'
      ? (req.body as Record<string, string>)
      : {};
  const base = signatureBase(req.method, baseUri, p, req.query, form);
  const key = `${rfc5849Encode(keys.appSecret)}&${rfc5849Encode(keys.accessSecret)}`;
  const expected = createHmac('sha1', key).update(base).digest();
  const given = Buffer.from(p.oauth_signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  usedNonces.add(nonceKey);
  return { ok: true };
}
