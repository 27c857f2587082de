import { HttpException } from '@nestjs/common';
import type { Request, Response, Router } from 'express';
import { IANAZone } from 'luxon';
import { isUuid, NotFound } from '../common/errors';
import type { DeliveriesService } from '../posts/deliveries.service';
import type { PostsService } from '../posts/posts.service';
import type { DashboardRepository } from './dashboard.repository';
import { addFailures, failuresUrl, fromFailures, refusedOnFailures } from './failures.routes';
import { query } from './html';
import { BASE, contextOf } from './sign-in.routes';
import type { DashboardSessions } from './session';
import { parseTodayQuery } from './today.query';
import { AttemptEntry, PostModel, postLive, postPage } from './views/post.view';
import { TodayModel, todayPage, todayResults } from './views/today.view';

/** Posts a Today view shows at most; past that it asks for narrower filters (keeps the page fast and small). */
export const TODAY_LIMIT = 300;

/** Fixed texts for `?done=`: the URL says what happened, the page says it in words (no text from the URL). */
const NOTICES: Record<string, string> = {
  retried: 'The delivery is queued again.',
  'retried-all': 'Every failed delivery is queued again.',
  cancelled: 'Every delivery that had not started is cancelled.',
};

export interface PageDeps {
  posts: PostsService;
  deliveries: DeliveriesService;
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
  const [rows, accounts] = await Promise.all([
    deps.repo.postsInWindow({ from: q.from, to: q.to, ...filter, search: q.q, limit: TODAY_LIMIT }),
    deps.repo.accounts(),
  ]);
  const posts = rows.slice(0, TODAY_LIMIT);
  const badges = await deps.repo.badges(
    posts.map((p) => p.id),
    filter,
  );
  return {
    query: q,
    posts: posts.map((p) => ({ ...p, badges: badges.filter((b) => b.postId === p.id) })),
    truncated: rows.length > TODAY_LIMIT,
    limit: TODAY_LIMIT,
    accounts,
    tzGiven: typeof req.query.tz === 'string',
  };
}

async function postModel(deps: PageDeps, id: string, tz: string): Promise<PostModel> {
  const post = await deps.posts.get(id);
  const [accounts, title, logs] = await Promise.all([
    deps.repo.accounts(),
    post.articleId ? deps.repo.articleTitle(post.articleId) : Promise.resolve(null),
    Promise.all(post.deliveries.map((d) => deps.posts.delivery(d.id))),
  ]);
  return {
    post,
    title,
    accountNames: new Map(accounts.map((a) => [a.id, a.name])),
    attempts: new Map(logs.map((l) => [l.id, l.attemptLog as AttemptEntry[]])),
    tz,
  };
}

/**
 * After an action the service refused (409: nothing left to retry or cancel), the post page again, with the
 * reason, under the refusal's status.
 */
async function refused(deps: PageDeps, req: Request, res: Response, id: string, e: unknown): Promise<void> {
  if (!(e instanceof HttpException) || e.getStatus() !== 409) throw e;
  const body = e.getResponse() as { message?: string };
  if (fromFailures(req)) return refusedOnFailures(deps, res, tzOf(req), body.message ?? e.message);
  const model = await postModel(deps, id, tzOf(req));
  model.error = body.message ?? e.message;
  res
    .status(409)
    .type('html')
    .send(postPage(model, contextOf(res, deps.sessions)));
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
