import { Inject, Injectable } from '@nestjs/common';
import { ExpressionBuilder, sql, Transaction, UpdateObject } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { Database, DeliveryRow } from '../database/schema';
import { derivePostStatus, DeliveryStatus, RUNNABLE } from './statuses';

export type Tx = Transaction<Database>;
type Executor = Db | Tx;

/** Which deliveries an event is for. */
export type DeliveryTarget = { ids: readonly string[] } | { postId: string } | { accountId: string };

export type DeliverySet = (eb: ExpressionBuilder<Database, 'deliveries'>) => UpdateObject<Database, 'deliveries'>;

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

  /** The post ids of the target's deliveries that are in one of `from` (read before locking their posts). */
  async postsOf(tx: Executor, target: DeliveryTarget, from: readonly DeliveryStatus[]): Promise<string[]> {
    const rows = await this.targeted(tx.selectFrom('deliveries').select('post_id').distinct(), target)
      .where('status', 'in', from)
      .execute();
    return rows.map((r) => r.post_id);
  }

  /**
   * Locks posts, always in id order: every transaction that changes a delivery locks its post first, so two
   * deliveries of one post finishing together serialise and the second derives the post status from both.
   */
  async lockPosts(tx: Executor, postIds: readonly string[]): Promise<void> {
    if (postIds.length === 0) return;
    await tx
      .selectFrom('posts')
      .select('id')
      .where('id', 'in', [...new Set(postIds)])
      .orderBy('id')
      .forUpdate()
      .execute();
  }

  /**
   * Applies `set` and `status` to the target's deliveries that are in `from`. With `fence`, a `publishing` row
   * changes only if its claim token is `fence`; without one, `publishing` rows are left alone unless `from`
   * names no other status (recover, which checks the lease itself).
   */
  async update(
    tx: Executor,
    target: DeliveryTarget,
    from: readonly DeliveryStatus[],
    status: DeliveryStatus | null,
    set: DeliverySet,
    fence: { token?: string; staleBefore?: Date },
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
      if (fence.token !== undefined) {
        const token = fence.token;
        q = q.where((eb) => eb.or([eb('status', '!=', 'publishing'), eb('claim_token', '=', token)]));
      } else if (fence.staleBefore !== undefined) {
        const stale = fence.staleBefore;
        q = q.where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', stale)]));
        // A row claimed before the fence existed has no lease: its age tells.
        q = q.where((eb) => eb.or([eb('claimed_until', 'is not', null), eb('updated_at', '<', stale)]));
      } else {
        q = q.where('status', '!=', 'publishing');
      }
    }
    return q.returningAll().execute();
  }

  /**
   * Claims the delivery when it is due and its turn: no other delivery of the account is `publishing` (a unique
   * index makes that exact: a second claim fails with 23505) and none due now was scheduled before it.
   */
  async claim(tx: Executor, id: string, token: string, now: Date, leaseUntil: Date): Promise<DeliveryRow | undefined> {
    return tx
      .updateTable('deliveries as d')
      .set((eb) => ({
        status: 'publishing',
        claim_token: token,
        claimed_until: leaseUntil,
        first_attempt_at: eb.fn.coalesce('d.first_attempt_at', eb.val(now)),
        updated_at: now,
      }))
      .where('d.id', '=', id)
      .where('d.status', 'in', RUNNABLE)
      .where('d.next_attempt_at', '<=', new Date(now.getTime() + 1000))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('deliveries as o')
              .select(sql`1`.as('one'))
              .whereRef('o.account_id', '=', 'd.account_id')
              .where('o.status', 'in', RUNNABLE)
              .where('o.next_attempt_at', '<=', now)
              .where(sql<boolean>`(o.scheduled_at, o.seq) < (d.scheduled_at, d.seq)`),
          ),
        ),
      )
      .returningAll()
      .executeTakeFirst();
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

  /** Stores each post's status as derived from its deliveries (call with the posts locked). */
  async derivePostStatuses(tx: Executor, postIds: readonly string[]): Promise<void> {
    const ids = [...new Set(postIds)];
    if (ids.length === 0) return;
    const rows = await tx.selectFrom('deliveries').select(['post_id', 'status']).where('post_id', 'in', ids).execute();
    const byPost = new Map<string, DeliveryStatus[]>(ids.map((id) => [id, []]));
    for (const r of rows) byPost.get(r.post_id)?.push(r.status as DeliveryStatus);
    const values = [...byPost].map(([id, statuses]) => sql`(${id}::uuid, ${derivePostStatus(statuses)}::text)`);
    await sql`
      update posts set status = v.status, updated_at = now()
      from (values ${sql.join(values)}) as v(id, status)
      where posts.id = v.id and posts.status <> v.status`.execute(tx);
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
