import type { Request, Router } from 'express';
import { IANAZone } from 'luxon';
import type { WebhooksService } from '../webhooks/webhooks.service';
import type { DashboardSessions } from './session';
import { contextOf } from './sign-in.routes';
import { webhooksPage } from './views/webhooks.view';

export interface WebhooksDeps {
  webhooks: WebhooksService;
  sessions: DashboardSessions;
}

function tzOf(req: Request): string {
  const tz = req.query.tz;
  return typeof tz === 'string' && IANAZone.isValidZone(tz) ? tz : 'UTC';
}

/** GET /dashboard/webhooks (read-only: receivers are registered and deleted over the API). */
export function addWebhooks(r: Router, deps: WebhooksDeps): void {
  r.get('/webhooks', async (req, res) => {
    const list = await deps.webhooks.list();
    const webhooks = await Promise.all(list.map((w) => deps.webhooks.get(w.id)));
    res.type('html').send(webhooksPage({ webhooks, tz: tzOf(req) }, contextOf(res, deps.sessions)));
  });
}
