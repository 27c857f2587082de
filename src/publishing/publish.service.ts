import { Inject, Injectable, Logger } from '@nestjs/common';
import { AccountsRepository } from '../accounts/accounts.repository';
import { AccountsService } from '../accounts/accounts.service';
import { UndecryptableCredentials } from '../accounts/credential-cipher';
import { CredentialRefreshService } from '../accounts/credential-refresh.service';
import { unavailableDependency } from '../common/errors';
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
  PublishRequest,
  PublishResult,
  RateLimitedError,
} from '../platforms/platform';
import type { ClaimedArticle, DeliverySet } from '../posts/delivery-state.repository';
import { ClaimResult, DeliveryStateService } from '../posts/delivery-state.service';
import type { DeliveryEvent } from '../posts/delivery-transitions';
import { PostsRepository } from '../posts/posts.repository';
import { publishArticle } from '../posts/posts.service';
import { backoffMs, DeliveryStatus, RUNNABLE } from '../posts/statuses';
import { AccountCache, dailyCapOf, KnownAccount } from './account-cache';
import { countersOfScope, ResolvedBudget } from './budgets';

const DAY_MS = 24 * 3600_000;

/**
 * What the queue does with the job after one run: it is done; it runs again at `runAt` (a retry, a budget or
 * lease to wait out: the job is delayed to the moment it can act, never woken to wait); or it ends failed with the
 * delivery's reason, so the queue view shows what went wrong.
 */
export type JobOutcome =
  { kind: 'done'; note: string } | { kind: 'later'; runAt: Date; note: string } | { kind: 'failed'; reason: string };

const done = (note: string): JobOutcome => ({ kind: 'done', note });
const later = (runAt: Date, note: string): JobOutcome => ({ kind: 'later', runAt, note });
const failed = (reason: string): JobOutcome => ({ kind: 'failed', reason });

/** One claimed delivery being published: its claim token and what every call needs. */
interface Publishing {
  d: DeliveryRow;
  token: string;
  adapter: PlatformAdapter;
  ref: AccountRef;
  ctx: AdapterContext;
  budgets: ResolvedBudget[];
  /** The post's article, if it was made from one. */
  articleId: string | null;
  /** When the claim spent the budgets (the spends' time until the platform answers). */
  claimedAt: Date;
  /** How many publishes the claim spent (a thread's remaining parts). */
  units: number;
  /** The post's article, read by the claim. */
  article: ClaimedArticle | null;
  /** The attempt-log row the claim opened, until the first send takes it. */
  openAttempt: number | null;
  /** performance.now() when the last claim or renewal that succeeded was sent: the lease runs from there. */
  leaseFrom: number;
}

/**
 * One run of a delivery's job. The job carries only the delivery id: everything is re-read here, nothing happens
 * unless the delivery is due and its account's turn has come, and every platform outcome maps to exactly one
 * event of the delivery's state machine (docs/PLATFORMS.md §2), applied by DeliveryStateService under the claim.
 */
@Injectable()
export class PublishService {
  private readonly log = new Logger(PublishService.name);
  private readonly leaseMs: number;
  private readonly accountCache: AccountCache;

  constructor(
    private readonly posts: PostsRepository,
    private readonly states: DeliveryStateService,
    private readonly accountsRepo: AccountsRepository,
    private readonly accounts: AccountsService,
    private readonly refresher: CredentialRefreshService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.leaseMs = config.jobLockMs;
    this.accountCache = new AccountCache((row) => this.accounts.accountRef(row));
  }

  /**
   * `accountId` (from the job) lets a worker that has the account cached claim at once: one statement claims,
   * opens the attempt row and reads the article. Anything that claim cannot settle (not due, not its turn, a
   * `publishing` row, an account that changed) goes the full way: read, decide, claim.
   */
  async run(deliveryId: string, accountId?: string): Promise<JobOutcome> {
    const cached = accountId === undefined ? undefined : this.accountCache.get(accountId);
    if (cached) {
      const started = performance.now();
      const claim = await this.states.claim(
        { id: deliveryId, accountId },
        { budgets: cached.budgets, units: null },
        this.leaseMs,
        { accountVersion: cached.row.version },
      );
      if (claim.kind === 'budget') return later(claim.until, "waiting for the account's rate budget");
      if (claim.kind === 'claimed') return this.publishClaimed(claim, cached, started);
    }
    return this.runAfterReading(deliveryId);
  }

