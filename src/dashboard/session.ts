import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Logger } from '@nestjs/common';

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

/** Where sessions live (DashboardSessionsRepository in PostgreSQL): keyed by the SHA-256 of the session id. */
export interface SessionStore {
  insert(idHash: string, expiresAt: Date): Promise<void>;
  isLive(idHash: string, now: Date): Promise<boolean>;
  delete(idHash: string): Promise<void>;
  pruneExpired(now: Date, limit: number): Promise<number>;
}

/** Expired rows deleted per sign-in: sessions are only made by signing in, so this keeps the table to live ones. */
export const PRUNE_BATCH = 100;

/** What the store keys a session by: a digest of its id, so the table holds nothing a browser could present. */
export function sessionIdHash(id: string): string {
  return b64url(createHash('sha256').update(id).digest());
}

/**
 * Dashboard sessions: a signed cookie `<id>.<expiry>.<HMAC>` (keyed from the API token) backed by a row in the
 * store. The signature refuses a forged or altered cookie before any query, and changing the API token ends every
 * session at once; the row makes signing out real: sign-out deletes it, so a copy of the cookie stops working in
 * every API process at once. A request costs one primary-key lookup. The cookie carries no secret (the id is
 * random, the HMAC proves we issued it) and the row holds only the SHA-256 of the id.
 *
 * CSRF tokens are synchronizer tokens derived from the session id (HMAC), so they need no storage and die with the
 * session.
 */
export class DashboardSessions {
  private readonly key: Buffer;
  private readonly log = new Logger('Dashboard');

  constructor(
    private readonly apiToken: string,
    private readonly store: SessionStore,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', apiToken).update('crier dashboard sessions v1').digest();
  }

  /** The sign-in form's check; constant time. */
  isApiToken(candidate: string): boolean {
    return sameSecret(candidate, this.apiToken);
  }

  /** A new signed-in session: its row first, then the cookie that names it. */
  async issue(): Promise<{ session: Session; cookie: string }> {
    const id = b64url(randomBytes(18));
    const now = this.now();
    const expiresAt = Math.floor((now + SESSION_TTL_MS) / 1000) * 1000;
    const body = `${id}.${expiresAt / 1000}`;
    await this.store.insert(sessionIdHash(id), new Date(expiresAt));
    await this.store.pruneExpired(new Date(now), PRUNE_BATCH).catch((e: Error) => {
      this.log.warn(`could not prune expired dashboard sessions (${e.message}); the next sign-in tries again`);
    });
    return { session: { id, expiresAt }, cookie: `${body}.${this.mac('session', body)}` };
  }

  /** The session a cookie value proves, or null (missing, forged, expired or signed out). */
  async verify(cookie: string | undefined): Promise<Session | null> {
    if (!cookie || cookie.length > 200) return null;
    const parts = cookie.split('.');
    if (parts.length !== 3) return null;
    const [id, exp, mac] = parts;
    if (!sameSecret(mac, this.mac('session', `${id}.${exp}`))) return null;
    const expiresAt = Number(exp) * 1000;
    const now = this.now();
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return null;
    if (!(await this.store.isLive(sessionIdHash(id), new Date(now)))) return null;
    return { id, expiresAt };
  }

  /** Signs the session out everywhere: its row goes, so no process accepts the cookie again. */
  async revoke(session: Session): Promise<void> {
    await this.store.delete(sessionIdHash(session.id));
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
