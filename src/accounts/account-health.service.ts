import { Injectable } from '@nestjs/common';
import { DateTime, IANAZone } from 'luxon';
import { BadInput } from '../common/errors';
import type { AccountRow } from '../database/schema';
import { secretsOf } from '../platforms/adapter-helpers';
import { redact } from '../platforms/http';
import type { AccountRef, BudgetScope, PlatformId } from '../platforms/platform';
import { getAdapter } from '../platforms/platform.registry';
import { dailyCapOf } from '../publishing/account-cache';
import { ResolvedBudget, resolveBudgets } from '../publishing/budgets';
import { AccountHealthRepository, HealthBudget, HealthRow } from './account-health.repository';
import { AccountsRepository } from './accounts.repository';
import { AccountsService, AccountView } from './accounts.service';
import { UndecryptableCredentials } from './credential-cipher';

/** Why an account cannot send before `until`: the platform's own "not before", Crier's budget, or the daily cap. */
export interface RateLimitWait {
  until: string;
  by: 'platform' | 'budget' | 'daily-cap';
  /** The counter's scope (`account`, `app`, `bot`, `chat`, `page`, `instance`); `account` for the daily cap. */
  scope: BudgetScope;
  /** The budget that is spent (`max` publishes per `windowMs`); null when the platform set the wait. */
  max: number | null;
  windowMs: number | null;
}

export interface PostsCount {
  /** Deliveries published (what `settings.maxPostsPerDay` counts). */
  published: number;
  /** Posts on the platform: every post of a thread counts. */
  posts: number;
  /** Of those, posts with an http(s) link (X bills them higher). */
  postsWithUrl: number;
  /** From the platform's per-post prices (docs/PLATFORMS.md); failed requests cost nothing. */
  estimatedUsd: number;
}

/** Spending on a platform that bills per post (X). */
export interface AccountCost {
  /** `settings.maxPostsPerDay`, or null (no cap). */
  cap: number | null;
  perPostUsd: number;
  perPostWithUrlUsd: number;
  /** The rolling 24 hours the cap counts. */
  last24h: PostsCount;
  /** Since midnight in the requested time zone. */
  today: PostsCount & { since: string };
}

export interface AccountHealth {
  status: string;
  statusReason: string | null;
  lastSuccess: { at: string; deliveryId: string; postId: string; remoteUrl: string | null } | null;
  lastError: {
    at: string;
    deliveryId: string;
    postId: string;
    /** The attempt's outcome: rate-limited, transient, reauth, permanent, ambiguous or interrupted. */
    outcome: string;
    statusCode: number | null;
    message: string | null;
  } | null;
  /** When the account may send next, if not now; null when nothing holds it back. */
  rateLimit: RateLimitWait | null;
  pending: { scheduled: number; retrying: number; publishing: number; total: number };
  /** Deliveries held until the account's credentials are fixed (not counted in `pending`). */
  held: number;
  /** Platforms that bill per post (X); null elsewhere. */
  cost: AccountCost | null;
}

export type AccountWithHealth = AccountView & { health: AccountHealth };

const DAY_MS = 24 * 3600_000;

