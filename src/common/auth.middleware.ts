import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `/api/*`: Bearer token only. Mounted before routing, so unknown paths answer 401 too. */
export function bearerAuth(token: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (m && same(m[1], token)) return next();
    res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: 'missing or wrong bearer token' });
  };
}

/** The dashboard: HTTP basic with the API token as password (any user name), or the bearer token. */
export function dashboardAuth(token: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const h = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(h);
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h);
    if (bearer && same(bearer[1], token)) return next();
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      if (decoded.includes(':') && same(password, token)) return next();
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="Crier dashboard (password: the API token)", charset="UTF-8"');
    res
      .status(401)
      .json({ statusCode: 401, error: 'Unauthorized', message: 'the dashboard needs the API token as password' });
  };
}
