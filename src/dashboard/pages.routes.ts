import { HttpException } from '@nestjs/common';
import type { Request, Response, Router } from 'express';
import { IANAZone } from 'luxon';
import { BadInput, isUuid, NotFound } from '../common/errors';
import type { PausesService } from '../pauses/pauses.service';
import type { DeliveriesService } from '../posts/deliveries.service';
import type { PostsService } from '../posts/posts.service';
import type { DashboardRepository } from './dashboard.repository';
import { addFailures, failuresUrl, fromFailures, refusedOnFailures } from './failures.routes';
import { query } from './html';
import { BASE, contextOf, formOf } from './sign-in.routes';
import type { DashboardSessions } from './session';
import { parseTodayQuery } from './today.query';
import { AttemptEntry, PostModel, postLive, postPage } from './views/post.view';
import { TodayModel, todayPage, todayResults } from './views/today.view';
import { pausedLabel } from './views/pauses.view';
import { refusalOf } from './refusal';

/** Posts a Today view shows at most; past that it asks for narrower filters (keeps the page fast and small). */
export const TODAY_LIMIT = 300;

/** Fixed texts for `?done=`: the URL says what happened, the page says it in words (no text from the URL). */
const NOTICES: Record<string, string> = {
  retried: 'The delivery is queued again.',
  'retried-all': 'Every failed delivery is queued again.',
  cancelled: 'Every delivery that had not started is cancelled.',
  rescheduled: 'The post is rescheduled.',
  'rescheduled-delivery': 'The delivery is rescheduled.',
};

export interface PageDeps {
  posts: PostsService;
  deliveries: DeliveriesService;
  pauses: PausesService;
  repo: DashboardRepository;
  sessions: DashboardSessions;
}

function tzOf(req: Request): string {
  const tz = req.query.tz;
  return typeof tz === 'string' && IANAZone.isValidZone(tz) ? tz : 'UTC';
}

function postId(req: Request): string {
  const id = String(req.params.id);
  if (!isUuid(id)) throw new NotFound(`post ${id} not found`);
  return id;
}

async function todayModel(deps: PageDeps, req: Request): Promise<TodayModel> {
  const q = parseTodayQuery(req.query as Record<string, unknown>);
  const filter = { accountId: q.account, platform: q.platform, status: q.status };
  const [rows, accounts, paused] = await Promise.all([
    deps.repo.postsInWindow({ from: q.from, to: q.to, ...filter, search: q.q, limit: TODAY_LIMIT }),
    deps.repo.accounts(),
    deps.pauses.activeSet(),
  ]);
  const posts = rows.slice(0, TODAY_LIMIT);
  const badges = await deps.repo.badges(
    posts.map((p) => p.id),
    filter,
  );
  return {
    query: q,
    posts: posts.map((p) => ({
      ...p,
      badges: badges
        .filter((b) => b.postId === p.id)
        .map((b) => {
          const waiting = paused.waitingFor(b);
          return waiting ? { ...b, paused: pausedLabel(waiting) } : b;
        }),
    })),
    truncated: rows.length > TODAY_LIMIT,
    limit: TODAY_LIMIT,
    accounts,
    tzGiven: typeof req.query.tz === 'string',
  };
}

async function postModel(deps: PageDeps, id: string, tz: string): Promise<PostModel> {
  const post = await deps.posts.get(id);
  const [accounts, title, logs, paused] = await Promise.all([
    deps.repo.accounts(),
    post.articleId ? deps.repo.articleTitle(post.articleId) : Promise.resolve(null),
    Promise.all(post.deliveries.map((d) => deps.posts.delivery(d.id))),
    deps.pauses.activeSet(),
  ]);
  const waiting = post.deliveries.map((d) => [d.id, paused.waitingFor(d)] as const);
  return {
    post,
    title,
    accountNames: new Map(accounts.map((a) => [a.id, a.name])),
    attempts: new Map(logs.map((l) => [l.id, l.attemptLog as AttemptEntry[]])),
    paused: new Map(waiting.flatMap(([id, w]) => (w ? [[id, pausedLabel(w)] as const] : []))),
    tz,
  };
}

/**
 * After an action the service refused (409: nothing left to retry, cancel or move; 400: a time it cannot take),
 * the post page again, with the reason, under the refusal's status.
 */
