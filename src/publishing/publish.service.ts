import { Inject, Injectable, Logger } from '@nestjs/common';
import { AccountsRepository } from '../accounts/accounts.repository';
import { AccountsService } from '../accounts/accounts.service';
import { CredentialRefreshService } from '../accounts/credential-refresh.service';
import { ArticlesRepository } from '../articles/articles.repository';
import { redact } from '../common/logger';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { AccountRow, DeliveryRow } from '../database/schema';
import { MetricsService } from '../health/metrics.service';
import {
  AccountRef,
  AdapterContext,
  AmbiguousError,
  isPlatformError,
  PlatformAdapter,
  PlatformError,
  PlatformId,
  PublishRequest,
  PublishResult,
  RateLimitedError,
} from '../platforms/platform';
import { getAdapter } from '../platforms/platform.registry';
import { AccountHoldsService } from '../posts/account-holds.service';
import { PostsRepository } from '../posts/posts.repository';
import { publishArticle } from '../posts/posts.service';
import { backoffMs, DeliveryStatus, RUNNABLE } from '../posts/statuses';
import type { Redis } from 'ioredis';
import { QueueService } from '../queue/queue.service';
import { REDIS } from '../queue/redis';
import { AccountLock } from './account-lock';

const DAY_MS = 24 * 3600_000;
const PARK_MAX_MS = 10 * 60_000;
const jitter = (ms: number) => Math.round(ms * (0.75 + Math.random() * 0.5));

/** What the queue should do with the job after one run. */
export type JobOutcome = { done: true; note: string } | { done: false; runAt: Date; note: string; parked?: boolean };

const done = (note: string): JobOutcome => ({ done: true, note });
const later = (runAt: Date, note: string): JobOutcome => ({ done: false, runAt, note });

/**
 * One run of a delivery's job. The job carries only the delivery id: everything is re-read here, nothing happens
 * unless the delivery is still due, and every platform outcome maps to exactly one status (PLATFORMS.md §2).
 */
@Injectable()
export class PublishService {
  private readonly log = new Logger(PublishService.name);

