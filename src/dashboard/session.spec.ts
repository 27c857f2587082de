import { DashboardSessions, readCookie, sameSecret, SESSION_TTL_MS, sessionIdHash, SessionStore } from './session';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';

/** The store's contract in memory (the PostgreSQL one is tested in test/medium/dashboard-sessions.test.ts). */
class MemoryStore implements SessionStore {
  readonly rows = new Map<string, Date>();
  lookups = 0;
  async insert(idHash: string, expiresAt: Date) {
    this.rows.set(idHash, expiresAt);
  }
  async isLive(idHash: string, now: Date) {
    this.lookups++;
    const at = this.rows.get(idHash);
    return at !== undefined && at > now;
  }
  async delete(idHash: string) {
    this.rows.delete(idHash);
  }
  async pruneExpired(now: Date, limit: number) {
    let n = 0;
    for (const [k, at] of this.rows) if (at <= now && n < limit && this.rows.delete(k)) n++;
    return n;
  }
}

describe('dashboard sessions: signed cookies backed by a stored row', () => {
  it('accepts the cookie it issued, until it expires', async () => {
    let now = 1_800_000_000_000;
    const sessions = new DashboardSessions(TOKEN, new MemoryStore(), () => now);
    const { cookie, session } = await sessions.issue();
    expect(await sessions.verify(cookie)).toEqual(session);
    now += SESSION_TTL_MS - 1000;
    expect(await sessions.verify(cookie)).toEqual(session);
    now += 1000;
    expect(await sessions.verify(cookie)).toBeNull();
  });

  it('refuses a changed cookie, a cookie from another API token, and garbage, without asking the store', async () => {
    const store = new MemoryStore();
    const sessions = new DashboardSessions(TOKEN, store);
    const { cookie } = await sessions.issue();
    const [id, exp, mac] = cookie.split('.');
    expect(await sessions.verify(`${id}.${Number(exp) + 3600}.${mac}`)).toBeNull();
    expect(await sessions.verify(`${id}x.${exp}.${mac}`)).toBeNull();
    expect(await new DashboardSessions(`${TOKEN}-other`, store).verify(cookie)).toBeNull();
    for (const junk of [undefined, '', 'a.b', 'a.b.c.d', `${id}.${exp}.`, 'x'.repeat(500)])
      expect(await sessions.verify(junk)).toBeNull();
    expect(store.lookups).toBe(0);
  });

  it('refuses a signed-out session, in any process that shares the store', async () => {
    const store = new MemoryStore();
    const here = new DashboardSessions(TOKEN, store);
    const there = new DashboardSessions(TOKEN, store);
    const a = await here.issue();
    const b = await here.issue();
    expect(await there.verify(a.cookie)).toEqual(a.session);
    await here.revoke(a.session);
    expect(await here.verify(a.cookie)).toBeNull();
    expect(await there.verify(a.cookie)).toBeNull();
    expect(await there.verify(b.cookie)).toEqual(b.session);
  });

  it('stores a digest of the session id, never the id, the cookie or the API token', async () => {
    const store = new MemoryStore();
    const sessions = new DashboardSessions(TOKEN, store);
    const { cookie, session } = await sessions.issue();
    const [key] = [...store.rows.keys()];
    expect(key).toBe(sessionIdHash(session.id));
    for (const secret of [session.id, cookie, TOKEN]) expect(key).not.toContain(secret);
    // A row found by its digest is not a way in: the cookie also needs the signature.
    expect(await sessions.verify(`${key}.${session.expiresAt / 1000}.x`)).toBeNull();
  });

  it('prunes expired rows when someone signs in', async () => {
    let now = 1_800_000_000_000;
    const store = new MemoryStore();
    const sessions = new DashboardSessions(TOKEN, store, () => now);
    await sessions.issue();
    await sessions.issue();
    now += SESSION_TTL_MS;
    await sessions.issue();
    expect(store.rows.size).toBe(1);
  });

  it('ties CSRF tokens to their session and sign-in tokens to their nonce', async () => {
    const sessions = new DashboardSessions(TOKEN, new MemoryStore());
    const a = (await sessions.issue()).session;
    const b = (await sessions.issue()).session;
    expect(sessions.csrfMatches(a, sessions.csrfToken(a))).toBe(true);
    expect(sessions.csrfMatches(a, sessions.csrfToken(b))).toBe(false);
    expect(sessions.csrfMatches(a, undefined)).toBe(false);
    expect(sessions.csrfMatches(a, '')).toBe(false);
    const nonce = sessions.newSignInNonce();
    expect(sessions.signInTokenMatches(nonce, sessions.signInToken(nonce))).toBe(true);
    expect(sessions.signInTokenMatches(sessions.newSignInNonce(), sessions.signInToken(nonce))).toBe(false);
    expect(sessions.signInTokenMatches(undefined, sessions.signInToken(nonce))).toBe(false);
    // A token made for one purpose is no good for another.
    expect(sessions.csrfMatches({ id: nonce, expiresAt: 0 }, sessions.signInToken(nonce))).toBe(false);
  });

  it('checks the API token exactly', () => {
    const sessions = new DashboardSessions(TOKEN, new MemoryStore());
    expect(sessions.isApiToken(TOKEN)).toBe(true);
    expect(sessions.isApiToken(`${TOKEN} `)).toBe(false);
    expect(sessions.isApiToken(TOKEN.slice(0, -1))).toBe(false);
    expect(sessions.isApiToken('')).toBe(false);
    expect(sameSecret('a', 'a')).toBe(true);
  });

  it('never puts the API token in a cookie or a token', async () => {
    const sessions = new DashboardSessions(TOKEN, new MemoryStore());
    const { cookie, session } = await sessions.issue();
    for (const v of [cookie, sessions.csrfToken(session), sessions.signInToken('n')]) expect(v).not.toContain(TOKEN);
  });
});

describe('readCookie', () => {
  it('finds one cookie among several', () => {
    expect(readCookie('a=1; crier_session=x.y.z; b=2', 'crier_session')).toBe('x.y.z');
    expect(readCookie('xcrier_session=1', 'crier_session')).toBeUndefined();
    expect(readCookie(undefined, 'crier_session')).toBeUndefined();
  });
});
