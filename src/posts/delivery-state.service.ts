import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { DeliveryRow } from '../database/schema';
import { QueueService } from '../queue/queue.service';
import { Coalescer } from '../common/coalescer';
import {
  ClaimBudget,
  ClaimItem,
  ClaimOutcome,
  DeliveryKey,
  DeliverySet,
  DeliveryStateRepository,
  DeliveryTarget,
  PublishedSettle,
  SettleExtra,
  Tx,
} from './delivery-state.repository';
import { DeliveryEvent, TRANSITIONS } from './delivery-transitions';

/**
 * `claimed` (with its token and time: the spends' stamp); `not-turn`: not this delivery's turn now (another of the
 * account is publishing or comes first), or not runnable; `budget`: a budget is spent, nothing was claimed or spent,
 * come back at `until`.
 */
export type ClaimResult =
  | Exclude<ClaimOutcome, { kind: 'claimed' }>
  | (Extract<ClaimOutcome, { kind: 'claimed' }> & { token: string; at: Date });

export interface ApplyOptions {
  /** Field changes besides the status. */
  set?: DeliverySet;
  /** More writes that must commit with the transition (the attempt log, a budget block). */
  also?: (tx: Tx, rows: DeliveryRow[]) => Promise<void>;
  /** The delivery whose job is running this transition: its job is the caller's to move. */
  ownJob?: string;
}

/**
 * Claims of one process go out together (group commit): up to this many per statement, this many statements at once.
 * 32 items stay under the 64 subtransactions PostgreSQL tracks per backend without spilling to its SLRU.
 */
const CLAIM_BATCH = { maxBatch: 32, maxInFlight: 3 };
/** Settles of published deliveries go out together the same way (no subtransactions: one plain statement). */
const SETTLE_BATCH = { maxBatch: 64, maxInFlight: 3 };

/**
 * The one owner of delivery state. Every status change goes through `apply`, `claim` or `settle`: each checks the
 * event against the transition table (delivery-transitions.ts), writes the deliveries and whatever must commit
 * with them atomically, and only after commit touches the queue: a delivery that becomes runnable,
 * or an account whose turn passes on, gets its next job; cancelled and held deliveries lose theirs.
 */
@Injectable()
export class DeliveryStateService {
  private readonly log = new Logger(DeliveryStateService.name);
  private readonly claims: Coalescer<ClaimItem, ClaimOutcome>;
  private readonly publishedSettles: Coalescer<PublishedSettle, DeliveryRow | undefined>;
  /** The last claim time handed out by this process (ms): each claim gets its own. */
  private lastClaimMs = 0;

  constructor(
    private readonly repo: DeliveryStateRepository,
    private readonly queues: QueueService,
  ) {
    this.claims = new Coalescer((items) => this.repo.claimBatch(items), CLAIM_BATCH);
    this.publishedSettles = new Coalescer((items) => this.settlePublishedBatch(items), SETTLE_BATCH);
  }

  /**
   * Opens as many sessions of the pool as the hot path keeps busy (the claim and settle statements in flight at
   * once, at most `poolSize`) and runs a claim of no delivery on each, so that a session's first real claim does not
   * pay for compiling crier_claim_batch and crier_claim and planning their statements (about 8 ms each, measured): a
   * worker that has just started publishes its first due deliveries without that delay. Changes nothing; a failure
   * (the database away) only means the first claims pay it.
   */
  async warmUp(poolSize: number): Promise<void> {
    const connections = Math.min(poolSize, CLAIM_BATCH.maxInFlight + SETTLE_BATCH.maxInFlight);
    const nothing: ClaimItem = {
      id: randomUUID(),
      token: randomUUID(),
      now: new Date(),
      leaseMs: 1000,
      budgets: [],
      units: 1,
      accountVersion: null,
    };
    await Promise.all(Array.from({ length: connections }, () => this.repo.claimBatch([nothing])));
  }

  async apply(event: DeliveryEvent, target: DeliveryTarget, opts: ApplyOptions = {}): Promise<DeliveryRow[]> {
    const t = TRANSITIONS[event];
    const now = new Date();
    const rows = await this.repo.transaction(async (tx) => {
      // Only `recover` takes a `publishing` delivery here (once its lease ran out); a worker leaves `publishing`
      // through settle, under its claim token.
      const staleBefore = event === 'recover' ? now : undefined;
      const changed = await this.repo.update(tx, target, t.from, t.to, opts.set ?? (() => ({})), staleBefore);
      if (changed.length === 0) return changed;
      if (opts.also) await opts.also(tx, changed);
      return changed;
    });
    if (rows.length > 0) await this.afterCommit(event, rows, opts.ownJob);
    return rows;
  }

  /**
   * Claims a due delivery for publishing, spending its budgets in the same transaction: of two workers, exactly
   * one wins; of two deliveries of one account, only the one whose turn it is. With `accountVersion` the claim
   * also checks the account (active, at that version): the worker's fast path, which has not read the row first.
   * The claim opens the attempt-log row and reads the post's article in the same statement; claims made while
   * others are in flight share one statement (crier_claim_batch).
   */
  async claim(
    d: { id: string; accountId?: string },
    spend: { budgets: readonly ClaimBudget[]; units: number | null },
    leaseMs: number,
    opts: { accountVersion?: string } = {},
  ): Promise<ClaimResult> {
    const token = randomUUID();
    // Distinct per claim of this process: a settle restamps or refunds the spends stamped with its own claim time.
    this.lastClaimMs = Math.max(Date.now(), this.lastClaimMs + 1);
    const now = new Date(this.lastClaimMs);
    const out = await this.claims.submit({
      id: d.id,
      accountId: d.accountId,
      token,
      now,
      leaseMs,
      budgets: spend.budgets,
      units: spend.units,
      accountVersion: opts.accountVersion ?? null,
    });
    return out.kind === 'claimed' ? { ...out, token, at: now } : out;
  }

