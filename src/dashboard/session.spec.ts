import { DashboardSessions, readCookie, sameSecret, SESSION_TTL_MS } from './session';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';

describe('dashboard sessions: signed cookies keyed from the API token', () => {
  it('accepts the cookie it issued, until it expires', () => {
    let now = 1_800_000_000_000;
    const sessions = new DashboardSessions(TOKEN, () => now);
    const { cookie, session } = sessions.issue();
    expect(sessions.verify(cookie)).toEqual(session);
    now += SESSION_TTL_MS - 1000;
    expect(sessions.verify(cookie)).toEqual(session);
    now += 1000;
    expect(sessions.verify(cookie)).toBeNull();
  });

  it('refuses a changed cookie, a cookie from another API token, and garbage', () => {
    const sessions = new DashboardSessions(TOKEN);
    const { cookie } = sessions.issue();
    const [id, exp, mac] = cookie.split('.');
    expect(sessions.verify(`${id}.${Number(exp) + 3600}.${mac}`)).toBeNull();
    expect(sessions.verify(`${id}x.${exp}.${mac}`)).toBeNull();
    expect(new DashboardSessions(`${TOKEN}-other`).verify(cookie)).toBeNull();
    for (const junk of [undefined, '', 'a.b', 'a.b.c.d', `${id}.${exp}.`, 'x'.repeat(500)])
      expect(sessions.verify(junk)).toBeNull();
  });

  it('refuses a signed-out session', () => {
    const sessions = new DashboardSessions(TOKEN);
    const a = sessions.issue();
    const b = sessions.issue();
    sessions.revoke(a.session);
    expect(sessions.verify(a.cookie)).toBeNull();
    expect(sessions.verify(b.cookie)).toEqual(b.session);
  });

  it('ties CSRF tokens to their session and sign-in tokens to their nonce', () => {
    const sessions = new DashboardSessions(TOKEN);
    const a = sessions.issue().session;
    const b = sessions.issue().session;
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
    const sessions = new DashboardSessions(TOKEN);
    expect(sessions.isApiToken(TOKEN)).toBe(true);
    expect(sessions.isApiToken(`${TOKEN} `)).toBe(false);
    expect(sessions.isApiToken(TOKEN.slice(0, -1))).toBe(false);
    expect(sessions.isApiToken('')).toBe(false);
    expect(sameSecret('a', 'a')).toBe(true);
  });

  it('never puts the API token in a cookie or a token', () => {
    const sessions = new DashboardSessions(TOKEN);
    const { cookie, session } = sessions.issue();
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
