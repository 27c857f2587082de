import { Inject, Injectable } from '@nestjs/common';
import { ExpressionBuilder, sql, Transaction, UpdateObject } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { ArticleRow, Database, DeliveryRow } from '../database/schema';
import { DeliveryStatus, RUNNABLE } from './statuses';

export type Tx = Transaction<Database>;
type Executor = Db | Tx;

/** Which deliveries an event is for. */
export type DeliveryTarget = { ids: readonly string[] } | { postId: string } | { accountId: string };

export type DeliverySet = (eb: ExpressionBuilder<Database, 'deliveries'>) => UpdateObject<Database, 'deliveries'>;

/** A budget as the claim spends it (ResolvedBudget in publishing/budgets.ts). */
export interface ClaimBudget {
  counter: string;
  windowMs: number;
  max: number;
}

const BUDGET_SPENT = 'CR001';

/** What commits with a worker's settle (see settle). */
export interface SettleExtra {
  /** The attempt-log row to close. */
  attempt?: {
    id: number;
    outcome: string;
    statusCode?: number | null;
    error?: string | null;
    remoteId?: string | null;
  } | null;
  /**
   * The claim's spends (stamped `claimedAt`): restamped to now (the platform counts arrivals), or refunded
   * (`refund`: refused for its rate, the publish did not count; `units` per counter).
   */
  spends?: { counters: readonly string[]; claimedAt: Date; units: number; refund?: boolean };
  /** The platform said "not before `until`" for these counters. */
  block?: { counters: readonly string[]; until: Date };
}

/** The post's article as publishing needs it. */
export type ClaimedArticle = Pick<ArticleRow, 'url' | 'title' | 'image_url' | 'video_url' | 'lead'>;

/** A claimed delivery, the attempt-log row the claim opened (if asked), and its post's article. */
export interface Claimed {
  row: DeliveryRow;
  attemptId: number | null;
  articleId: string | null;
  article: ClaimedArticle | null;
}

type ClaimedRow = DeliveryRow & {
  c_attempt_id: string | number | null;
  c_article_id: string | null;
  c_article_url: string | null;
  c_article_title: string | null;
  c_article_image_url: string | null;
  c_article_video_url: string | null;
  c_article_lead: string | null;
};

/** A claim found a budget spent: nothing was claimed or spent; there is room at `until`. */
export class BudgetSpent extends Error {
  constructor(readonly until: Date) {
    super('rate budget spent');
  }
}

/** Just enough of a delivery to give it a job. */
export interface DeliveryKey {
  id: string;
  platform: string;
  account_id: string | null;
  next_attempt_at: Date;
}