/** Reads health for accounts in one statement however many there are (AccountHealthRepository). */
@Injectable()
export class AccountHealthService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly accountRows: AccountsRepository,
    private readonly repo: AccountHealthRepository,
  ) {}

  /** `GET /accounts`: every account with its health. */
  async list(timezone?: string): Promise<AccountWithHealth[]> {
    const rows = await this.accountRows.list();
    const views = rows.map((r) => this.accounts.view(r));
    const health = await this.forAccounts(rows, views, timezone);
    return views.map((v, i) => ({ ...v, health: health[i] }));
  }

  /** `GET /accounts/:id/health`. */
  async get(id: string, timezone?: string): Promise<AccountHealth> {
    const row = await this.accounts.row(id);
    return (await this.forAccounts([row], [this.accounts.view(row)], timezone))[0];
  }

  /** Each account's health, in the order given; `views` are the accounts' views (their status), same order. */
  async forAccounts(
    rows: readonly AccountRow[],
    views: readonly AccountView[],
    timezone = 'UTC',
    now = new Date(),
  ): Promise<AccountHealth[]> {
    if (!IANAZone.isValidZone(timezone)) throw new BadInput('timezone must be an IANA time zone such as Europe/Berlin');
    const dayStart = DateTime.fromJSDate(now, { zone: timezone }).startOf('day').toJSDate();
    const refs = rows.map((r, i) => this.refOf(r, views[i]));
    const budgets = rows.map((r, i) => resolveBudgets(getAdapter(r.platform as PlatformId), refs[i]));
    const caps = rows.flatMap((r) => {
      const cap = dailyCapOf(r);
      return cap === null ? [] : [{ accountId: r.id, cap }];
    });
    const counted = rows.filter((r) => dailyCapOf(r) !== null || getAdapter(r.platform as PlatformId).pricing);
    const found = await this.repo.health({
      accountIds: rows.map((r) => r.id),
      budgets: rows.flatMap((r, i) => budgets[i].map((b, index) => healthBudget(r.id, index, b))),
      caps,
      counted: counted.map((r) => r.id),
      now,
      dayStart,
    });
    const byId = new Map(found.map((f) => [f.account_id, f]));
    return rows.map((r, i) => {
      const caught = byId.get(r.id);
      if (!caught) throw new Error(`account ${r.id}: no health row`);
      return this.health(r, views[i], refs[i], budgets[i], caught, dayStart);
    });
  }

  private health(
    row: AccountRow,
    view: AccountView,
    ref: AccountRef,
    budgets: readonly ResolvedBudget[],
    h: HealthRow,
    dayStart: Date,
  ): AccountHealth {
    // Attempt errors are scrubbed by the adapters; scrubbing again with this account's secrets costs nothing.
    const secrets = secretsOf(ref);
    const clean = (s: string | null) => (s === null ? null : redact(s, secrets));
    const n = (x: number | null) => x ?? 0;
    const pending = { scheduled: n(h.scheduled), retrying: n(h.retrying), publishing: n(h.publishing) };
    const pricing = getAdapter(row.platform as PlatformId).pricing;
    return {
      status: view.status,
      statusReason: clean(view.statusReason),
      lastSuccess:
        h.success_at && h.success_delivery && h.success_post
          ? {
              at: iso(h.success_at),
              deliveryId: h.success_delivery,
              postId: h.success_post,
              remoteUrl: h.success_url,
            }
          : null,
      lastError:
        h.error_at && h.error_delivery && h.error_post && h.error_outcome
          ? {
              at: iso(h.error_at),
              deliveryId: h.error_delivery,
              postId: h.error_post,
              outcome: h.error_outcome,
              statusCode: h.error_code,
              message: clean(h.error_message),
            }
          : null,
      rateLimit: latestWait(h, budgets, dailyCapOf(row)),
      pending: { ...pending, total: pending.scheduled + pending.retrying + pending.publishing },
      held: n(h.held),
      cost: pricing
        ? {
            cap: dailyCapOf(row),
            perPostUsd: pricing.perPostUsd,
            perPostWithUrlUsd: pricing.perPostWithUrlUsd,
            last24h: count(n(h.published_24h), n(h.url_posts_24h), n(h.plain_posts_24h), pricing),
            today: {
              since: dayStart.toISOString(),
              ...count(n(h.published_today), n(h.url_posts_today), n(h.plain_posts_today), pricing),
            },
          }
        : null,
    };
  }

  /**
   * The account as the worker sees it, for its budgets and secrets. Credentials no key opens give none: budgets
   * keyed on a token then fall back as the adapter's do for a missing token (the account cannot send anyway).
   */
  private refOf(row: AccountRow, view: AccountView): AccountRef {
    try {
      return this.accounts.accountRef(row);
    } catch (e) {
      if (!(e instanceof UndecryptableCredentials)) throw e;
      return { accountId: row.id, credentials: {}, settings: view.settings, remote: view.remoteAccount };
    }
  }
}

function healthBudget(accountId: string, index: number, b: ResolvedBudget): HealthBudget {
  return { accountId, index, counter: b.counter, windowMs: b.windowMs, max: b.max };
}

function iso(d: Date | string): string {
  return new Date(d).toISOString();
}

/** The later of the budgets' wait and the daily cap's; the platform's own wait wins a tie. */
function latestWait(h: HealthRow, budgets: readonly ResolvedBudget[], cap: number | null): RateLimitWait | null {
  let wait: RateLimitWait | null = null;
  if (h.budget_until && h.budget_index !== null) {
    const b = budgets[h.budget_index];
    wait = h.budget_blocked
      ? { until: iso(h.budget_until), by: 'platform', scope: b.scope, max: null, windowMs: null }
      : { until: iso(h.budget_until), by: 'budget', scope: b.scope, max: b.max, windowMs: b.windowMs };
  }
  if (h.cap_until && cap !== null && (!wait || new Date(h.cap_until) > new Date(wait.until))) {
    wait = { until: iso(h.cap_until), by: 'daily-cap', scope: 'account', max: cap, windowMs: DAY_MS };
  }
  return wait;
}

function count(
  published: number,
  withUrl: number,
  plain: number,
  pricing: { perPostUsd: number; perPostWithUrlUsd: number },
): PostsCount {
  const usd = withUrl * pricing.perPostWithUrlUsd + plain * pricing.perPostUsd;
  return { published, posts: withUrl + plain, postsWithUrl: withUrl, estimatedUsd: Math.round(usd * 1000) / 1000 };
}
