import type { Request, Router } from 'express';
import { IANAZone } from 'luxon';
import { isUuid, NotFound } from '../common/errors';
import type { WebhooksService } from '../webhooks/webhooks.service';
import { query } from './html';
import type { DashboardSessions } from './session';
import { BASE, contextOf } from './sign-in.routes';
import { webhooksPage } from './views/webhooks.view';

export interface WebhooksDeps {
  webhooks: WebhooksService;
  sessions: DashboardSessions;
}

function tzOf(req: Request): string {
  const tz = req.query.tz;
  return typeof tz === 'string' && IANAZone.isValidZone(tz) ? tz : 'UTC';
}

/**
 * GET /dashboard/webhooks, and "Send again" on a receiver Crier disabled (POST /dashboard/webhooks/:id/enable, as
 * POST /api/v1/webhooks/:id/enable). Receivers are registered and deleted over the API or in the config file.
 */
export function addWebhooks(r: Router, deps: WebhooksDeps): void {
  r.get('/webhooks', async (req, res) => {
    const list = await deps.webhooks.list();
    const webhooks = await Promise.all(list.map((w) => deps.webhooks.get(w.id)));
    res.type('html').send(webhooksPage({ webhooks, tz: tzOf(req) }, contextOf(res, deps.sessions)));
  });

  r.post('/webhooks/:id/enable', async (req, res) => {
    const id = String(req.params.id);
    if (!isUuid(id)) throw new NotFound(`webhook ${id} not found`);
    await deps.webhooks.enable(id);
    res.redirect(303, `${BASE}/webhooks${query({ tz: tzOf(req) })}`);
  });
}
