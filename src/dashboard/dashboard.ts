import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { dashboardAuth } from '../common/auth.middleware';
import { QueueService } from '../queue/queue.service';

export const DASHBOARD_PATH = '/admin/queues';

/** bull-board over every platform queue, behind the API token (API role only). */
export function mountDashboard(app: INestApplication, token: string): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  const queues = app.get(QueueService);
  createBullBoard({
    queues: [...queues.queues.values()].map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Crier queues' } },
  });
  app.use(DASHBOARD_PATH, dashboardAuth(token), serverAdapter.getRouter());
}