  private async runAfterReading(deliveryId: string): Promise<JobOutcome> {
    const found = await this.posts.findDeliveryToRun(deliveryId);
    if (!found) return done('delivery no longer exists');
    let d: DeliveryRow = found.delivery;
    const account = found.account;
    if (d.status === 'publishing') {
      const leaseEnd = this.leaseEnd(d);
      if (leaseEnd > Date.now())
        return later(new Date(leaseEnd + 250), 'claimed by a live worker until its lease ends');
      const recovered = await this.recover(d);
      if (!recovered) return done('delivery changed meanwhile');
      d = recovered;
    }
    if (!RUNNABLE.includes(d.status as DeliveryStatus)) return done(`delivery is ${d.status}`);
    const now = new Date();
    if (new Date(d.next_attempt_at).getTime() > now.getTime() + 1000) {
      return later(new Date(d.next_attempt_at), 'not due yet');
    }

    if (!account) {
      this.accountCache.delete(d.account_id ?? '');
      await this.states.apply('cancel', { ids: [d.id] }, { set: () => ({ error: 'account deleted' }), ownJob: d.id });
      return done('account deleted');
    }
    if (account.status !== 'active') {
      this.accountCache.delete(account.id);
      const reason =
        account.status === 'disabled'
          ? 'account is disabled'
          : `account needs re-authentication: ${account.status_reason ?? ''}`;
      await this.states.apply('hold', { ids: [d.id] }, { set: () => ({ error: reason }), ownJob: d.id });
      return failed(reason);
    }
    const capped = await this.dailyCap(d, account);
    if (capped) return capped;

    let known: KnownAccount;
    try {
      known = this.accountCache.remember(account);
    } catch (e) {
      if (!(e instanceof UndecryptableCredentials)) throw e;
      return this.unreadableCredentials(d, e.message);
    }
    const units = unitsOf(d);
    const started = performance.now();
    const claim = await this.states.claim(
      { id: d.id, accountId: account.id },
      { budgets: known.budgets, units },
      this.leaseMs,
    );
    switch (claim.kind) {
      case 'not-turn':
        // Another delivery of the account is publishing or comes first: when it finishes it hands the account on.
        return done('not its turn: the account is busy or an earlier delivery goes first');
      case 'budget':
        return later(claim.until, "waiting for the account's rate budget");
      case 'claimed':
        return this.publishClaimed(claim, known, started);
    }
  }

