import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'crier_session';
/** Holds the nonce the sign-in form's CSRF token is tied to (there is no session yet to tie it to). */
export const SIGN_IN_COOKIE = 'crier_sign_in';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const SIGN_IN_TTL_MS = 60 * 60 * 1000;

export interface Session {
  id: string;
  expiresAt: number;
}

const b64url = (b: Buffer) => b.toString('base64url');

/** Equal strings, in time that does not depend on where they differ (nor on their lengths: digests are compared). */
export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/**
 * Dashboard sessions as signed cookies: `<id>.<expiry>.<HMAC>`, keyed from the API token. Nothing is stored, so a
 * session holds across restarts and across several API processes behind one address, and changing the API token
 * ends every session at once. The cookie carries no secret: the id is random and the HMAC proves we issued it.
 *
 * Sign-out forgets the cookie in the browser and marks the id revoked in this process until it would have expired;
 * another API process would still accept a copy of that cookie until then (at most SESSION_TTL_MS), a trade made
 * for statelessness. CSRF tokens are synchronizer tokens derived from the session id (HMAC), so they need no
 * storage either and die with the session.
 */
export class DashboardSessions {
  private readonly key: Buffer;
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly apiToken: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', apiToken).update('crier dashboard sessions v1').digest();
  }

  /** The sign-in form's check; constant time. */
  isApiToken(candidate: string): boolean {
    return sameSecret(candidate, this.apiToken);
  }

  issue(): { session: Session; cookie: string } {
    const id = b64url(randomBytes(18));
    const expiresAt = this.now() + SESSION_TTL_MS;
    const body = `${id}.${Math.floor(expiresAt / 1000)}`;
    return {
      session: { id, expiresAt: Math.floor(expiresAt / 1000) * 1000 },
      cookie: `${body}.${this.mac('session', body)}`,
    };
  }

  /** The session a cookie value proves, or null (missing, forged, expired or signed out). */
  verify(cookie: string | undefined): Session | null {
    if (!cookie || cookie.length > 200) return null;
    const parts = cookie.split('.');
    if (parts.length !== 3) return null;
    const [id, exp, mac] = parts;
    if (!sameSecret(mac, this.mac('session', `${id}.${exp}`))) return null;
    const expiresAt = Number(exp) * 1000;
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= this.now() || this.revoked.has(id)) return null;
    return { id, expiresAt };
  }

  revoke(session: Session): void {
    const now = this.now();
    for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
    this.revoked.set(session.id, session.expiresAt);
  }

  csrfToken(session: Session): string {
    return this.mac('csrf', session.id);
  }

  csrfMatches(session: Session, candidate: string | undefined): boolean {
    return candidate !== undefined && sameSecret(candidate, this.csrfToken(session));
  }

  newSignInNonce(): string {
    return b64url(randomBytes(18));
  }

  signInToken(nonce: string): string {
    return this.mac('sign-in', nonce);
  }

  signInTokenMatches(nonce: string | undefined, candidate: string | undefined): boolean {
    return !!nonce && candidate !== undefined && sameSecret(candidate, this.signInToken(nonce));
  }

  /** Domain-separated HMAC, so a value signed for one purpose is never valid for another. */
  private mac(purpose: string, value: string): string {
    return b64url(createHmac('sha256', this.key).update(`${purpose}\0${value}`).digest());
  }
}

/** One cookie's value from a Cookie header (the few cookies here need no library). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
