import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response, Router } from 'express';
import { query } from './html';
import {
  DashboardSessions,
  readCookie,
  Session,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  SIGN_IN_COOKIE,
  SIGN_IN_TTL_MS,
} from './session';
import { errorPage, PageContext } from './views/layout.view';
import { clientKey, SignInLimiter } from './sign-in-limiter';
import { signInPage } from './views/sign-in.view';

export const BASE = '/dashboard';
const log = new Logger('Dashboard');

/** The fields of a form post. Bodies reach us as bytes (main.ts parses only JSON); anything else is no form. */
export function formOf(req: Request): URLSearchParams {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded') || !Buffer.isBuffer(req.body)) return new URLSearchParams();
  return new URLSearchParams(req.body.toString('utf8'));
}

/** Where to go after signing in: a dashboard path only, so the form cannot send anyone to another site. */
function safeNext(next: string | null | undefined): string {
  const ok =
    typeof next === 'string' &&
    next.length <= 2000 &&
    /^\/dashboard(\/[\x21-\x5b\x5d-\x7e]*)?(\?[\x21-\x7e]*)?$/.test(next) &&
    !next.includes('//');
  return ok && !next.startsWith(`${BASE}/sign-`) ? next : `${BASE}/today`;
}

/** HttpOnly, SameSite=Strict, only under /dashboard, Secure when the request came over https (directly or proxied). */
function cookieOptions(req: Request, maxAge: number) {
  const https =
    req.secure ||
    String(req.headers['x-forwarded-proto'] ?? '')
      .split(',')[0]
      .trim() === 'https';
  return { httpOnly: true, sameSite: 'strict' as const, secure: https, path: BASE, maxAge };
}

/** "3 minutes", "1 minute", "40 seconds": how long to wait, in words. */
export function waitWords(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

export function sessionOf(res: Response): Session {
  return res.locals.session as Session;
}

export function contextOf(res: Response, sessions: DashboardSessions): PageContext {
  // The active pauses, for the banner (pauses.routes.ts, loadActivePauses).
  return { csrf: sessions.csrfToken(sessionOf(res)), pauses: res.locals.pauses as PageContext['pauses'] };
}

/** The sign-in form's nonce: the browser's, else a new one set in its cookie (for an hour). */
function formNonce(req: Request, res: Response, sessions: DashboardSessions): string {
  const nonce = readCookie(req.headers.cookie, SIGN_IN_COOKIE);
  if (nonce && /^[A-Za-z0-9_-]{24}$/.test(nonce)) return nonce;
  const fresh = sessions.newSignInNonce();
  res.cookie(SIGN_IN_COOKIE, fresh, cookieOptions(req, SIGN_IN_TTL_MS));
  return fresh;
}

/**
 * Sign-in, sign-out, and the gate in front of every other dashboard route: no session, and a page request goes
 * to the sign-in form (a live-region fetch gets 401); a state-changing request needs the session's CSRF token
 * (form field `_csrf`, or the `X-CSRF-Token` header), else 403. The sign-in form has its own CSRF token, tied to
 * a nonce cookie, since there is no session yet. Wrong tokens are limited per client address (SignInLimiter):
 * past the limit, sign-in answers 429 with Retry-After and says how long to wait.
 */
export function addSignIn(r: Router, sessions: DashboardSessions, limiter = new SignInLimiter()): void {
  r.get('/sign-in', async (req, res) => {
    const next = safeNext(typeof req.query.next === 'string' ? req.query.next : undefined);
    if (await sessions.verify(readCookie(req.headers.cookie, SESSION_COOKIE))) return res.redirect(303, next);
    res.type('html').send(signInPage({ csrf: sessions.signInToken(formNonce(req, res, sessions)), next }));
  });

  r.post('/sign-in', async (req, res) => {
    const form = formOf(req);
    const next = safeNext(form.get('next'));
    const nonce = readCookie(req.headers.cookie, SIGN_IN_COOKIE);
    const client = clientKey(req.socket.remoteAddress);
    const wait = limiter.waitMs(client);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      res.setHeader('Retry-After', String(seconds));
      const error = `Too many wrong tokens from your address. Wait ${waitWords(seconds)}, then try again.`;
      return res
        .status(429)
        .type('html')
        .send(signInPage({ csrf: sessions.signInToken(formNonce(req, res, sessions)), next, error }));
    }
    if (!sessions.signInTokenMatches(nonce, form.get('_csrf') ?? undefined)) {
      const again = `${BASE}/sign-in${query({ next })}`;
      return res
        .status(403)
        .type('html')
        .send(errorPage(403, `The sign-in form expired or came from elsewhere. Open ${again} and try again.`, null));
    }
    if (!sessions.isApiToken(form.get('token') ?? '')) {
      limiter.fail(client);
      log.warn('dashboard sign-in refused: wrong API token');
      return res
        .status(401)
        .type('html')
        .send(signInPage({ csrf: sessions.signInToken(nonce as string), next, error: 'That is not the API token.' }));
    }
    limiter.succeed(client);
    const { cookie } = await sessions.issue();
    res.cookie(SESSION_COOKIE, cookie, cookieOptions(req, SESSION_TTL_MS));
    res.clearCookie(SIGN_IN_COOKIE, { ...cookieOptions(req, 0), maxAge: undefined });
    res.redirect(303, next);
  });

  r.use(async (req: Request, res: Response, next: NextFunction) => {
    const session = await sessions.verify(readCookie(req.headers.cookie, SESSION_COOKIE));
    const reading = req.method === 'GET' || req.method === 'HEAD';
    if (!session) {
      if (!reading)
        return res
          .status(403)
          .type('html')
          .send(errorPage(403, 'Sign in first.', null));
      if (req.path.endsWith('/live')) return res.status(401).type('text').send('signed out');
      return res.redirect(303, `${BASE}/sign-in${query({ next: req.originalUrl })}`);
    }
    if (!reading) {
      const token = formOf(req).get('_csrf') ?? req.header('x-csrf-token');
      if (!sessions.csrfMatches(session, token)) {
        const message = 'This form expired or did not come from this dashboard. Reload the page and try again.';
        return res
          .status(403)
          .type('html')
          .send(errorPage(403, message, null));
      }
    }
    res.locals.session = session;
    next();
  });

  r.post('/sign-out', async (req, res) => {
    await sessions.revoke(sessionOf(res));
    res.clearCookie(SESSION_COOKIE, { ...cookieOptions(req, 0), maxAge: undefined });
    res.redirect(303, `${BASE}/sign-in`);
  });
}
