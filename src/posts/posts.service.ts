import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service';
import { ArticlesService } from '../articles/articles.service';
import { measureUserText } from '../articles/composer';
import { templateProblem } from '../articles/templates';
import { BadInput, Conflict, isUuid, NotFound, Unprocessable } from '../common/errors';
import type { AccountRow, ArticleRow, DeliveryRow, PostRow } from '../database/schema';
import type { PlatformId, PublishArticle, RemoteAccount } from '../platforms/platform';
import { getAdapter } from '../platforms/platform.registry';
import { DeliveryStateService } from './delivery-state.service';
import { nextStatus } from './delivery-transitions';
import { decodeCursor, encodeCursor } from './listing-cursor';
import { NewDelivery, PostsRepository } from './posts.repository';
import { resolveScheduledAt, ScheduleTimeError } from './schedule-time';
import { DeliveryStatus, derivePostStatus, PostStatus } from './statuses';

export interface CreatePostInput {
  articleId?: string;
  text?: string;
  accountIds: string[];
  scheduledAt?: string;
  timezone?: string;
  overrides?: Record<string, { text: string }>;
  /** Template for text composed from the article (feeds pass theirs); accounts' own templates apply otherwise. */
  template?: string;
}

export interface DeliveryView {
  id: string;
  postId: string;
  accountId: string | null;
  platform: string;
  status: string;
  text: string;
  attempts: number;
  scheduledAt: string;
  nextAttemptAt: string;
  remoteId: string | null;
  remoteUrl: string | null;
  error: string | null;
  publishedAt: string | null;
  /** A thread's parts (part 1 = `text`) and the remote ids of those already posted; only on thread deliveries. */
  parts?: string[];
  threadRemoteIds?: string[];
}

export interface PostView {
  id: string;
  status: string;
  articleId: string | null;
  text: string | null;
  scheduledAt: string;
  timezone: string | null;
  createdAt: string;
  deliveries: DeliveryView[];
}

/** What "retry failed" takes: of the deliveries that did not go out, those the user-retry event may move. */
const RETRY_FAILED: readonly DeliveryStatus[] = (['failed', 'unconfirmed'] as const).filter(
  (s) => nextStatus(s, 'userRetry') !== null,
);

/**
 * A key reserved this long ago whose response is still missing was abandoned by its process: far longer than the
 * few statements between reserving it and saving the response take, even on a slow database (POOL_SETTINGS).
 */
const IN_PROGRESS_STALE_MS = 60_000;

/** Creating, listing, moving and cancelling posts. Rows are written first; jobs follow (the sweep mends gaps). */
@Injectable()
export class PostsService {
  private readonly log = new Logger(PostsService.name);

  constructor(
    private readonly repo: PostsRepository,
    private readonly accounts: AccountsService,
    private readonly articles: ArticlesService,
    private readonly states: DeliveryStateService,
  ) {}

  async create(input: CreatePostInput, idempotencyKey?: string): Promise<{ status: number; body: PostView }> {
    const scheduledAt = this.scheduledAt(input.scheduledAt, input.timezone);
    const ids = input.accountIds;
    if (new Set(ids).size !== ids.length) throw new BadInput('accountIds must not repeat an account');
    for (const [key, value] of Object.entries(input.overrides ?? {})) {
      if (!ids.includes(key)) throw new BadInput(`overrides.${key} is not one of accountIds`);
      const text = (value as { text?: unknown } | null)?.text;
      if (typeof text !== 'string' || text.trim() === '')
        throw new BadInput(`overrides.${key}.text must be a non-empty string`);
    }
    if ((input.articleId === undefined) === (input.text === undefined)) {
      throw new BadInput('give exactly one of articleId or text');
    }
    const article = input.articleId !== undefined ? await this.articles.row(input.articleId, 'articleId') : null;
    const accounts = await this.loadAccounts(ids);
    const deliveries = await this.planDeliveries(accounts, article, input);

    const post = {
      id: randomUUID(),
      articleId: article?.id ?? null,
      text: input.text ?? null,
      scheduledAt,
      timezone: input.timezone ?? null,
    };
    const requestHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
    const created = await this.repo.transaction(async (tx) => {
      const key = idempotencyKey;
      if (key !== undefined && !(await this.repo.reserveIdempotencyKey(tx, key, requestHash, post.id))) return null;
      await this.repo.insertPost(post, deliveries, tx);
      return true;
    });
    if (!created) return this.replay(idempotencyKey as string, requestHash);

    const body = await this.get(post.id);
    if (idempotencyKey !== undefined) {
      await this.repo.transaction((tx) => this.repo.saveIdempotentResponse(tx, idempotencyKey, 201, body));
    }
    await this.enqueue(body.deliveries.filter((d) => d.status === 'scheduled'));
    return { status: 201, body };
  }