  /**
   * A worker settles its claimed delivery (an event out of `publishing`): one statement under the claim token,
   * with what commits with it (attempt row, budget spends, a platform's block). Undefined when the claim was lost.
   */
  async settle(
    event: DeliveryEvent,
    d: { id: string },
    token: string,
    set: DeliverySet,
    extra: SettleExtra,
  ): Promise<DeliveryRow | undefined> {
    const t = TRANSITIONS[event];
    if (!(t.from as readonly string[]).includes('publishing') || t.to === null || !t.fenced) {
      throw new Error(`${event} does not settle a publishing delivery`);
    }
    const settled = await this.repo.settle(d.id, token, t.to, set, extra);
    if (!settled) return undefined;
    // The hand-over, with the next delivery the settle read in the same statement (no second query).
    if (settled.next) {
      await this.ensureJobs([settled.next], true).catch((e: Error) => {
        this.log.warn(`queue update after ${event} failed (${e.message}); the sweep will mend it`);
      });
    }
    return settled.row;
  }

  /**
   * The `publish` event for a claimed delivery (the hot path's settle): like `settle`, under the claim token, with
   * its attempt row and its spends, but sent together with the other settles of this process that are waiting
   * (one statement per batch, and one pass over the queue for the batch's hand-overs). Undefined when the claim
   * was lost.
   */
  settlePublished(item: PublishedSettle): Promise<DeliveryRow | undefined> {
    return this.publishedSettles.submit(item);
  }

  private async settlePublishedBatch(items: PublishedSettle[]): Promise<(DeliveryRow | undefined)[]> {
    const settled = await this.repo.settlePublishedBatch(items);
    const next = settled.flatMap((s) => (s?.next ? [s.next] : []));
    if (next.length > 0) {
      await this.ensureJobs(next, true).catch((e: Error) => {
        this.log.warn(`queue update after publish failed (${e.message}); the sweep will mend it`);
      });
    }
    return settled.map((s) => s?.row);
  }

  /** The heartbeat of a claim, and the check before anything irreversible: false once the claim is lost. */
  renew(id: string, token: string, leaseMs: number): Promise<boolean> {
    return this.repo.renew(id, token, new Date(Date.now() + leaseMs));
  }

  appendThreadPart(id: string, token: string, remoteId: string, first: { remoteUrl: string | null } | null) {
    return this.repo.appendThreadPart(id, token, remoteId, first);
  }

  /**
   * Makes sure the next delivery of each account has its job: the one the account's turn passes to. Any other
   * runnable delivery waits without a job until its turn comes (or has its own retry job).
   */
  async handOver(
    accountIds: readonly string[],
    opts: { except?: string; only?: ReadonlySet<string> } = {},
  ): Promise<void> {
    const heads = await this.repo.heads(accountIds, new Date());
    await this.ensureJobs(
      heads.filter((h) => h.id !== opts.except && (opts.only === undefined || opts.only.has(h.id))),
      true,
    );
  }

  /** Heads of accounts with something due by `horizon`, a page at a time by account (the sweep). */
  dueHeads(now: Date, horizon: Date, afterAccount: string | undefined, limit: number): Promise<DeliveryKey[]> {
    return this.repo.heads(null, now, { horizon, afterAccount, limit });
  }

  expiredClaims(now: Date, limit: number): Promise<DeliveryKey[]> {
    return this.repo.expiredClaims(now, limit);
  }

  private async afterCommit(event: DeliveryEvent, rows: DeliveryRow[], ownJob?: string): Promise<void> {
    const accounts = [...new Set(rows.map((r) => r.account_id).filter((a): a is string => a !== null))];
    const others = rows.filter((r) => r.id !== ownJob);
    try {
      switch (event) {
        case 'claim':
        case 'defer':
          return;
        case 'cancel':
        case 'hold':
          await this.queues.removeJobs(others);
          // A hold or cancel of the account's running delivery passes its turn on.
          return await this.handOver(accounts, { except: ownJob });
        case 'reschedule':
          // Jobs at the old times would only wake up to wait: drop them; the heads get theirs at the new time.
          await this.queues.removeJobs(others);
          return await this.handOver(accounts, { except: ownJob });
        case 'resume':
        case 'userRetry':
        case 'publish':
        case 'retry':
        case 'fail':
        case 'unconfirm':
        case 'skip':
        case 'recover':
          return await this.handOver(accounts, { except: ownJob });
      }
    } catch (e) {
      // The rows are committed; the sweep gives any missing job back.
      this.log.warn(`queue update after ${event} failed (${(e as Error).message}); the sweep will mend it`);
    }
  }

  private async ensureJobs(keys: readonly DeliveryKey[], evenIfActive: boolean): Promise<void> {
    const now = Date.now();
    await this.queues.ensureJobs(
      keys.map((k) => ({ delivery: k, runAt: new Date(Math.max(now, new Date(k.next_attempt_at).getTime())) })),
      { evenIfActive },
    );
  }
}
