import { Inject, Injectable } from '@nestjs/common';
import { sql, Transaction } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { AccountRow, Database, DeliveryRow, PostRow } from '../database/schema';
import { derivePostStatus, DeliveryStatus, PostStatus } from './statuses';

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

/**
 * derivePostStatus (statuses.ts) in SQL, over one post's deliveries: for filtering lists in the database. A
 * medium test checks the two agree on every combination of delivery statuses.
 */
const PENDING_SQL = sql`status in ('scheduled', 'retrying', 'held', 'publishing')`;
const BAD_SQL = sql`status in ('failed', 'unconfirmed')`;
export const POST_STATUS_SQL = sql<PostStatus>`case
  when count(*) = 0 then 'cancelled'
  when count(*) filter (where status = 'publishing') > 0
    or (count(*) filter (where ${PENDING_SQL}) > 0
        and count(*) filter (where status = 'published' or ${BAD_SQL}) > 0) then 'publishing'
  when count(*) filter (where ${PENDING_SQL}) > 0 then 'scheduled'
  when count(*) filter (where status = 'published') > 0 and count(*) filter (where ${BAD_SQL}) > 0
    then 'partially_published'
  when count(*) filter (where status = 'published') > 0 then 'published'
  when count(*) filter (where ${BAD_SQL}) > 0 then 'failed'
  else 'cancelled' end`;

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
    await tx
      .insertInto('posts')
      .values({
        id: post.id,
        article_id: post.articleId,
        text: post.text,
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

  /** The post's own time follows a reschedule (in the transaction that moves its deliveries). */
  async moveScheduledAt(postId: string, at: Date, tx: Executor = this.db): Promise<void> {
    await tx.updateTable('posts').set({ scheduled_at: at, updated_at: new Date() }).where('id', '=', postId).execute();
  }

  async findPost(id: string): Promise<PostRow | undefined> {
    return this.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Posts newest first, each with its status derived from its deliveries (so the filter sees what readers see). */
  async listPosts(f: PostFilter): Promise<(PostRow & { status: PostStatus })[]> {
    let q = this.db
      .selectFrom('posts')
      .innerJoinLateral(
        (eb) =>
          eb
            .selectFrom('deliveries')
            .select(POST_STATUS_SQL.as('status'))
            .whereRef('deliveries.post_id', '=', 'posts.id')
            .as('derived'),
        (join) => join.onTrue(),
      )
      .selectAll('posts')
      .select('derived.status');
    if (f.status) q = q.where('derived.status', '=', f.status);
    if (f.from) q = q.where('posts.scheduled_at', '>=', f.from);
    if (f.to) q = q.where('posts.scheduled_at', '<', f.to);
    if (f.after) {
      const { createdAt, id } = f.after;
      q = q.where((eb) =>
        eb.or([
          eb('posts.created_at', '<', createdAt),
          eb.and([eb('posts.created_at', '=', createdAt), eb('posts.id', '<', id)]),
        ]),
      );
    }
    return q.orderBy('posts.created_at', 'desc').orderBy('posts.id', 'desc').limit(f.limit).execute();
  }

  /** A post's status as readers see it (derived from its deliveries). */
  async postStatus(postId: string): Promise<PostStatus> {
    const rows = await this.db.selectFrom('deliveries').select('status').where('post_id', '=', postId).execute();
    return derivePostStatus(rows.map((r) => r.status as DeliveryStatus));
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

  /**
   * The worker's one read: a delivery, its post's article id, and its account (null when deleted), so a job
   * starts with one round trip.
   */
  async findDeliveryToRun(
    id: string,
  ): Promise<{ delivery: DeliveryRow; articleId: string | null; account: AccountRow | null } | undefined> {
    const r = await this.db
      .selectFrom('deliveries')
      .innerJoin('posts', 'posts.id', 'deliveries.post_id')
      .leftJoin('accounts', 'accounts.id', 'deliveries.account_id')
      .selectAll('deliveries')
      .select([
        'posts.article_id as p_article_id',
        'accounts.id as a_id',
        'accounts.platform as a_platform',
        'accounts.name as a_name',
        'accounts.status as a_status',
        'accounts.settings as a_settings',
        'accounts.credentials_enc as a_credentials_enc',
        'accounts.remote as a_remote',
        'accounts.status_reason as a_status_reason',
        'accounts.created_at as a_created_at',
        'accounts.updated_at as a_updated_at',
        'accounts.version as a_version',
      ])
      .where('deliveries.id', '=', id)
      .executeTakeFirst();
    if (!r) return undefined;
    const { p_article_id, a_id, a_platform, a_name, a_status, a_settings, a_credentials_enc, a_remote, ...rest } = r;
    const { a_status_reason, a_created_at, a_updated_at, a_version, ...delivery } = rest;
    const account: AccountRow | null =
      a_id === null
        ? null
        : {
            id: a_id,
            platform: a_platform as string,
            name: a_name as string,
            status: a_status as string,
            settings: a_settings as Record<string, string>,
            credentials_enc: a_credentials_enc as string,
            remote: a_remote,
            status_reason: a_status_reason,
            created_at: a_created_at as Date,
            updated_at: a_updated_at as Date,
            version: a_version as string,
          };
    return { delivery, articleId: p_article_id, account };
  }

  async findDelivery(id: string): Promise<DeliveryRow | undefined> {
    return this.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
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
    tx: Executor = this.db,
  ): Promise<void> {
    await tx
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

  /** Attempts a crashed worker left open (it may have sent the request). */
  async openAttempts(deliveryId: string): Promise<number> {
    const r = await this.db
      .selectFrom('delivery_attempts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('delivery_id', '=', deliveryId)
      .where('finished_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Closes attempts a crashed worker left open. */
  async interruptOpenAttempts(deliveryId: string, tx: Executor = this.db): Promise<number> {
    const r = await tx
      .updateTable('delivery_attempts')
      .set({ finished_at: new Date(), outcome: 'interrupted', error: 'worker stopped while the request was in flight' })
      .where('delivery_id', '=', deliveryId)
      .where('finished_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** An attempt's outcome is in doubt (under the claim: a worker that lost it changes nothing). */
  async markAmbiguous(id: string, token: string): Promise<void> {
    await this.db
      .updateTable('deliveries')
      .set({ ambiguous: true, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'publishing')
      .where('claim_token', '=', token)
      .execute();
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

  /** Reserves a key inside the transaction that makes `postId`; false when another request holds it. */
  async reserveIdempotencyKey(tx: Executor, key: string, requestHash: string, postId: string): Promise<boolean> {
    const r = await tx
      .insertInto('idempotency_keys')
      .values({ key, request_hash: requestHash, post_id: postId })
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