  async list(q: { status?: PostStatus; from?: Date; to?: Date; limit: number; cursor?: string }) {
    const key = q.cursor ? decodeCursor(q.cursor) : undefined;
    const after = key && { createdAt: key.at, id: key.id };
    const rows = await this.repo.listPosts({ status: q.status, from: q.from, to: q.to, limit: q.limit + 1, after });
    const page = rows.slice(0, q.limit);
    const deliveries = await this.repo.deliveriesOfPosts(page.map((p) => p.id));
    const last = page.at(-1);
    return {
      items: page.map((p) =>
        postView(
          p,
          deliveries.filter((d) => d.post_id === p.id),
        ),
      ),
      nextCursor: rows.length > q.limit && last ? encodeCursor({ at: new Date(last.created_at), id: last.id }) : null,
    };
  }

  async get(id: string): Promise<PostView> {
    const post = await this.postRow(id);
    return postView(post, await this.repo.deliveriesOfPosts([post.id]));
  }

  async reschedule(id: string, scheduledAtText: string, timezone?: string): Promise<PostView> {
    const post = await this.postRow(id);
    const at = this.scheduledAt(scheduledAtText, timezone ?? post.timezone ?? undefined);
    const moved = await this.states.apply(
      'reschedule',
      { postId: post.id },
      {
        set: () => ({ scheduled_at: at, next_attempt_at: at }),
        also: (tx) => this.repo.moveScheduledAt(post.id, at, tx),
      },
    );
    if (moved.length === 0) throw new Conflict(`post ${id} has no delivery left that has not started`);
    return this.get(post.id);
  }

  /**
   * Moves one delivery of a post (one target later or sooner than the others); the post keeps its own time. A
   * local `scheduledAt` is read in `timezone`, else in the post's stored one.
   */
  async rescheduleDelivery(id: string, scheduledAtText: string, timezone?: string): Promise<DeliveryView> {
    const d = await this.deliveryRow(id);
    const post = await this.postRow(d.post_id);
    const at = this.scheduledAt(scheduledAtText, timezone ?? post.timezone ?? undefined);
    const [moved] = await this.states.apply(
      'reschedule',
      { ids: [d.id] },
      { set: () => ({ scheduled_at: at, next_attempt_at: at }) },
    );
    if (!moved) {
      throw new Conflict(`delivery ${id} is ${d.status}; only scheduled, retrying or held deliveries can be moved`);
    }
    return deliveryView(moved);
  }

  async cancel(id: string): Promise<PostView> {
    const post = await this.postRow(id);
    const cancelled = await this.states.apply('cancel', { postId: post.id }, { set: () => ({ error: null }) });
    if (cancelled.length === 0) throw new Conflict(`post ${id} has no delivery left to cancel`);
    return this.get(post.id);
  }

  async retryDelivery(id: string): Promise<DeliveryView> {
    const d = await this.deliveryRow(id);
    const [row] = await this.userRetry([d]);
    if (!row) {
      throw new Conflict(
        `delivery ${id} is ${d.status}; only failed, unconfirmed, cancelled or held deliveries can be retried`,
      );
    }
    return deliveryView(row);
  }

  /**
   * Every delivery of the post that did not go out and may be sent again: `failed` and `unconfirmed` ones (the
   * user-retry event). Cancelled ones stay cancelled (the user chose that); held ones wait for their account; one
   * whose account was deleted keeps its record (sent again, it could only end cancelled).
   */
  async retryFailed(id: string): Promise<PostView> {
    const post = await this.postRow(id);
    const deliveries = await this.repo.deliveriesOfPosts([post.id]);
    const retryable = deliveries.filter(
      (d) => d.account_id !== null && RETRY_FAILED.includes(d.status as DeliveryStatus),
    );
    const retried = await this.userRetry(retryable);
    if (retried.length === 0) throw new Conflict(`post ${id} has no failed or unconfirmed delivery to retry`);
    return postView(post, await this.repo.deliveriesOfPosts([post.id]));
  }

  async delivery(id: string) {
    const d = await this.deliveryRow(id);
    const attempts = await this.repo.attemptsOf(d.id);
    return {
      ...deliveryView(d),
      attemptLog: attempts.map((a) => ({
        attempt: a.attempt,
        startedAt: new Date(a.started_at).toISOString(),
        finishedAt: a.finished_at ? new Date(a.finished_at).toISOString() : null,
        outcome: a.outcome,
        statusCode: a.status_code,
        error: a.error,
        remoteId: a.remote_id,
      })),
    };
  }

