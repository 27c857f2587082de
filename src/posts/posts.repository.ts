import { Inject, Injectable } from '@nestjs/common';
import { sql, Transaction } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { Database, DeliveryRow, PostRow } from '../database/schema';
import { derivePostStatus, DeliveryStatus, NOT_STARTED, PostStatus, RUNNABLE } from './statuses';

export interface NewDelivery {
  id: string;
  accountId: string;
  platform: string;
  status: DeliveryStatus;
  text: string;
  error: string | null;
  /** Thread parts (part 1 = `text`); absent or null for a single post. */
  parts?: string[] | null;
}

export interface PostFilter {
  status?: PostStatus;
  from?: Date;
  to?: Date;
  limit: number;
  /** (created_at, id) of the last item of the previous page. */
  after?: { createdAt: Date; id: string };
}

type Executor = Db | Transaction<Database>;

/** All SQL on posts, deliveries and idempotency keys. Methods take an optional transaction. */
@Injectable()
export class PostsRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  transaction<T>(fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  async insertPost(
    post: { id: string; articleId: string | null; text: string | null; scheduledAt: Date; timezone: string | null },
    deliveries: NewDelivery[],
    tx: Executor = this.db,
  ): Promise<void> {
    const status = derivePostStatus(deliveries.map((d) => d.status));
    await tx
      .insertInto('posts')
      .values({
        id: post.id,
        article_id: post.articleId,
        text: post.text,
        status,
        scheduled_at: post.scheduledAt,
        timezone: post.timezone,
        // Millisecond precision on purpose: list cursors carry this value through JSON.
        created_at: new Date(),
      })
      .execute();
    if (deliveries.length === 0) return;
    await tx
      .insertInto('deliveries')
      .values(
        deliveries.map((d) => ({
          id: d.id,
          post_id: post.id,
          account_id: d.accountId,
          platform: d.platform,
          status: d.status,
          text: d.text,
          error: d.error,
          parts: d.parts && d.parts.length > 1 ? JSON.stringify(d.parts) : null,
          scheduled_at: post.scheduledAt,
          next_attempt_at: post.scheduledAt,
        })),
      )
      .execute();
  }

  async findPost(id: string): Promise<PostRow | undefined> {
    return this.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listPosts(f: PostFilter): Promise<PostRow[]> {
    let q = this.db.selectFrom('posts').selectAll();
    if (f.status) q = q.where('status', '=', f.status);
    if (f.from) q = q.where('scheduled_at', '>=', f.from);
    if (f.to) q = q.where('scheduled_at', '<', f.to);
    if (f.after) {
      const { createdAt, id } = f.after;
      q = q.where((eb) =>
        eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]),
      );
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  }

  async deliveriesOfPosts(postIds: readonly string[]): Promise<DeliveryRow[]> {
    if (postIds.length === 0) return [];
    return this.db
      .selectFrom('deliveries')
      .selectAll()
      .where('post_id', 'in', postIds)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async findDelivery(id: string): Promise<DeliveryRow | undefined> {
    return this.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Sets fields on a delivery only while it is in one of `from`; returns the updated row or undefined. */
  async transition(
    id: string,
    from: readonly DeliveryStatus[],
    patch: Partial<Omit<DeliveryRow, 'id' | 'post_id' | 'created_at' | 'parts' | 'thread_remote_ids'>>,
    tx: Executor = this.db,
  ): Promise<DeliveryRow | undefined> {
    return tx
      .updateTable('deliveries')
      .set({ ...patch, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * A thread part is out: its remote id is appended to `thread_remote_ids` (while the delivery is `publishing`),
   * so no later run sends it again. Part 1 also sets `remote_id`/`remote_url`. The part settles any doubt: the
   * next part starts unambiguous.
   */
  async appendThreadPart(
    id: string,
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
      .returningAll()
      .executeTakeFirst();
  }

  /** Claims a due delivery for publishing: of two workers, exactly one wins. (Crash recovery is the worker's.) */
  async claim(id: string, now: Date): Promise<DeliveryRow | undefined> {
    return this.db
      .updateTable('deliveries')
      .set((eb) => ({
        status: 'publishing',
        first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(now)),
        updated_at: now,
      }))
      .where('id', '=', id)
      .where('status', 'in', RUNNABLE)
      .where('next_attempt_at', '<=', new Date(now.getTime() + 1000))
      .returningAll()
      .executeTakeFirst();
  }

  /** Every not-started delivery of the account goes to `held`. */
  async holdAccount(accountId: string, reason: string): Promise<DeliveryRow[]> {
    return this.db
      .updateTable('deliveries')
      .set({ status: 'held', error: reason, updated_at: new Date() })
      .where('account_id', '=', accountId)
      .where('status', 'in', RUNNABLE)
      .returningAll()
      .execute();
  }

  /** Held deliveries of the account become runnable again: on time if still ahead, else now. */
  async resumeAccount(accountId: string, now: Date): Promise<DeliveryRow[]> {
    return this.db
      .updateTable('deliveries')
      .set((eb) => ({
        status: 'scheduled',
        error: null,
        next_attempt_at: eb.fn('greatest', ['next_attempt_at', eb.val(now)]),
        updated_at: now,
      }))
      .where('account_id', '=', accountId)
      .where('status', '=', 'held')
      .returningAll()
      .execute();
  }

  async cancelNotStarted(
    filter: { postId?: string; accountId?: string },
    reason: string | null,
  ): Promise<DeliveryRow[]> {
    if (!filter.postId && !filter.accountId) throw new Error('cancelNotStarted needs a post or an account');
    let q = this.db
      .updateTable('deliveries')
      .set({ status: 'cancelled', error: reason, updated_at: new Date() })
      .where('status', 'in', NOT_STARTED);
    if (filter.postId) q = q.where('post_id', '=', filter.postId);
    if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
    return q.returningAll().execute();
  }

  async rescheduleNotStarted(postId: string, at: Date): Promise<DeliveryRow[]> {
    return this.db.transaction().execute(async (tx) => {
      const moved = await tx
        .updateTable('deliveries')
        .set({ scheduled_at: at, next_attempt_at: at, updated_at: new Date() })
        .where('post_id', '=', postId)
        .where('status', 'in', NOT_STARTED)
        .returningAll()
        .execute();
      if (moved.length > 0)
        await tx
          .updateTable('posts')
          .set({ scheduled_at: at, updated_at: new Date() })
          .where('id', '=', postId)
          .execute();
      return moved;
    });
  }

  /** Runnable deliveries, oldest first, for the missing-job sweep. */
  async runnable(limit: number, afterId?: string): Promise<DeliveryRow[]> {
    let q = this.db
      .selectFrom('deliveries')
      .selectAll()
      .where('status', 'in', [...RUNNABLE, 'publishing']);
    if (afterId) q = q.where('id', '>', afterId);
    return q.orderBy('id').limit(limit).execute();
  }

  /** Due, not yet finished deliveries of an account scheduled before `before` (per-account ordering). */
  async earlierPendingOfAccount(accountId: string, deliveryId: string, before: Date): Promise<number> {
    const r = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('id', '!=', deliveryId)
      .where('status', 'in', ['scheduled', 'publishing'])
      .where('next_attempt_at', '<=', new Date())
      .where('scheduled_at', '<', before)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** published_at of the account's deliveries published since `since`, oldest first (daily caps). */
  async publishedSince(accountId: string, since: Date): Promise<Date[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select('published_at')
      .where('account_id', '=', accountId)
      .where('status', '=', 'published')
      .where('published_at', '>=', since)
      .orderBy('published_at')
      .execute();
    return rows.map((r) => new Date(r.published_at as Date));
  }

  /** The earliest-scheduled due delivery of the account other than `exceptId` (retries keep their own times). */
  async nextDueOfAccount(accountId: string, exceptId: string, now: Date): Promise<DeliveryRow | undefined> {
    return this.db
      .selectFrom('deliveries')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '!=', exceptId)
      .where('status', '=', 'scheduled')
      .where('next_attempt_at', '<=', now)
      .orderBy('scheduled_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  }

  /** The runnable delivery of the account that comes next in time (none due). */
  async nextUpcomingOfAccount(accountId: string, exceptId: string): Promise<DeliveryRow | undefined> {
    return this.db
      .selectFrom('deliveries')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '!=', exceptId)
      .where('status', '=', 'scheduled')
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  }

  async refreshPostStatus(postId: string, tx: Executor = this.db): Promise<PostStatus> {
    const rows = await tx.selectFrom('deliveries').select('status').where('post_id', '=', postId).execute();
    const status = derivePostStatus(rows.map((r) => r.status as DeliveryStatus));
    await tx
      .updateTable('posts')
      .set({ status, updated_at: new Date() })
      .where('id', '=', postId)
      .where('status', '!=', status)
      .execute();
    return status;
  }

  async startAttempt(deliveryId: string, attempt: number, startedAt: Date): Promise<number> {
    const r = await this.db
      .insertInto('delivery_attempts')
      .values({ delivery_id: deliveryId, attempt, started_at: startedAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async finishAttempt(
    id: number,
    result: { outcome: string; statusCode?: number | null; error?: string | null; remoteId?: string | null },
  ): Promise<void> {
    await this.db
      .updateTable('delivery_attempts')
      .set({
        finished_at: new Date(),
        outcome: result.outcome,
        status_code: result.statusCode ?? null,
        error: result.error ?? null,
        remote_id: result.remoteId ?? null,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Closes attempts a crashed worker left open. */
  async interruptOpenAttempts(deliveryId: string): Promise<number> {
    const r = await this.db
      .updateTable('delivery_attempts')
      .set({ finished_at: new Date(), outcome: 'interrupted', error: 'worker stopped while the request was in flight' })
      .where('delivery_id', '=', deliveryId)
      .where('finished_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async attemptsOf(deliveryId: string) {
    return this.db
      .selectFrom('delivery_attempts')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .orderBy('id')
      .execute();
  }

  async findIdempotencyKey(key: string) {
    return this.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
  }

  /** Reserves a key inside the creating transaction; false when another request holds it. */
  async reserveIdempotencyKey(tx: Executor, key: string, requestHash: string): Promise<boolean> {
    const r = await tx
      .insertInto('idempotency_keys')
      .values({ key, request_hash: requestHash })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async saveIdempotentResponse(tx: Executor, key: string, statusCode: number, response: unknown): Promise<void> {
    await tx
      .updateTable('idempotency_keys')
      .set({ status_code: statusCode, response: JSON.stringify(response) })
      .where('key', '=', key)
      .execute();
  }
}