/** The SQL of DeliveryStateService: every write that changes a delivery's status, and the turn queries. */
@Injectable()
export class DeliveryStateRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /**
   * Applies `set` and `status` to the target's deliveries that are in `from`. A `publishing` row is left alone
   * unless `staleBefore` is given (recover): then only one whose lease ran out before it.
   */
  async update(
    tx: Executor,
    target: DeliveryTarget,
    from: readonly DeliveryStatus[],
    status: DeliveryStatus | null,
    set: DeliverySet,
    staleBefore?: Date,
  ): Promise<DeliveryRow[]> {
    let q = tx
      .updateTable('deliveries')
      .set((eb) => ({
        ...set(eb),
        ...(status !== null ? { status } : {}),
        // Leaving `publishing` ends the claim.
        ...(status !== null && status !== 'publishing' ? { claim_token: null, claimed_until: null } : {}),
        updated_at: new Date(),
      }))
      .where('status', 'in', from);
    q = this.targeted(q, target);
    if (from.includes('publishing')) {
      if (staleBefore !== undefined) {
        q = q.where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', staleBefore)]));
        // A row claimed before the fence existed has no lease: its age tells.
        q = q.where((eb) => eb.or([eb('claimed_until', 'is not', null), eb('updated_at', '<', staleBefore)]));
      } else {
        q = q.where('status', '!=', 'publishing');
      }
    }
    return q.returningAll().execute();
  }

  /**
   * Claims the delivery when it is due and its turn, spending its budgets, in one round trip (crier_claim,
   * migrations 0006 and 0007): no other delivery of the account may be `publishing` (a unique index: a second claim
   * fails with 23505) and none due now may have been scheduled before it. Undefined when it is not its turn (or not
   * runnable, or, given `accountVersion`, its account is not active at that version); throws BudgetSpent when a
   * budget is spent (nothing claimed, nothing spent).
   *
   * The same statement opens the attempt-log row when `openAttempt` (and the row is not ambiguous: that one is
   * settled before any send) and reads the post's article: the worker needs nothing else before it publishes.
   * `units` null: the function counts a thread's remaining parts from the row.
   */
  async claim(
    id: string,
    token: string,
    now: Date,
    leaseUntil: Date,
    budgets: readonly ClaimBudget[],
    units: number | null,
    accountVersion: string | null = null,
    openAttempt = false,
  ): Promise<Claimed | undefined> {
    try {
      const r = await sql<ClaimedRow>`
        with c as (
          select * from crier_claim(${id}::uuid, ${token}::uuid, ${now}::timestamptz, ${leaseUntil}::timestamptz,
            ${budgets.map((b) => b.counter)}::text[], ${budgets.map((b) => b.windowMs)}::bigint[],
            ${budgets.map((b) => b.max)}::integer[], ${units}::integer, ${accountVersion}::bigint)
        ), att as (
          insert into delivery_attempts (delivery_id, attempt, started_at)
          select c.id, c.attempts + 1, ${now}::timestamptz from c where ${openAttempt}::boolean and not c.ambiguous
          returning id
        )
        select c.*, (select id from att) as c_attempt_id, p.article_id as c_article_id, ar.url as c_article_url,
          ar.title as c_article_title, ar.image_url as c_article_image_url, ar.video_url as c_article_video_url,
          ar.lead as c_article_lead
        from c join posts p on p.id = c.post_id left join articles ar on ar.id = p.article_id`.execute(this.db);
      const found = r.rows[0];
      if (!found) return undefined;
      const { c_attempt_id, c_article_id, c_article_url, c_article_title, ...rest } = found;
      const { c_article_image_url, c_article_video_url, c_article_lead, ...row } = rest;
      return {
        row,
        attemptId: c_attempt_id === null ? null : Number(c_attempt_id),
        articleId: c_article_id,
        article:
          c_article_id === null || c_article_url === null
            ? null
            : {
                url: c_article_url,
                title: c_article_title as string,
                image_url: c_article_image_url,
                video_url: c_article_video_url,
                lead: c_article_lead as string,
              },
      };
    } catch (e) {
      const err = e as { code?: string; detail?: string };
      if (err.code === BUDGET_SPENT) throw new BudgetSpent(new Date(err.detail as string));
      throw e;
    }
  }

  /**
   * A worker's settle in one statement: the delivery leaves `publishing` under its claim token, and only if it
   * did, the attempt row is closed and the budget spends are restamped, refunded or blocked, all atomically.
   * Undefined when the claim was lost (nothing written); else the row and the account's next delivery.
   */
  async settle(
    id: string,
    token: string,
    status: DeliveryStatus,
    set: DeliverySet,
    extra: SettleExtra,
  ): Promise<{ row: DeliveryRow; next: DeliveryKey | null } | undefined> {
    const now = new Date();
    const settled = sql<boolean>`exists (select 1 from d)`;
    const { attempt, spends, block } = extra;
    let q = this.db.with('d', (db) =>
      db
        .updateTable('deliveries')
        .set((eb) => ({ ...set(eb), status, claim_token: null, claimed_until: null, updated_at: now }))
        .where('id', '=', id)
        .where('status', '=', 'publishing')
        .where('claim_token', '=', token)
        .returningAll(),
    );
    const keys = spends ? [...new Set(spends.counters)] : [];
    const q2 = q
      .with('a', (db) =>
        db
          .updateTable('delivery_attempts')
          .set({
            finished_at: now,
            outcome: attempt?.outcome ?? null,
            status_code: attempt?.statusCode ?? null,
            error: attempt?.error ?? null,
            remote_id: attempt?.remoteId ?? null,
          })
          .where('id', '=', attempt?.id ?? -1)
          .where(settled)
          .returning('id'),
      )
      .with('s', (db) =>
        spends?.refund
          ? db
              .deleteFrom('budget_spends')
              .where(
                sql`ctid`,
                'in',
                sql`(select ctid from (select ctid, row_number() over (partition by key) as n from budget_spends
                      where key = any(${keys}::text[]) and at = ${spends.claimedAt}::timestamptz) x
                     where x.n <= ${spends.units})`,
              )
              .where(settled)
              .returning('key')
          : db
              .updateTable('budget_spends')
              .set({ at: now })
              .where('key', 'in', keys.length > 0 ? keys : [''])
              .where('at', '=', spends?.claimedAt ?? now)
              .where(settled)
              .returning('key'),
      );
    q = q2 as unknown as typeof q;
    if (block && block.counters.length > 0) {
      const blockKeys = [...new Set(block.counters)].sort();
      q = q.with(
        'b',
        () =>
          sql`(insert into rate_budgets (key, blocked_until)
            select k, ${block.until}::timestamptz from unnest(${blockKeys}::text[]) as k where ${settled} order by 1
            on conflict (key) do update set blocked_until =
              greatest(coalesce(rate_budgets.blocked_until, excluded.blocked_until), excluded.blocked_until)
            returning key)`,
      ) as unknown as typeof q;
    }
    // The account's next delivery, read in the same statement (the hand-over needs it): the statement sees the
    // other deliveries as they were before it, and this one is excluded.
    const row = await q
      .selectFrom('d')
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('deliveries as o')
            .select(['o.id as next_id', 'o.platform as next_platform', 'o.next_attempt_at as next_at'])
            .whereRef('o.account_id', '=', 'd.account_id')
            .where('o.id', '!=', id)
            .where('o.status', 'in', RUNNABLE)
            .orderBy(sql`o.next_attempt_at > ${now}`)
            .orderBy(sql`case when o.next_attempt_at <= ${now} then o.scheduled_at else o.next_attempt_at end`)
            .orderBy('o.seq')
            .limit(1)
            .as('h'),
        (join) => join.onTrue(),
      )
      .selectAll('d')
      .select(['h.next_id', 'h.next_platform', 'h.next_at'])
      .executeTakeFirst();
    if (!row) return undefined;
    const { next_id, next_platform, next_at, ...settledRow } = row as unknown as DeliveryRow & {
      next_id: string | null;
      next_platform: string | null;
      next_at: Date | null;
    };
    const next =
      next_id && next_platform && next_at
        ? { id: next_id, platform: next_platform, account_id: settledRow.account_id, next_attempt_at: next_at }
        : null;
    return { row: settledRow as DeliveryRow, next };
  }

  /** Extends the lease while the claim still holds; false when it was lost (recovered by another worker). */
  async renew(id: string, token: string, leaseUntil: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('deliveries')
      .set({ claimed_until: leaseUntil })
      .where('id', '=', id)
      .where('status', '=', 'publishing')
      .where('claim_token', '=', token)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * A thread part is out: its remote id is appended (part 1 also sets `remote_id`/`remote_url`), under the
   * claim. The part settles any doubt: the next part starts unambiguous.
   */
  async appendThreadPart(
    id: string,
    token: string,
    remoteId: string,
    first: { remoteUrl: string | null } | null,
  ): Promise<DeliveryRow | undefined> {
    return this.db
      .updateTable('deliveries')
      .set({
        thread_remote_ids: sql<string>`coalesce(thread_remote_ids, '[]'::jsonb) || jsonb_build_array(${remoteId}::text)`,
        ambiguous: false,
        ...(first ? { remote_id: remoteId, remote_url: first.remoteUrl } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('status', '=', 'publishing')
      .where('claim_token', '=', token)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * The next delivery of each account: the earliest-scheduled one of those due now, else the one due soonest.
   * `horizon` limits it to accounts with something due by then (the sweep).
   */
  async heads(
    accountIds: readonly string[] | null,
    now: Date,
    page: { horizon?: Date; afterAccount?: string; limit?: number } = {},
  ): Promise<DeliveryKey[]> {
    let q = this.db
      .selectFrom('deliveries')
      .select(['id', 'platform', 'account_id', 'next_attempt_at'])
      .distinctOn('account_id')
      .where('status', 'in', RUNNABLE);
    if (accountIds !== null) {
      if (accountIds.length === 0) return [];
      q = q.where('account_id', 'in', [...new Set(accountIds)]);
    }
    if (page.horizon) q = q.where('next_attempt_at', '<=', page.horizon);
    if (page.afterAccount) q = q.where('account_id', '>', page.afterAccount);
    if (page.limit) q = q.limit(page.limit);
    return q
      .orderBy('account_id')
      .orderBy(sql`next_attempt_at > ${now}`)
      .orderBy(sql`case when next_attempt_at <= ${now} then scheduled_at else next_attempt_at end`)
      .orderBy('seq')
      .execute();
  }

  /** `publishing` deliveries whose lease ran out (their worker died or froze). */
  async expiredClaims(now: Date, limit: number): Promise<DeliveryKey[]> {
    return this.db
      .selectFrom('deliveries')
      .select(['id', 'platform', 'account_id', 'next_attempt_at'])
      .where('status', '=', 'publishing')
      .where((eb) => eb.or([eb('claimed_until', '<', now), eb('claimed_until', 'is', null)]))
      .orderBy('claimed_until')
      .limit(limit)
      .execute();
  }

  private targeted<Q extends { where: (...args: never[]) => unknown }>(q: Q, target: DeliveryTarget): Q {
    const w = q as unknown as { where(col: string, op: string, v: unknown): Q };
    if ('ids' in target)
      return w.where('id', 'in', target.ids.length > 0 ? target.ids : ['00000000-0000-0000-0000-000000000000']);
    if ('postId' in target) return w.where('post_id', '=', target.postId);
    return w.where('account_id', '=', target.accountId);
  }
}
