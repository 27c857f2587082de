import type { Request, Response, Router } from 'express';
import type { DeliveriesService } from '../posts/deliveries.service';
import { groupFailures, INBOX_STATUSES, STUCK_AFTER_MS } from './failure-groups';
import { query } from './html';
import type { DashboardSessions } from './session';
import { BASE, contextOf } from './sign-in.routes';
import { FailuresModel, failuresLive, failuresPage } from './views/failures.view';

/** Deliveries the inbox shows at most; past that it says more exist (keeps the page fast and small). */
export const FAILURES_LIMIT = 200;

export interface FailuresDeps {
  deliveries: DeliveriesService;
  sessions: DashboardSessions;
}

/** Fixed texts for `?done=`, as on the post page: the URL says what happened, the page says it in words. */
const NOTICES: Record<string, string> = {
  retried: 'The delivery is queued again.',
  cancelled: 'Every delivery of that post that had not started is cancelled.',
};

/** An action's form on the inbox carries `?back=failures`: the action returns there, not to the post page. */
export function fromFailures(req: Request): boolean {
  return req.query.back === 'failures';
}

export function failuresUrl(tz: string, done?: string): string {
  return `${BASE}/failures${query({ tz, done })}`;
}

async function failuresModel(deps: FailuresDeps, tz: string): Promise<FailuresModel> {
  const now = new Date();
  // One statement: the stuck-retrying rule runs in SQL too, so the cap counts only rows the inbox shows.
  const { items, nextCursor } = await deps.deliveries.list({
    statuses: INBOX_STATUSES,
    retryingStuckBefore: new Date(now.getTime() - STUCK_AFTER_MS),
    limit: FAILURES_LIMIT,
  });
  return { groups: groupFailures(items, now), truncated: nextCursor !== null, limit: FAILURES_LIMIT, tz };
}

/** After an action the service refused (409) from the inbox: the inbox again, with the reason. */
export async function refusedOnFailures(deps: FailuresDeps, res: Response, tz: string, message: string): Promise<void> {
  const model = await failuresModel(deps, tz);
  model.error = message;
  res
    .status(409)
    .type('html')
    .send(failuresPage(model, contextOf(res, deps.sessions)));
}

/** GET /dashboard/failures and its live region; the actions are the post page's (pages.routes.ts). */
export function addFailures(r: Router, deps: FailuresDeps, tzOf: (req: Request) => string): void {
  r.get('/failures', async (req, res) => {
    const model = await failuresModel(deps, tzOf(req));
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    if (done) model.notice = done;
    res.type('html').send(failuresPage(model, contextOf(res, deps.sessions)));
  });

  r.get('/failures/live', async (req, res) => {
    const model = await failuresModel(deps, tzOf(req));
    res.type('html').send(failuresLive(model, contextOf(res, deps.sessions)).value);
  });
}
