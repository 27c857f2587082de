import { Inject, Injectable } from '@nestjs/common';
import { ExpressionBuilder, sql, Transaction, UpdateObject } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { ArticleRow, Database, DeliveryRow } from '../database/schema';
import { TRANSITIONS } from './delivery-transitions';
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

/** One claim of a batch (see claimBatch). */
export interface ClaimItem {
  id: string;
  /** The delivery's account, if known: items are sent in account order. */
  accountId?: string;
  token: string;
  /** The claim's time: its spends' stamp. Distinct per claim, so a settle restamps or refunds its own spends. */
  now: Date;
  /** How long the claim holds without a renewal. */
  leaseMs: number;
  budgets: readonly ClaimBudget[];
  /** The publishes it spends; null: counted from the row (a thread's parts not yet posted, else one). */
  units: number | null;
  /** Claim only if the account is active at this version (the worker's cache); null: not checked. */
  accountVersion: string | null;
}

/** One delivery of a batch settled as published (see settlePublishedBatch). */
export interface PublishedSettle {
  id: string;
  token: string;
  /** The attempts count to store (the one just made included). */
  attempts: number;
  remoteId: string;
  remoteUrl: string | null;
  /** When the platform answered: `published_at`, and the spends' new stamp. */
  at: Date;
  /** The attempt-log row to close, with its outcome (`published`, `reconciled`). */
  attempt: { id: number; outcome: string } | null;
  /** The claim's spends: stamped `claimedAt` by the claim. */
  spends: { counters: readonly string[]; claimedAt: Date };
}

/** What a claim came to: claimed; not its turn (or not runnable); or a budget is spent until `until`. */
export type ClaimOutcome = ({ kind: 'claimed' } & Claimed) | { kind: 'not-turn' } | { kind: 'budget'; until: Date };