  private scheduledAt(text: string | undefined, tz: string | undefined): Date {
    try {
      return resolveScheduledAt(text, tz, new Date());
    } catch (e) {
      if (e instanceof ScheduleTimeError) throw new BadInput(e.message);
      throw e;
    }
  }

  private async loadAccounts(ids: string[]): Promise<AccountRow[]> {
    const rows = await Promise.all(
      ids.map(async (id, i) => {
        try {
          return await this.accounts.row(id);
        } catch (e) {
          // Only "not found" is the caller's fault; the database being away is a 503, not a 404.
          if (!(e instanceof NotFound)) throw e;
          throw new NotFound(`accountIds[${i}]: account ${id} not found`);
        }
      }),
    );
    const disabled = rows.find((r) => r.status === 'disabled');
    if (disabled) throw new Unprocessable(`account ${disabled.id} is disabled`);
    return rows;
  }

  /**
   * Every delivery's final text: the user's own (checked against the limit: 422), or composed from the article by
   * the same function previews use, with the template of the request (feeds), else the account's, else the
   * platform's default.
   */
  private async planDeliveries(
    accounts: AccountRow[],
    article: ArticleRow | null,
    input: CreatePostInput,
  ): Promise<NewDelivery[]> {
    const composeFor = accounts.filter((acc) => (input.overrides?.[acc.id]?.text ?? input.text) === undefined);
    const targets = composeFor.map((acc) => {
      const adapter = getAdapter(acc.platform as PlatformId);
      if (input.template !== undefined) {
        const problem = templateProblem(input.template, adapter.limits(null).counting === 'code-points-after-html');
        if (problem) throw new BadInput(`template ${problem}`);
      }
      return {
        adapter,
        remote: (acc.remote as RemoteAccount | null) ?? null,
        template: input.template ?? acc.settings.template,
        thread: acc.settings.thread === 'true',
      };
    });
    const composed =
      article && targets.length > 0 ? await this.articles.compose(ArticlesService.composable(article), targets) : [];
    const texts = new Map(composeFor.map((acc, i) => [acc.id, composed[i]]));
    return accounts.map((acc) => {
      const c = texts.get(acc.id);
      // A thread (settings.thread, long article): every part is stored; `text` keeps part 1.
      const parts = c?.parts && c.parts.length > 1 ? c.parts.map((p) => p.text) : null;
      const d = this.planDelivery(acc, article, input, c?.text);
      return parts ? { ...d, parts } : d;
    });
  }

  private planDelivery(
    acc: AccountRow,
    article: ArticleRow | null,
    input: CreatePostInput,
    composedText: string | undefined,
  ): NewDelivery {
    const adapter = getAdapter(acc.platform as PlatformId);
    const remote = (acc.remote as RemoteAccount | null) ?? null;
    const userText = input.overrides?.[acc.id]?.text ?? input.text;
    let text: string;
    if (userText !== undefined) {
      const m = measureUserText(userText, adapter, remote, Boolean(article?.image_url));
      if (!m.fits) {
        throw new Unprocessable(
          `text for account ${acc.id} (${acc.platform}) is ${m.length} long as ${acc.platform} counts it; the limit is ${m.limit}`,
        );
      }
      text = m.text;
    } else {
      text = composedText as string;
    }
    const notApplicable = adapter.notApplicable?.(article ? publishArticle(article) : null) ?? null;
    if (notApplicable) {
      return {
        id: randomUUID(),
        accountId: acc.id,
        platform: acc.platform,
        status: 'skipped',
        text,
        error: notApplicable,
      };
    }
    const held = acc.status === 'reauth_required';
    return {
      id: randomUUID(),
      accountId: acc.id,
      platform: acc.platform,
      status: held ? 'held' : 'scheduled',
      text,
      error: held ? `account needs re-authentication: ${acc.status_reason ?? 'credentials were refused'}` : null,
    };
  }