  constructor(
    private readonly posts: PostsRepository,
    private readonly accountsRepo: AccountsRepository,
    private readonly accounts: AccountsService,
    private readonly articles: ArticlesRepository,
    private readonly locks: AccountLock,
    private readonly holds: AccountHoldsService,
    private readonly queues: QueueService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly refresher: CredentialRefreshService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(deliveryId: string): Promise<JobOutcome> {
    let d = await this.posts.findDelivery(deliveryId);
    if (!d) return done('delivery no longer exists');
    if (d.status === 'publishing') {
      const lock = d.account_id ? await this.locks.acquire(d.account_id) : null;
      if (d.account_id && !lock)
        return later(new Date(Date.now() + 1000), 'the account is still locked by its last publisher');
      try {
        const recovered = await this.recoverInterrupted(d);
        if (!recovered) return done('delivery changed meanwhile');
        d = recovered;
      } finally {
        await lock?.release();
      }
    }
    if (!RUNNABLE.includes(d.status as DeliveryStatus)) return done(`delivery is ${d.status}`);
    const now = new Date();
    if (new Date(d.next_attempt_at).getTime() > now.getTime() + 1000)
      return later(new Date(d.next_attempt_at), 'not due yet');

    const account = d.account_id ? await this.accountsRepo.find(d.account_id) : undefined;
    if (!account) {
      await this.finish(d, ['scheduled', 'retrying'], { status: 'cancelled', error: 'account deleted' });
      return done('account deleted');
    }
    if (account.status !== 'active') {
      const reason =
        account.status === 'disabled'
          ? 'account is disabled'
          : `account needs re-authentication: ${account.status_reason ?? ''}`;
      await this.finish(d, ['scheduled', 'retrying'], { status: 'held', error: reason });
      return done('account not active');
    }
    const limitedUntil = account.rate_limited_until ? new Date(account.rate_limited_until) : null;
    if (limitedUntil && limitedUntil > now) {
      await this.posts.transition(d.id, ['scheduled', 'retrying'], { next_attempt_at: limitedUntil });
      return later(limitedUntil, 'account is rate-limited');
    }

    // One delivery of an account at a time, oldest scheduled first. A delivery with others ahead of it parks in
    // the delayed set, and each finished delivery wakes the account's next one (to the front of the queue), so a
    // burst costs two job runs per delivery instead of a spin. The park time is only a safety net.
    const lock = await this.locks.acquire(account.id);
    if (!lock) return later(new Date(Date.now() + jitter(2000)), 'account busy');
    let attempted = false;
    try {
      const ahead = await this.posts.earlierPendingOfAccount(account.id, d.id, new Date(d.scheduled_at));
      if (ahead > 0) {
        const runAt = new Date(Date.now() + Math.min(PARK_MAX_MS, jitter(30_000 + ahead * 2000)));
        return { done: false, runAt, note: 'parked behind earlier deliveries', parked: true };
      }
      const capped = await this.dailyCap(d, account);
      if (capped) return capped;
      // Read again under the lock: the previous holder may have rotated the credentials.
      const fresh = await this.accountsRepo.find(account.id);
      if (!fresh) return done('account deleted');
      attempted = true;
      return await this.attempt(d, fresh);
    } finally {
      await lock.release();
      if (attempted) await this.wakeNext(account.id, d.id);
    }
  }

  /**
   * Hands the account to its next delivery: the earliest-scheduled due one runs now, ahead of the queue; with none
   * due, the earliest upcoming one is armed for its own time (it may be parked for longer).
   */
  private async wakeNext(accountId: string, afterId: string): Promise<void> {
    const now = new Date();
    const next =
      (await this.posts.nextDueOfAccount(accountId, afterId, now)) ??
      (await this.posts.nextUpcomingOfAccount(accountId, afterId));
    if (!next) return;
    const runAt = new Date(Math.max(now.getTime(), new Date(next.next_attempt_at).getTime()));
    // The next one may be parking right now (its job still active, about to move to the delayed set): the mark
    // tells it to come straight back once it has (see consumeWake).
    if (runAt <= now) await this.redis.set(this.wakeKey(next.id), '1', 'PX', 120_000);
    await this.queues
      .ensureJob(next, runAt, { front: true })
      .catch((e: Error) => this.log.warn(`could not wake ${next.id}: ${e.message}`));
  }

  /** True once if the delivery was woken while it was parking. */
  async consumeWake(deliveryId: string): Promise<boolean> {
    return (await this.redis.del(this.wakeKey(deliveryId))) > 0;
  }

  private wakeKey(deliveryId: string): string {
    return `${this.config.queuePrefix}:wake:${deliveryId}`;
  }

  /** A delivery left `publishing` by a worker that died mid-call: the request may have reached the platform. */
  private async recoverInterrupted(d: DeliveryRow): Promise<DeliveryRow | undefined> {
    const open = await this.posts.interruptOpenAttempts(d.id);
    this.log.warn(`delivery ${d.id} was interrupted mid-publish; it will be settled before any re-send`);
    return this.posts.transition(d.id, ['publishing'], {
      status: 'retrying',
      ambiguous: open > 0 || d.ambiguous,
      next_attempt_at: new Date(),
    });
  }

  private async attempt(d0: DeliveryRow, account: AccountRow): Promise<JobOutcome> {
    const adapter = getAdapter(d0.platform as PlatformId);
    const ref = this.accounts.accountRef(account);
    const ctx: AdapterContext = {
      timeoutMs: this.config.httpTimeoutMs,
      refreshCredentials: this.refresher.forAccount(account.id),
      allowPrivateAddresses: this.config.feedsAllowPrivate,
    };
    const claimed = await this.posts.claim(d0.id, new Date());
    if (!claimed) return done('claimed by another worker');
    await this.posts.refreshPostStatus(claimed.post_id);
    const req = await this.request(claimed);
    const parts = claimed.parts && claimed.parts.length > 1 ? claimed.parts : null;
    if (!parts) {
      const sent = await this.send(claimed, adapter, req, ref, ctx);
      return 'outcome' in sent ? sent.outcome : this.published(claimed, sent.result, sent.note);
    }

    // A thread: the parts in order, each a reply to the one before. Each part's id is stored as soon as it is out,
    // so a later run (retry, crash, user retry) resumes at the first part not yet posted and never re-sends one.
    let d = claimed;
    for (let k = (d.thread_remote_ids ?? []).length; k < parts.length; k++) {
      const posted = d.thread_remote_ids ?? [];
      const partReq: PublishRequest = {
        ...req,
        text: parts[k],
        partIndex: k + 1,
        inReplyToId: k > 0 ? posted[k - 1] : undefined,
        // The article (image, link for reconciling) belongs to part 1; the others are bare text.
        article: k === 0 ? req.article : null,
        previousAmbiguous: d.ambiguous,
      };
      const sent = await this.send(d, adapter, partReq, ref, ctx);
      if ('outcome' in sent) return sent.outcome;
      const next = await this.posts.appendThreadPart(
        d.id,
        sent.result.remoteId,
        k === 0 ? { remoteUrl: sent.result.remoteUrl } : null,
      );
      if (!next) return done('delivery changed meanwhile');
      d = next;
    }
    return this.published(
      d,
      { remoteId: d.remote_id as string, remoteUrl: d.remote_url },
      `thread of ${parts.length} parts published`,
    );
  }

  /**
   * One publish call (one post, or one part of a thread) with its attempt-log row: the result on success, else
   * the job's outcome, the delivery already moved to its status.
   */
  private async send(
    d: DeliveryRow,
    adapter: PlatformAdapter,
    req: PublishRequest,
    ref: AccountRef,
    ctx: AdapterContext,
  ): Promise<Sent> {
    // An earlier attempt may have posted: settle that before sending again (idempotency key, else reconcile).
    if (d.ambiguous && !this.idempotencyCovers(adapter, req)) {
      const settled = await this.settleAmbiguous(d, adapter, req, ref, ctx, null);
      if (settled) return settled;
    }

    const logId = await this.posts.startAttempt(d.id, d.attempts + 1, new Date());
    try {
      const result = await adapter.publish(req, ref, ctx);
      await this.posts.finishAttempt(logId, { outcome: 'published', remoteId: result.remoteId });
      return { result, note: 'published' };
    } catch (e) {
      const err = asPlatformError(e);
      const message = redact(err.message, Object.values(ref.credentials));
      await this.posts.finishAttempt(logId, {
        outcome: err.kind,
        statusCode: err.statusCode,
        error: partLabel(d) + message,
      });
      if (err.kind === 'ambiguous') {
        return (
          (await this.settleAmbiguous(d, adapter, req, ref, ctx, message)) ?? {
            outcome: await this.retryOrFail(d, message, 'not found after an ambiguous attempt'),
          }
        );
      }
      return { outcome: await this.onError(d, err, message) };
    }
  }

  /** Every outcome but `ambiguous` (settled in send()). A thread's error names the part: "part 2 of 4: …". */
  private async onError(d: DeliveryRow, err: PlatformError, raw: string): Promise<JobOutcome> {
    const p = d.platform;
    const message = partLabel(d) + raw;
    switch (err.kind) {
      case 'rate-limited': {
        const waitMs = err instanceof RateLimitedError ? err.retryAfterMs : this.config.retryBaseMs;
        const until = new Date(Date.now() + Math.max(1000, waitMs));
        await this.accountsRepo.setRateLimitedUntil(d.account_id as string, until);
        await this.finish(d, ['publishing'], {
          status: 'retrying',
          next_attempt_at: until,
          error: `${partLabel(d)}rate limited: ${raw}`,
        });
        this.metrics.retried.inc({ platform: p, reason: 'rate-limited' });
        return later(until, 'rate limited');
      }
      case 'transient':
        return this.retryOrFail(d, raw, 'transient');
      case 'reauth': {
        // The account first, so whoever sees this delivery held also sees why.
        if (await this.accountsRepo.markReauthRequired(d.account_id as string, raw)) {
          this.log.warn(`account ${d.account_id} needs re-authentication; its pending deliveries are held`);
        }
        await this.finish(d, ['publishing'], { status: 'held', attempts: d.attempts + 1, error: message });
        this.metrics.held.inc({ platform: p });
        await this.holds.holdAccount(d.account_id as string, `account needs re-authentication: ${raw}`);
        return done('held');
      }
      case 'permanent':
        await this.finish(d, ['publishing'], { status: 'failed', attempts: d.attempts + 1, error: message });
        this.metrics.failed.inc({ platform: p, status: 'failed' });
        return done('failed');
      case 'not-applicable':
        await this.finish(d, ['publishing'], { status: 'skipped', error: message });
        return done('skipped');
      case 'ambiguous':
        return this.retryOrFail(d, raw, 'ambiguous');
    }
  }

  /**
   * After an attempt whose outcome is unknown: look for the post. Found → its result (the caller records it as
   * sent); surely absent → null (the caller sends again); cannot tell → `unconfirmed`, never a blind re-send.
   */
  private async settleAmbiguous(
    d: DeliveryRow,
    adapter: PlatformAdapter,
    req: PublishRequest,
    ref: AccountRef,
    ctx: AdapterContext,
    message: string | null,
  ): Promise<Sent | null> {
    await this.posts.transition(d.id, ['publishing'], { ambiguous: true });
    const why = message ?? 'an earlier attempt was interrupted';
    if (!adapter.reconcile) {
      await this.unconfirmed(d, `${why}; ${adapter.name} offers no way to check whether it was posted`);
      return { outcome: done('unconfirmed') };
    }
    let found: PublishResult | null;
    try {
      found = await adapter.reconcile({ ...req, previousAmbiguous: true }, ref, ctx);
    } catch (e) {
      const detail = redact(asPlatformError(e).message, Object.values(ref.credentials));
      await this.unconfirmed(d, `${why}; checking the account's recent posts failed: ${detail}`);
      return { outcome: done('unconfirmed') };
    }
    if (found) {
      const logId = await this.posts.startAttempt(d.id, d.attempts + 1, new Date());
      await this.posts.finishAttempt(logId, { outcome: 'reconciled', remoteId: found.remoteId });
      return { result: found, note: 'found among recent posts' };
    }
    return null;
  }

  private async retryOrFail(d: DeliveryRow, raw: string, reason: string): Promise<JobOutcome> {
    const attempts = d.attempts + 1;
    const message = partLabel(d) + raw;
    if (attempts >= this.config.maxAttempts) {
      await this.finish(d, ['publishing'], {
        status: 'failed',
        attempts,
        error: `${partLabel(d)}gave up after ${attempts} attempts: ${raw}`,
      });
      this.metrics.failed.inc({ platform: d.platform, status: 'failed' });
      return done('failed after retries');
    }
    const runAt = new Date(Date.now() + backoffMs(attempts, this.config.retryBaseMs, this.config.retryMaxMs));
    await this.finish(d, ['publishing'], { status: 'retrying', attempts, next_attempt_at: runAt, error: message });
    this.metrics.retried.inc({ platform: d.platform, reason: 'transient' });
    return later(runAt, reason);
  }

  private async published(d: DeliveryRow, result: PublishResult, note: string): Promise<JobOutcome> {
    const now = new Date();
    await this.finish(d, ['publishing'], {
      status: 'published',
      attempts: d.attempts + 1,
      remote_id: result.remoteId,
      remote_url: result.remoteUrl,
      published_at: now,
      error: null,
    });
    this.metrics.published.inc({ platform: d.platform });
    this.metrics.lateness.observe(
      { platform: d.platform },
      Math.max(0, (now.getTime() - new Date(d.scheduled_at).getTime()) / 1000),
    );
    return done(note);
  }

  private async unconfirmed(d: DeliveryRow, error: string): Promise<void> {
    await this.finish(d, ['publishing'], {
      status: 'unconfirmed',
      attempts: d.attempts + 1,
      error: partLabel(d) + error,
    });
    this.metrics.failed.inc({ platform: d.platform, status: 'unconfirmed' });
  }

  private async finish(
    d: DeliveryRow,
    from: DeliveryStatus[],
    patch: Parameters<PostsRepository['transition']>[2],
  ): Promise<void> {
    await this.posts.transition(d.id, from, patch);
    await this.posts.refreshPostStatus(d.post_id);
  }

  /**
   * `settings.maxPostsPerDay` (X bills each post): at the cap, wait until the oldest post of the last 24 hours
   * leaves the window. Not an attempt; the delivery stays `retrying` with the time it will go.
   */
  private async dailyCap(d: DeliveryRow, account: AccountRow): Promise<JobOutcome | null> {
    const cap = Number((account.settings as Record<string, string>).maxPostsPerDay);
    if (!Number.isInteger(cap) || cap <= 0) return null;
    const since = new Date(Date.now() - DAY_MS);
    const recent = await this.posts.publishedSince(account.id, since);
    if (recent.length < cap) return null;
    const runAt = new Date(new Date(recent[recent.length - cap]).getTime() + DAY_MS + 1000);
    await this.posts.transition(d.id, ['scheduled', 'retrying'], {
      status: 'retrying',
      next_attempt_at: runAt,
      error: `daily cap of ${cap} posts reached for this account; next slot ${runAt.toISOString()}`,
    });
    await this.posts.refreshPostStatus(d.post_id);
    return later(runAt, 'daily cap reached');
  }

  private idempotencyCovers(adapter: PlatformAdapter, req: PublishRequest): boolean {
    const w = adapter.idempotencyWindowMs;
    return w !== undefined && Date.now() - req.firstAttemptAt.getTime() < w;
  }

  private async request(d: DeliveryRow): Promise<PublishRequest> {
    const post = await this.posts.findPost(d.post_id);
    const article = post?.article_id ? await this.articles.find(post.article_id) : undefined;
    return {
      deliveryId: d.id,
      text: d.text,
      article: article ? publishArticle(article) : null,
      attempt: d.attempts + 1,
      firstAttemptAt: new Date(d.first_attempt_at ?? new Date()),
      previousAmbiguous: d.ambiguous,
    };
  }
}

/** What one publish call came to: the post is out, or the job ends with this outcome. */
type Sent = { result: PublishResult; note: string } | { outcome: JobOutcome };

/** "part k of N: " for a thread delivery (k = the first part not yet posted), '' for a single post. */
function partLabel(d: DeliveryRow): string {
  const n = d.parts?.length ?? 0;
  return n > 1 ? `part ${(d.thread_remote_ids?.length ?? 0) + 1} of ${n}: ` : '';
}

/** Adapters throw only PlatformErrors; anything else is a bug whose request may have gone out: ambiguous. */
function asPlatformError(e: unknown): PlatformError {
  if (isPlatformError(e)) return e;
  return new AmbiguousError(`unexpected error: ${(e as Error)?.message ?? String(e)}`);
}