/** The columns the claim statement adds to the delivery row. */
const EXTRA_COLUMNS = [
  'c_ord',
  'c_outcome',
  'c_until',
  'c_attempt_id',
  'c_article_id',
  'c_article_url',
  'c_article_title',
  'c_article_image_url',
  'c_article_video_url',
  'c_article_lead',
] as const;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
   * Claims deliveries that are due and whose turn it is, spending their budgets, in one round trip for the whole
   * batch (crier_claim_batch, migration 0014, runs crier_claim of migrations 0006/0007 per item): no other delivery
   * of the account may be `publishing` (a unique index) and none due now may have been scheduled before it. Per item,
   * in the items' order: the claim; `not-turn` when it is not its turn (or not runnable, or, given
   * `accountVersion`, its account is not active at that version); `budget` when a budget is spent (nothing claimed,
   * nothing spent for that item).
   *
   * The same statement opens each claimed delivery's attempt-log row (unless it is ambiguous: that one is settled
   * before any send) and reads its post's article: the worker needs nothing else before it publishes.
   */
  async claimBatch(items: readonly ClaimItem[]): Promise<ClaimOutcome[]> {
    // In account order, so two batches meet the one-`publishing`-per-account index in the same order (no deadlock).
    const order = items.map((_, i) => i).sort((a, b) => compare(items[a].accountId ?? '', items[b].accountId ?? ''));
    const sorted = order.map((i) => items[i]);
    const from: number[] = [];
    const to: number[] = [];
    const counters: string[] = [];
    const windows: number[] = [];
    const maxes: number[] = [];
    for (const it of sorted) {
      from.push(counters.length + 1);
      for (const b of it.budgets) {
        counters.push(b.counter);
        windows.push(b.windowMs);
        maxes.push(b.max);
      }
      to.push(counters.length);
    }
    const r = await sql<ClaimedRow & { c_ord: number; c_outcome: 'claimed' | 'budget'; c_until: Date | null }>`
      with c as (
        select * from crier_claim_batch(${sorted.map((i) => i.id)}::uuid[], ${sorted.map((i) => i.token)}::uuid[],
          ${sorted.map((i) => i.now)}::timestamptz[], ${sorted.map((i) => i.leaseMs)}::bigint[], ${sorted.map((i) => i.units)}::integer[],
          ${sorted.map((i) => i.accountVersion)}::bigint[], ${from}::integer[], ${to}::integer[],
          ${counters}::text[], ${windows}::bigint[], ${maxes}::integer[])
      ), att as (
        insert into delivery_attempts (delivery_id, attempt, started_at)
        select (c.claimed).id, (c.claimed).attempts + 1, (c.claimed).updated_at
          from c where c.outcome = 'claimed' and not (c.claimed).ambiguous
        returning id, delivery_id
      )
      select (c.claimed).*, c.ord as c_ord, c.outcome as c_outcome, c.until as c_until, att.id as c_attempt_id,
        p.article_id as c_article_id, ar.url as c_article_url, ar.title as c_article_title,
        ar.image_url as c_article_image_url, ar.video_url as c_article_video_url, ar.lead as c_article_lead
      from c left join att on att.delivery_id = (c.claimed).id
        left join posts p on p.id = (c.claimed).post_id left join articles ar on ar.id = p.article_id`.execute(this.db);
    const out: ClaimOutcome[] = items.map(() => ({ kind: 'not-turn' }));
    for (const found of r.rows) {
      const original = order[found.c_ord - 1];
      if (found.c_outcome === 'budget') {
        out[original] = { kind: 'budget', until: new Date(found.c_until as Date) };
        continue;
      }
      const { c_attempt_id, c_article_id, c_article_url, c_article_title, c_article_image_url, c_article_video_url } =
        found;
      const row = { ...found } as Partial<typeof found>;
      for (const k of EXTRA_COLUMNS) delete row[k];
      out[original] = {
        kind: 'claimed',
        row: row as DeliveryRow,
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
                lead: found.c_article_lead as string,
              },
      };
    }
    return out;
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

  /**
   * The hot path's settle, for a batch: each delivery is `published` under its claim token, and only if it was, its
   * attempt row is closed and its spends are restamped to the platform's answer, in one statement for the batch.
   * Per item, in order: undefined when its claim was lost (nothing written for it), else the row and the account's
   * next delivery (the statement sees the other deliveries as they were before it).
   */
  async settlePublishedBatch(
    items: readonly PublishedSettle[],
  ): Promise<({ row: DeliveryRow; next: DeliveryKey | null } | undefined)[]> {
    const spendIds: string[] = [];
    const spendKeys: string[] = [];
    const spendClaimed: Date[] = [];
    const spendAt: Date[] = [];
    for (const it of items) {
      for (const key of new Set(it.spends.counters)) {
        spendIds.push(it.id);
        spendKeys.push(key);
        spendClaimed.push(it.spends.claimedAt);
        spendAt.push(it.at);
      }
    }
    const now = new Date();
    const col = <T>(f: (i: PublishedSettle) => T) => items.map(f);
    const r = await sql<DeliveryRow & { next_id: string | null; next_platform: string | null; next_at: Date | null }>`
      with i as (
        select * from unnest(${col((i) => i.id)}::uuid[], ${col((i) => i.token)}::uuid[],
          ${col((i) => i.attempts)}::integer[], ${col((i) => i.remoteId)}::text[], ${col((i) => i.remoteUrl)}::text[],
          ${col((i) => i.at)}::timestamptz[], ${col((i) => i.attempt?.id ?? null)}::bigint[],
          ${col((i) => i.attempt?.outcome ?? null)}::text[])
          as t(id, token, attempts, remote_id, remote_url, at, attempt_id, attempt_outcome)
      ), d as (
        update deliveries x set status = ${TRANSITIONS.publish.to}, claim_token = null, claimed_until = null,
          attempts = i.attempts, remote_id = i.remote_id, remote_url = i.remote_url, published_at = i.at,
          error = null, updated_at = i.at
        from i where x.id = i.id and x.status = 'publishing' and x.claim_token = i.token
        returning x.*
      ), a as (
        update delivery_attempts t set finished_at = i.at, outcome = i.attempt_outcome, status_code = null,
          error = null, remote_id = i.remote_id
        from i join d on d.id = i.id where t.id = i.attempt_id
        returning t.id
      ), s as (
        update budget_spends b set at = k.at
        from unnest(${spendIds}::uuid[], ${spendKeys}::text[], ${spendClaimed}::timestamptz[], ${spendAt}::timestamptz[])
          as k(id, key, claimed_at, at)
        join d on d.id = k.id
        where b.key = k.key and b.at = k.claimed_at
        returning b.key
      )
      select d.*, h.next_id, h.next_platform, h.next_at from d left join lateral (
        select o.id as next_id, o.platform as next_platform, o.next_attempt_at as next_at from deliveries o
         where o.account_id = d.account_id and o.id <> d.id and o.status = any(${RUNNABLE}::text[])
         order by o.next_attempt_at > ${now}::timestamptz,
           case when o.next_attempt_at <= ${now}::timestamptz then o.scheduled_at else o.next_attempt_at end, o.seq
         limit 1
      ) h on true`.execute(this.db);
    const byId = new Map(
      r.rows.map(({ next_id, next_platform, next_at, ...row }) => [
        row.id,
        {
          row: row as DeliveryRow,
          next:
            next_id && next_platform && next_at
              ? { id: next_id, platform: next_platform, account_id: row.account_id, next_attempt_at: next_at }
              : null,
        },
      ]),
    );
    return items.map((i) => byId.get(i.id));
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
