import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { HttpException, INestApplication, Logger } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { AccountHealthService } from '../accounts/account-health.service';
import { AccountsService } from '../accounts/accounts.service';
import { dashboardAuth } from '../common/auth.middleware';
import { unavailableDependency } from '../common/errors';
import { DATABASE, Db } from '../database/database';
import { FeedsService } from '../feeds/feeds.service';
import { PausesService } from '../pauses/pauses.service';
import { DeliveriesService } from '../posts/deliveries.service';
import { PostsService } from '../posts/posts.service';
import { QueueService } from '../queue/queue.service';
import { QueuesOverviewService } from '../queue/queues-overview.service';
import { addAccounts } from './accounts.routes';
import { CSS, CSS_PATH, SCRIPT, SCRIPT_PATH } from './assets';
import { DashboardRepository } from './dashboard.repository';
import { addFeeds } from './feeds.routes';
import { addPages } from './pages.routes';
import { addPauses, loadActivePauses } from './pauses.routes';
import { addWebhooks } from './webhooks.routes';
import { WebhooksService } from '../webhooks/webhooks.service';
import { addQueues } from './queues.routes';
import { DashboardSessions } from './session';
import { DashboardSessionsRepository } from './sessions.repository';
import { addSignIn, BASE, sessionOf } from './sign-in.routes';
import { errorPage, QUEUES_PATH } from './views/layout.view';

/** The operator's pages (server-rendered, signed-in with the API token); bull-board stays at QUEUES_PATH. */
export const DASHBOARD_PATH = BASE;
export { QUEUES_PATH };
const log = new Logger('Dashboard');

/**
 * Pages only run this page's own script and stylesheet, are never framed, and post forms only to us: even an
 * escaping mistake could not run code from the data shown.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function headers(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  next();
}

function asset(path: string, type: string, body: string) {
  return [
    path.slice(BASE.length),
    (_req: Request, res: Response) => {
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.type(type).send(body);
    },
  ] as const;
}

/** Any error of a dashboard route as a page: the service's 4xx with its message, a 503 when a dependency is away. */
function errors(sessions: DashboardSessions) {
  return (e: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let status = 500;
    let message = 'Something went wrong; the log has the details.';
    if (e instanceof HttpException) {
      status = e.getStatus();
      const body = e.getResponse() as { message?: unknown };
      message = typeof body === 'object' && typeof body.message === 'string' ? body.message : e.message;
    } else if (unavailableDependency(e)) {
      status = 503;
      message = 'The database or Redis is unavailable; this page tries again shortly.';
      res.setHeader('Retry-After', '5');
    } else {
      log.error(`dashboard ${req.method} ${req.path} failed`, e instanceof Error ? e.stack : String(e));
    }
    if (res.headersSent) return;
    const signedIn = res.locals.session ? { csrf: sessions.csrfToken(sessionOf(res)) } : null;
    if (req.path.endsWith('/live')) res.status(status).type('text').send(message);
    else
      res
        .status(status)
        .type('html')
        .send(errorPage(status, message, signedIn));
  };
}

/**
 * bull-board over every platform queue and the webhooks queue, behind the API token (API role only), and the
 * dashboard's pages.
 */
export function mountDashboard(app: INestApplication, token: string): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  const queues = app.get(QueueService);
  createBullBoard({
    queues: [...queues.queues.values(), queues.webhooks].map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Crier queues' } },
  });
  app.use(QUEUES_PATH, dashboardAuth(token), serverAdapter.getRouter());

  const sessions = new DashboardSessions(token, new DashboardSessionsRepository(app.get<symbol, Db>(DATABASE)));
  const deps = {
    posts: app.get(PostsService),
    deliveries: app.get(DeliveriesService),
    pauses: app.get(PausesService),
    accounts: app.get(AccountsService),
    health: app.get(AccountHealthService),
    feeds: app.get(FeedsService),
    queues: app.get(QueuesOverviewService),
    repo: new DashboardRepository(app.get<symbol, Db>(DATABASE)),
    webhooks: app.get(WebhooksService),
    sessions,
  };
  const router = express.Router();
  router.use(headers);
  router.get(...asset(CSS_PATH, 'css', CSS));
  router.get(...asset(SCRIPT_PATH, 'js', SCRIPT));
  addSignIn(router, sessions);
  router.use(loadActivePauses(deps.pauses));
  addPages(router, deps);
  addPauses(router, deps);
  addAccounts(router, deps);
  addFeeds(router, deps);
  addQueues(router, deps);
  addWebhooks(router, deps);
  router.use((req: Request, res: Response) => {
    res
      .status(404)
      .type('html')
      .send(errorPage(404, `There is no page at ${req.originalUrl}.`, { csrf: sessions.csrfToken(sessionOf(res)) }));
  });
  router.use(errors(sessions));
  app.use(BASE, router);
}