  /** Publishes a claimed delivery: the heartbeat keeps its lease; the fence is checked before the create call. */
  private async publishClaimed(
    claim: Extract<ClaimResult, { kind: 'claimed' }>,
    account: KnownAccount,
    claimStarted: number,
  ): Promise<JobOutcome> {
    const d = claim.row;
    const ctx: AdapterContext = {
      timeoutMs: this.config.httpTimeoutMs,
      refreshCredentials: this.refresher.forAccount(account.row.id),
      allowPrivateAddresses: this.config.feedsAllowPrivate,
      allowPrivateApiAddresses: this.config.platformsAllowPrivate,
    };
    const p: Publishing = {
      articleId: claim.articleId,
      article: claim.article,
      d,
      token: claim.token,
      adapter: account.adapter,
      ref: account.ref,
      ctx,
      budgets: account.budgets,
      claimedAt: claim.at,
      units: unitsOf(d),
      openAttempt: claim.attemptId,
      leaseFrom: claimStarted,
    };
    ctx.assertClaimed = async () => {
      // The lease runs from before the claim (or the last renewal) was sent: while less than half of it has
      // passed on this process's monotonic clock (which also runs while the process is frozen), no other worker
      // can have recovered the row, so the database need not be asked.
      if (performance.now() - p.leaseFrom < this.leaseMs / 2) return;
      if (!(await this.renewLease(p))) throw new ClaimLost();
    };
    // The heartbeat keeps the lease while a live worker waits on a slow platform; a frozen or cut-off one loses it.
    const heartbeat = setInterval(
      () => void this.renewLease(p).catch(() => undefined),
      Math.max(200, Math.floor(this.leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      return await this.attempt(p);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * No key of this process opens the account's credentials (a lost key, or one not given as
   * CRIER_SECRET_KEY_PREVIOUS): held like an account the platform refused (the account reauth_required first, then
   * every not-started delivery of it held with the reason), rather than a job that fails and comes back for ever.
   */
  private async unreadableCredentials(d: DeliveryRow, reason: string): Promise<JobOutcome> {
    await this.markReauthRequired(d, reason, 'stored credentials cannot be decrypted');
    await this.holdAccount(d, reason);
    this.metrics.held.inc({ platform: d.platform });
    return failed(`held: account needs re-authentication: ${reason}`);
  }

  /** The account needs a person (its credentials were refused or cannot be read): said once, by whoever saw it. */
  private async markReauthRequired(d: DeliveryRow, reason: string, why: string): Promise<void> {
    if (await this.accountsRepo.markReauthRequired(d.account_id as string, reason)) {
      this.log.warn(`account ${d.account_id}: ${why}; its pending deliveries are held`);
    }
  }

  /** Holds every not-started delivery of the delivery's account with the reason (its turn passes on). */
  private async holdAccount(d: DeliveryRow, reason: string): Promise<void> {
    await this.states.apply(
      'hold',
      { accountId: d.account_id as string },
      { set: () => ({ error: `account needs re-authentication: ${reason}` }), ownJob: d.id },
    );
  }

  private async renewLease(p: Publishing): Promise<boolean> {
    const sent = performance.now();
    const ok = await this.states.renew(p.d.id, p.token, this.leaseMs);
    if (ok) p.leaseFrom = Math.max(p.leaseFrom, sent);
    return ok;
  }

  /** When the claim of a `publishing` row runs out (rows claimed before leases existed: by their age). */
  private leaseEnd(d: DeliveryRow): number {
    if (d.claimed_until) return new Date(d.claimed_until).getTime();
    return new Date(d.updated_at).getTime() + this.leaseMs * 2 + this.config.httpTimeoutMs;
  }

  /** A delivery left `publishing` by a worker that died or froze: the request may have reached the platform. */
  private async recover(d: DeliveryRow): Promise<DeliveryRow | undefined> {
    const open = await this.posts.openAttempts(d.id);
    const [row] = await this.states.apply(
      'recover',
      { ids: [d.id] },
      {
        set: () => ({ ambiguous: open > 0 || d.ambiguous, next_attempt_at: new Date() }),
        also: async (tx) => {
          await this.posts.interruptOpenAttempts(d.id, tx);
        },
        ownJob: d.id,
      },
    );
    if (row) this.log.warn(`delivery ${d.id} was interrupted mid-publish; it will be settled before any re-send`);
    return row;
  }

  private async attempt(p: Publishing): Promise<JobOutcome> {
    const req = this.request(p);
    const parts = p.d.parts && p.d.parts.length > 1 ? p.d.parts : null;
    if (!parts) {
      const sent = await this.send(p, req);
      if ('outcome' in sent) return sent.outcome;
      const attempt = sent.attemptId !== null ? { ...sent.attemptResult, id: sent.attemptId } : null;
      return this.published(p, sent.result, sent.note, attempt);
    }

    // A thread: the parts in order, each a reply to the one before. Each part's id is stored (under the claim) as
    // soon as it is out, so a later run resumes at the first part not yet posted and never re-sends one.
    for (let k = (p.d.thread_remote_ids ?? []).length; k < parts.length; k++) {
      const posted = p.d.thread_remote_ids ?? [];
      const partReq: PublishRequest = {
        ...req,
        text: parts[k],
        partIndex: k + 1,
        inReplyToId: k > 0 ? posted[k - 1] : undefined,
        // The article (image, link for reconciling) belongs to part 1; the others are bare text.
        article: k === 0 ? req.article : null,
        previousAmbiguous: p.d.ambiguous,
      };
      const sent = await this.send(p, partReq);
      if ('outcome' in sent) return sent.outcome;
      if (sent.attemptId !== null) await this.posts.finishAttempt(sent.attemptId, sent.attemptResult);
      const next = await this.states.appendThreadPart(
        p.d.id,
        p.token,
        sent.result.remoteId,
        k === 0 ? { remoteUrl: sent.result.remoteUrl } : null,
      );
      if (!next) return this.lostClaim(p, `part ${k + 1} was posted`);
      p.d = next;
    }
    const result = { remoteId: p.d.remote_id as string, remoteUrl: p.d.remote_url };
    return this.published(p, result, `thread of ${parts.length} parts published`, null);
  }

  /**
   * One publish call (one post, or one part of a thread), with its attempt-log row: the result on success, else
   * the job's outcome, the delivery already moved to its status. Nothing is sent once the claim is lost.
   */
  private async send(p: Publishing, req: PublishRequest): Promise<Sent> {
    // An earlier attempt may have posted: settle that before sending again (idempotency key, else reconcile).
    if (p.d.ambiguous && !this.idempotencyCovers(p.adapter, req)) {
      const settled = await this.settleAmbiguous(p, req, null);
      if (settled) return settled;
    }
    const attemptId = p.openAttempt ?? (await this.posts.startAttempt(p.d.id, p.d.attempts + 1, new Date()));
    p.openAttempt = null;
    try {
      const result = await p.adapter.publish(req, p.ref, p.ctx);
      return {
        result,
        note: 'published',
        attemptId,
        attemptResult: { outcome: 'published', remoteId: result.remoteId },
      };
    } catch (e) {
      // Fenced off right before the irreversible call: the successor owns the delivery and its attempt log.
      if (e instanceof ClaimLost) return { outcome: this.lostClaim(p, 'before the publishing call') };
      const err = asPlatformError(e);
      const message = redact(err.message, Object.values(p.ref.credentials));
      const attempt = { outcome: err.kind, statusCode: err.statusCode, error: partLabel(p.d) + message };
      if (err.kind === 'ambiguous') {
        await this.posts.finishAttempt(attemptId, attempt);
        return (
          (await this.settleAmbiguous(p, req, message)) ?? {
            outcome: await this.retryOrFail(p, message, 'not found after an ambiguous attempt', null),
          }
        );
      }
      return { outcome: await this.onError(p, err, message, { id: attemptId, ...attempt }) };
    }
  }

  /** Every outcome but `ambiguous` (settled in send()). A thread's error names the part: "part 2 of 4: …". */
  private async onError(p: Publishing, err: PlatformError, raw: string, attempt: AttemptResult): Promise<JobOutcome> {
    const d = p.d;
    const platform = d.platform;
    const message = partLabel(d) + raw;
    switch (err.kind) {
      case 'rate-limited': {
        const waitMs = err instanceof RateLimitedError ? err.retryAfterMs : this.config.retryBaseMs;
        const scope = err instanceof RateLimitedError ? err.scope : 'account';
        const until = new Date(Date.now() + Math.max(1000, waitMs));
        // The platform's signal moves the budget it names (this account, this chat, this app), not the platform's.
        const counters = countersOfScope(p.budgets, scope);
        const ok = await this.settle(p, 'retry', attempt, {
          set: () => ({ next_attempt_at: until, error: `${partLabel(d)}rate limited: ${raw}` }),
          block: { counters, until },
          refund: true,
        });
        if (!ok) return this.lostClaim(p, 'rate limited');
        this.metrics.retried.inc({ platform, reason: 'rate-limited' });
        return later(until, `rate limited (${scope})`);
      }
      case 'transient':
        return this.retryOrFail(p, raw, 'transient', attempt);
      case 'reauth': {
        // The account first, so whoever sees this delivery held also sees why.
        await this.markReauthRequired(d, raw, 'the platform refused its credentials');
        const ok = await this.settle(p, 'hold', attempt, {
          set: () => ({ attempts: d.attempts + 1, error: message }),
        });
        if (!ok) return this.lostClaim(p, 'refused');
        this.metrics.held.inc({ platform });
        await this.holdAccount(d, raw);
        return failed(`held: ${message}`);
      }
      case 'permanent': {
        const ok = await this.settle(p, 'fail', attempt, { set: () => ({ attempts: d.attempts + 1, error: message }) });
        if (!ok) return this.lostClaim(p, 'rejected');
        this.metrics.failed.inc({ platform, status: 'failed' });
        return failed(message);
      }
      case 'not-applicable': {
        const ok = await this.settle(p, 'skip', attempt, { set: () => ({ error: message }) });
        if (!ok) return this.lostClaim(p, 'not applicable');
        return done(`skipped: ${message}`);
      }
      case 'ambiguous':
        return this.retryOrFail(p, raw, 'ambiguous', attempt);
    }
  }

  /**
   * After an attempt whose outcome is unknown: look for the post. Found → its result (the caller records it as
   * sent); surely absent → null (the caller sends again); cannot tell → `unconfirmed`, never a blind re-send.
   */
  private async settleAmbiguous(p: Publishing, req: PublishRequest, message: string | null): Promise<Sent | null> {
    await this.posts.markAmbiguous(p.d.id, p.token);
    const why = message ?? 'an earlier attempt was interrupted';
    if (!p.adapter.reconcile) {
      return {
        outcome: await this.unconfirmed(p, `${why}; ${p.adapter.name} offers no way to check whether it was posted`),
      };
    }
    let found: PublishResult | null;
    try {
      found = await p.adapter.reconcile({ ...req, previousAmbiguous: true }, p.ref, p.ctx);
    } catch (e) {
      const detail = redact(asPlatformError(e).message, Object.values(p.ref.credentials));
      return { outcome: await this.unconfirmed(p, `${why}; checking the account's recent posts failed: ${detail}`) };
    }
    if (!found) return null;
    const attemptId = await this.posts.startAttempt(p.d.id, p.d.attempts + 1, new Date());
    return {
      result: found,
      note: 'found among recent posts',
      attemptId,
      attemptResult: { outcome: 'reconciled', remoteId: found.remoteId },
    };
  }

  private async retryOrFail(
    p: Publishing,
    raw: string,
    reason: string,
    attempt: AttemptResult | null,
  ): Promise<JobOutcome> {
    const d = p.d;
    const attempts = d.attempts + 1;
    if (attempts >= this.config.maxAttempts) {
      const error = `${partLabel(d)}gave up after ${attempts} attempts: ${raw}`;
      const ok = await this.settle(p, 'fail', attempt, { set: () => ({ attempts, error }) });
      if (!ok) return this.lostClaim(p, 'gave up');
      this.metrics.failed.inc({ platform: d.platform, status: 'failed' });
      return failed(error);
    }
    const runAt = new Date(Date.now() + backoffMs(attempts, this.config.retryBaseMs, this.config.retryMaxMs));
    const ok = await this.settle(p, 'retry', attempt, {
      set: () => ({ attempts, next_attempt_at: runAt, error: partLabel(d) + raw }),
    });
    if (!ok) return this.lostClaim(p, reason);
    this.metrics.retried.inc({ platform: d.platform, reason: 'transient' });
    return later(runAt, reason);
  }

  private async published(
    p: Publishing,
    result: PublishResult,
    note: string,
    attempt: AttemptResult | null,
  ): Promise<JobOutcome> {
    const now = new Date();
    const row = await whileUnavailable(() =>
      this.states.settlePublished({
        id: p.d.id,
        token: p.token,
        attempts: p.d.attempts + 1,
        remoteId: result.remoteId,
        remoteUrl: result.remoteUrl,
        at: now,
        attempt: attempt?.id !== undefined ? { id: attempt.id, outcome: attempt.outcome } : null,
        spends: { counters: p.budgets.map((b) => b.counter), claimedAt: p.claimedAt },
      }),
    );
    const ok = row !== undefined;
    if (!ok) return this.lostClaim(p, 'published');
    this.metrics.published.inc({ platform: p.d.platform });
    const lateSeconds = Math.max(0, (now.getTime() - new Date(p.d.scheduled_at).getTime()) / 1000);
    this.metrics.lateness.observe({ platform: p.d.platform }, lateSeconds);
    return done(note);
  }

  private async unconfirmed(p: Publishing, error: string): Promise<JobOutcome> {
    const message = partLabel(p.d) + error;
    const ok = await this.settle(p, 'unconfirm', null, {
      set: () => ({ attempts: p.d.attempts + 1, error: message }),
    });
    if (!ok) return this.lostClaim(p, 'unconfirmed');
    this.metrics.failed.inc({ platform: p.d.platform, status: 'unconfirmed' });
    return failed(`unconfirmed: ${message}`);
  }

  /**
   * Moves the claimed delivery out of `publishing` under its claim token, with its attempt-log row and its budget
   * spends in the same statement. False when the claim was lost: nothing was written.
   */
  private async settle(
    p: Publishing,
    event: DeliveryEvent,
    attempt: AttemptResult | null,
    opts: { set: DeliverySet; block?: { counters: string[]; until: Date }; refund?: boolean },
  ): Promise<boolean> {
    const spends = {
      counters: p.budgets.map((b) => b.counter),
      claimedAt: p.claimedAt,
      units: p.units,
      // Refused for its rate, the publish did not count at the platform; otherwise it counts from its answer.
      refund: opts.refund === true,
    };
    const closing = attempt?.id !== undefined ? { ...attempt, id: attempt.id } : null;
    // The platform has answered: a database that is away for a moment must not lose that answer.
    const row = await whileUnavailable(() =>
      this.states.settle(event, p.d, p.token, opts.set, { attempt: closing, spends, block: opts.block }),
    );
    return row !== undefined;
  }

  /** The claim went to another worker (this one was paused or cut off past its lease): it writes nothing more. */
  private lostClaim(p: Publishing, when: string): JobOutcome {
    this.log.warn(`delivery ${p.d.id}: claim lost (${when}); another worker settles it`);
    return done(`claim lost (${when})`);
  }

  /**
   * `settings.maxPostsPerDay` (X bills each post): at the cap, wait until the oldest post of the last 24 hours
   * leaves the window. Not an attempt; the delivery stays `retrying` with the time it will go.
   */
  private async dailyCap(d: DeliveryRow, account: AccountRow): Promise<JobOutcome | null> {
    const cap = dailyCapOf(account);
    if (cap === null) return null;
    const since = new Date(Date.now() - DAY_MS);
    const recent = await this.posts.publishedSince(account.id, since);
    if (recent.length < cap) return null;
    const runAt = new Date(new Date(recent[recent.length - cap]).getTime() + DAY_MS + 1000);
    await this.states.apply(
      'defer',
      { ids: [d.id] },
      {
        set: () => ({
          next_attempt_at: runAt,
          error: `daily cap of ${cap} posts reached for this account; next slot ${runAt.toISOString()}`,
        }),
        ownJob: d.id,
      },
    );
    return later(runAt, 'daily cap reached');
  }

  private idempotencyCovers(adapter: PlatformAdapter, req: PublishRequest): boolean {
    const w = adapter.idempotencyWindowMs;
    return w !== undefined && Date.now() - req.firstAttemptAt.getTime() < w;
  }

  private request(p: Publishing): PublishRequest {
    const d = p.d;
    return {
      deliveryId: d.id,
      text: d.text,
      article: p.article ? publishArticle(p.article) : null,
      attempt: d.attempts + 1,
      firstAttemptAt: new Date(d.first_attempt_at ?? new Date()),
      previousAmbiguous: d.ambiguous,
    };
  }
}

/**
 * Runs `fn` again while it fails because the database is unreachable: 0.5 s, 1 s, 2 s, 4 s (about 7.5 s in all),
 * then gives up (the job then comes back with backoff and settles the delivery as interrupted).
 */
async function whileUnavailable<T>(fn: () => Promise<T>): Promise<T> {
  for (let wait = 500; ; wait *= 2) {
    try {
      return await fn();
    } catch (e) {
      if (wait > 4000 || unavailableDependency(e) !== 'database') throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** Thrown by AdapterContext.assertClaimed when this worker's claim is gone. */
class ClaimLost extends Error {
  constructor() {
    super('the claim on this delivery was lost');
  }
}

/** An attempt-log row to close: its outcome, status code, error, remote id. */
interface AttemptResult {
  id?: number;
  outcome: string;
  statusCode?: number | null;
  error?: string | null;
  remoteId?: string | null;
}

/** What one publish call came to: the post is out (its attempt row still open), or the job ends with this outcome. */
type Sent =
  | { result: PublishResult; note: string; attemptId: number | null; attemptResult: AttemptResult }
  | { outcome: JobOutcome };

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

/** How many publishes a claim spends: a thread's parts not yet posted, else one. */
function unitsOf(d: DeliveryRow): number {
  return d.parts && d.parts.length > 1 ? d.parts.length - (d.thread_remote_ids?.length ?? 0) : 1;
}