async function refused(deps: PageDeps, req: Request, res: Response, id: string, e: unknown): Promise<void> {
  const refusal = refusalOf(e, [400, 409]);
  if (fromFailures(req)) return refusedOnFailures(deps, res, tzOf(req), refusal.message);
  const model = await postModel(deps, id, tzOf(req));
  model.error = refusal.message;
  res
    .status(refusal.status)
    .type('html')
    .send(postPage(model, contextOf(res, deps.sessions)));
}

/** The reschedule form's fields, each checked (400 naming it); the time itself is checked by the service. */
export function rescheduleForm(form: URLSearchParams): { scheduledAt: string; timezone?: string; target: string } {
  const scheduledAt = form.get('scheduledAt')?.trim();
  if (!scheduledAt) throw new BadInput('scheduledAt is required: the new date and time');
  const timezone = form.get('timezone')?.trim() || undefined;
  const target = form.get('target')?.trim() || 'post';
  if (target !== 'post' && !isUuid(target)) throw new BadInput('target must be post or a delivery of this post');
  return { scheduledAt, timezone, target };
}

/** The signed-in pages (GET) and the actions (POST, CSRF-checked by the gate in sign-in.routes.ts). */
export function addPages(r: Router, deps: PageDeps): void {
  r.get('/', (_req, res) => res.redirect(303, `${BASE}/today`));

  r.get('/today', async (req, res) => {
    res.type('html').send(todayPage(await todayModel(deps, req), contextOf(res, deps.sessions)));
  });

  r.get('/today/live', async (req, res) => {
    res.type('html').send(todayResults(await todayModel(deps, req)).value);
  });

  r.get('/posts/:id', async (req, res) => {
    const model = await postModel(deps, postId(req), tzOf(req));
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    if (done) model.notice = done;
    res.type('html').send(postPage(model, contextOf(res, deps.sessions)));
  });

  r.get('/posts/:id/live', async (req, res) => {
    const model = await postModel(deps, postId(req), tzOf(req));
    res.type('html').send(postLive(model, contextOf(res, deps.sessions)).value);
  });

  addFailures(r, deps, tzOf);

  r.post('/deliveries/:id/retry', async (req, res) => {
    const id = String(req.params.id);
    let postOf: string;
    try {
      postOf = (await deps.posts.retryDelivery(id)).postId;
    } catch (e) {
      if (!(e instanceof HttpException) || e.getStatus() !== 409) throw e;
      return refused(deps, req, res, (await deps.posts.delivery(id)).postId, e);
    }
    if (fromFailures(req)) return res.redirect(303, failuresUrl(tzOf(req), 'retried'));
    res.redirect(303, `${BASE}/posts/${postOf}${query({ tz: tzOf(req), done: 'retried' })}`);
  });

  r.post('/posts/:id/retry-failed', async (req, res) => {
    const id = postId(req);
    try {
      await deps.posts.retryFailed(id);
    } catch (e) {
      return refused(deps, req, res, id, e);
    }
    res.redirect(303, `${BASE}/posts/${id}${query({ tz: tzOf(req), done: 'retried-all' })}`);
  });

  r.post('/posts/:id/reschedule', async (req, res) => {
    const id = postId(req);
    const form = formOf(req);
    let done: string;
    try {
      const { scheduledAt, timezone, target } = rescheduleForm(form);
      if (target === 'post') {
        await deps.posts.reschedule(id, scheduledAt, timezone);
        done = 'rescheduled';
      } else {
        const post = await deps.posts.get(id);
        if (!post.deliveries.some((d) => d.id === target))
          throw new BadInput('target must be post or a delivery of this post');
        await deps.posts.rescheduleDelivery(target, scheduledAt, timezone);
        done = 'rescheduled-delivery';
      }
    } catch (e) {
      return refused(deps, req, res, id, e);
    }
    res.redirect(303, `${BASE}/posts/${id}${query({ tz: tzOf(req), done })}`);
  });

  r.post('/posts/:id/cancel', async (req, res) => {
    const id = postId(req);
    try {
      await deps.posts.cancel(id);
    } catch (e) {
      return refused(deps, req, res, id, e);
    }
    if (fromFailures(req)) return res.redirect(303, failuresUrl(tzOf(req), 'cancelled'));
    res.redirect(303, `${BASE}/posts/${id}${query({ tz: tzOf(req), done: 'cancelled' })}`);
  });
}
