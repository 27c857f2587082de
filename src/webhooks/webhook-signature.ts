import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` + base64 of the key; the
 * signature is `v1,` + base64 of HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` with that key.
 */
export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes (the spec asks for 24 to 64). */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The key lengths the spec allows (bytes, after base64): what a secret given to Crier must have. */
export const SECRET_MIN_BYTES = 24;
export const SECRET_MAX_BYTES = 64;

/**
 * Why `secret` is not a Standard Webhooks secret Crier can sign with, or null when it is: `whsec_` then standard
 * base64 (with its padding, as newSecret writes it) of 24 to 64 bytes. Names no part of the value.
 */
export function secretProblem(secret: string): string | null {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : null;
  const key = b64 === null ? null : Buffer.from(b64, 'base64');
  // Node's decoder skips what is not base64: only a value that encodes back to itself is base64 (padding optional).
  const bare = (t: string) => t.replace(/={1,2}$/, '');
  if (b64 === null || key === null || key.length === 0 || bare(key.toString('base64')) !== bare(b64)) {
    return `must be a Standard Webhooks secret: ${SECRET_PREFIX} followed by base64`;
  }
  if (key.length < SECRET_MIN_BYTES || key.length > SECRET_MAX_BYTES) {
    const range = `${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES}`;
    return `must be a Standard Webhooks secret: its base64 must decode to ${range} bytes (not ${key.length})`;
  }
  return null;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** The `webhook-signature` header value for one message. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  return 'v1,' + createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** The three headers of a signed request (`timestamp` in seconds since the epoch). */
export function signedHeaders(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(secret, id, timestamp, body),
  };
}

/**
 * What a receiver does (docs/API.md shows it): true when any of the space-separated `v1,` signatures matches and the
 * timestamp is within `toleranceS` of `nowS`. Compared in constant time.
 */
export function verify(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowS = Math.floor(Date.now() / 1000),
  toleranceS = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowS - ts) > toleranceS) return false;
  const expected = Buffer.from(sign(secret, headers.id, ts, body));
  return headers.signature
    .split(' ')
    .map((s) => Buffer.from(s))
    .some((s) => s.length === expected.length && timingSafeEqual(s, expected));
}