  /**
   * The first response under a key. A key whose response was never saved is in progress, unless it is older than
   * IN_PROGRESS_STALE_MS: then the process that took it died between making the post (same transaction as the
   * key) and saving the response, and this request finishes the job from the post: saves the response, hands the
   * deliveries over and answers 201 with it. The post is never made twice.
   */
  private async replay(key: string, requestHash: string): Promise<{ status: number; body: PostView }> {
    const stored = await this.repo.findIdempotencyKey(key);
    if (stored && stored.request_hash !== requestHash) {
      throw new Unprocessable('this Idempotency-Key was already used with a different request body');
    }
    if (stored && stored.response !== null && stored.status_code !== null) {
      return { status: stored.status_code, body: stored.response as PostView };
    }
    const abandoned = stored && Date.now() - new Date(stored.created_at).getTime() >= IN_PROGRESS_STALE_MS;
    // A key from before migration 0009 has no post id: it stays until retention deletes it.
    const post = abandoned && stored.post_id ? await this.repo.findPost(stored.post_id) : undefined;
    if (!post) throw new Conflict('a request with this Idempotency-Key is still being processed');
    this.log.warn(`finishing post ${post.id}: the request that made it stopped before answering`);
    const body = await this.get(post.id);
    await this.repo.transaction((tx) => this.repo.saveIdempotentResponse(tx, key, 201, body));
    await this.enqueue(body.deliveries.filter((d) => d.status === 'scheduled'));
    return { status: 201, body };
  }

  /**
   * Jobs after the rows: each account whose next delivery is one of these gets its job (the others' turn comes
   * when the deliveries ahead of them finish). If the queue fails here, the sweep restores the jobs from Postgres.
   */
  private async enqueue(deliveries: Pick<DeliveryView, 'id' | 'accountId'>[]): Promise<void> {
    const accounts = deliveries.map((d) => d.accountId).filter((a): a is string => a !== null);
    await this.states.handOver(accounts, { only: new Set(deliveries.map((d) => d.id)) }).catch((e: Error) => {
      this.log.warn(`could not enqueue post deliveries now (${e.message}); the sweep will restore them`);
    });
  }

  /**
   * The user-retry event for these deliveries (only those it allows change). Retrying an unconfirmed delivery is
   * the user's explicit choice to send again: where the platform can be read, the worker still looks for the post
   * first; where it cannot, it sends.
   */
  private userRetry(rows: readonly DeliveryRow[]): Promise<DeliveryRow[]> {
    if (rows.length === 0) return Promise.resolve([]);
    const now = new Date();
    const platforms = [...new Set(rows.map((r) => r.platform))];
    const checkable = platforms.filter((p) => getAdapter(p as PlatformId).reconcile !== undefined);
    return this.states.apply(
      'userRetry',
      { ids: rows.map((r) => r.id) },
      {
        set: (eb) => ({
          attempts: 0,
          error: null,
          next_attempt_at: now,
          ambiguous:
            checkable.length > 0
              ? eb.and([eb.ref('ambiguous'), eb('platform', 'in', checkable)]).$castTo<boolean>()
              : false,
        }),
      },
    );
  }

  private async postRow(id: string): Promise<PostRow> {
    const row = isUuid(id) ? await this.repo.findPost(id) : undefined;
    if (!row) throw new NotFound(`post ${id} not found`);
    return row;
  }

  private async deliveryRow(id: string): Promise<DeliveryRow> {
    const row = isUuid(id) ? await this.repo.findDelivery(id) : undefined;
    if (!row) throw new NotFound(`delivery ${id} not found`);
    return row;
  }
}

/** The article as adapters see it (also what the worker passes to publish). */
export function publishArticle(
  a: Pick<ArticleRow, 'url' | 'title' | 'image_url' | 'video_url' | 'lead'>,
): PublishArticle {
  return { url: a.url, title: a.title, imageUrl: a.image_url, videoUrl: a.video_url, description: a.lead || null };
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function deliveryView(d: DeliveryRow): DeliveryView {
  return {
    id: d.id,
    postId: d.post_id,
    accountId: d.account_id,
    platform: d.platform,
    status: d.status,
    text: d.text,
    attempts: d.attempts,
    scheduledAt: iso(d.scheduled_at) as string,
    nextAttemptAt: iso(d.next_attempt_at) as string,
    remoteId: d.remote_id,
    remoteUrl: d.remote_url,
    error: d.error,
    publishedAt: iso(d.published_at),
    ...(d.parts ? { parts: d.parts, threadRemoteIds: d.thread_remote_ids ?? [] } : {}),
  };
}

function postView(p: PostRow, deliveries: DeliveryRow[]): PostView {
  return {
    id: p.id,
    // Derived from the deliveries it is shown with, so the two can never disagree (no stored copy to go stale).
    status: derivePostStatus(deliveries.map((d) => d.status as DeliveryStatus)),
    articleId: p.article_id,
    text: p.text,
    scheduledAt: iso(p.scheduled_at) as string,
    timezone: p.timezone,
    createdAt: iso(p.created_at) as string,
    deliveries: deliveries.map(deliveryView),
  };
}
