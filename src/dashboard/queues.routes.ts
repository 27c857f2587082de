import type { Router } from 'express';
import type { QueuesOverviewService } from '../queue/queues-overview.service';
import type { DashboardSessions } from './session';
import { contextOf } from './sign-in.routes';
import { queuesLive, queuesPage } from './views/queues.view';

export interface QueuesDeps {
  queues: QueuesOverviewService;
  sessions: DashboardSessions;
}

/** GET /dashboard/queues and its live region: the numbers of GET /api/v1/queues, as tables. */
export function addQueues(r: Router, deps: QueuesDeps): void {
  r.get('/queues', async (_req, res) => {
    const { platforms, webhooks } = await deps.queues.overview();
    res.type('html').send(queuesPage({ queues: platforms, webhooks }, contextOf(res, deps.sessions)));
  });

  r.get('/queues/live', async (_req, res) => {
    const { platforms, webhooks } = await deps.queues.overview();
    res.type('html').send(queuesLive({ queues: platforms, webhooks }).value);
  });
}
