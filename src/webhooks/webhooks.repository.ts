import { Inject, Injectable } from '@nestjs/common';
import { Insertable, sql, Updateable } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { WebhookAttemptRow, WebhookMessageRow, WebhookRow, WebhooksTable } from '../database/schema';
import { derivePostStatus, DeliveryStatus } from '../posts/statuses';
import { PostDeliveryFacts, postEventFor, postFacts } from './webhook-payload';

/** What the sender needs for one message: the message and its webhook (missing when the webhook was deleted). */
export type OutgoingMessage = WebhookMessageRow & { url: string; secret_enc: string; enabled: boolean };

/** How one send ended: delivered (2xx), retry later, or failed for good (its webhook is then disabled). */
export type SendOutcome = 'delivered' | 'retry' | 'failed';

/** All SQL of webhooks: the receivers, the outbox (migration 0016), the attempts and the post checks. */
@Injectable()
export class WebhooksRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  /** `managed_by`, `config_key`, `config_hash`: set by the config file's apply only. */
  async insert(
    w: { id: string; url: string; events: string[]; secretEnc: string } & Pick<
      Insertable<WebhooksTable>,
      'managed_by' | 'config_key' | 'config_hash'
    >,
  ): Promise<WebhookRow> {
    const { id, url, events, secretEnc, ...marks } = w;
    return this.db
      .insertInto('webhooks')
      .values({ id, url, events: JSON.stringify(events), secret_enc: secretEnc, ...marks })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Changes to a webhook: the config file's, or enabling it again. */
  async update(id: string, patch: Updateable<WebhooksTable>): Promise<WebhookRow> {
    return this.db
      .updateTable('webhooks')
      .set({ ...patch, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async list(): Promise<WebhookRow[]> {
    return this.db.selectFrom('webhooks').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async find(id: string): Promise<WebhookRow | undefined> {
    return this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Deleting a webhook deletes its messages and attempts; jobs still queued find nothing and end. */
  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** The webhook's last attempts, newest first, with the event of each. */
  async lastAttempts(webhookId: string, limit: number): Promise<(WebhookAttemptRow & { event: string })[]> {
    return this.db
      .selectFrom('webhook_attempts as a')
      .innerJoin('webhook_messages as m', 'm.id', 'a.message_id')
      .selectAll('a')
      .select('m.event')
      .where('a.webhook_id', '=', webhookId)
      .orderBy('a.id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Messages written since the last pass that have no job yet, oldest first. */
  async unqueued(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('webhook_messages')
      .select('id')
      .where('enqueued_at', 'is', null)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Pending messages that were given a job, oldest first (the mend pass checks their jobs still exist). */
  async pendingEnqueued(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('webhook_messages')
      .select('id')
      .where('status', '=', 'pending')
      .where('enqueued_at', 'is not', null)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  async markEnqueued(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('webhook_messages').set({ enqueued_at: new Date() }).where('id', 'in', ids).execute();
  }

  /**
   * Takes a batch of post checks (skipping those another process holds) and, for each post whose deliveries have all
   * ended with an outcome, writes its post event, once per post and event (the dedupe key), in one transaction.
   * Returns how many checks it took.
   */
  async runPostChecks(limit: number, now: Date): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const checks = await tx
        .selectFrom('webhook_post_checks')
        .select(['id', 'post_id'])
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (checks.length === 0) return 0;
      const postIds = [...new Set(checks.map((c) => c.post_id))];
      const rows = await tx
        .selectFrom('deliveries as d')
        .leftJoin('accounts as a', 'a.id', 'd.account_id')
        .select(['d.id', 'd.post_id', 'd.account_id', 'a.name', 'd.platform', 'd.status', 'd.error', 'd.remote_url'])
        .where('d.post_id', 'in', postIds)
        .orderBy('d.seq')
        .execute();
      for (const postId of postIds) {
        const mine = rows.filter((r) => r.post_id === postId);
        const status = derivePostStatus(mine.map((r) => r.status as DeliveryStatus));
        const event = postEventFor(status);
        if (!event) continue;
        const deliveries: PostDeliveryFacts[] = mine.map((r) => ({
          deliveryId: r.id,
          accountId: r.account_id,
          accountName: r.name,
          platform: r.platform,
          status: r.status,
          reason: r.error,
          remoteUrl: r.remote_url,
        }));
        const facts = JSON.stringify(postFacts(postId, status, deliveries, now));
        await sql`select crier_webhook_emit(${event}, ${facts}::jsonb, ${`${event}:${postId}`})`.execute(tx);
      }
      await tx
        .deleteFrom('webhook_post_checks')
        .where(
          'id',
          'in',
          checks.map((c) => c.id),
        )
        .execute();
      return checks.length;
    });
  }

  async outgoing(messageId: string): Promise<OutgoingMessage | undefined> {
    return this.db
      .selectFrom('webhook_messages as m')
      .innerJoin('webhooks as w', 'w.id', 'm.webhook_id')
      .selectAll('m')
      .select(['w.url', 'w.secret_enc', 'w.enabled'])
      .where('m.id', '=', messageId)
      .executeTakeFirst();
  }

  /** Stores the body of the first send; a later send gets the stored one (same bytes on every retry). */
  async freezeBody(messageId: string, body: string): Promise<string> {
    const r = await this.db
      .updateTable('webhook_messages')
      .set({ body: sql<string>`coalesce(body, ${body})` })
      .where('id', '=', messageId)
      .returning('body')
      .executeTakeFirstOrThrow();
    return r.body as string;
  }

  /** A message whose webhook was disabled before it went out is not sent. */
  async drop(messageId: string, now: Date): Promise<void> {
    await this.db
      .updateTable('webhook_messages')
      .set({ status: 'dropped', finished_at: now })
      .where('id', '=', messageId)
      .where('status', '=', 'pending')
      .execute();
  }

  /**
   * One send: its attempt row, the message's count and status, and on `failed` the webhook disabled with `reason`,
   * in one transaction.
   */
  async recordSend(
    m: { id: string; webhookId: string },
    attempt: { at: Date; statusCode: number | null; error: string | null; durationMs: number },
    outcome: SendOutcome,
    disableReason?: string,
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('webhook_attempts')
        .values({
          message_id: m.id,
          webhook_id: m.webhookId,
          attempted_at: attempt.at,
          status_code: attempt.statusCode,
          error: attempt.error,
          duration_ms: attempt.durationMs,
        })
        .execute();
      await tx
        .updateTable('webhook_messages')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          ...(outcome === 'retry' ? {} : { status: outcome, finished_at: attempt.at }),
        }))
        .where('id', '=', m.id)
        .execute();
      if (outcome === 'failed') {
        await tx
          .updateTable('webhooks')
          .set({
            enabled: false,
            disabled_reason: disableReason ?? 'failed',
            disabled_at: attempt.at,
            updated_at: attempt.at,
          })
          .where('id', '=', m.webhookId)
          .where('enabled', '=', true)
          .execute();
      }
    });
  }

  /** The stored secrets, a page at a time by id (the rekey command). */
  async envelopes(afterId: string | null, limit: number): Promise<Pick<WebhookRow, 'id' | 'secret_enc'>[]> {
    let q = this.db.selectFrom('webhooks').select(['id', 'secret_enc']).orderBy('id').limit(limit);
    if (afterId) q = q.where('id', '>', afterId);
    return q.execute();
  }

  /** Replaces the secret's envelope if it is still `old` (rekey). */
  async replaceSecret(id: string, old: string, next: string): Promise<boolean> {
    const r = await this.db
      .updateTable('webhooks')
      .set({ secret_enc: next, updated_at: new Date() })
      .where('id', '=', id)
      .where('secret_enc', '=', old)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async disable(id: string, reason: string): Promise<void> {
    const now = new Date();
    await this.db
      .updateTable('webhooks')
      .set({ enabled: false, disabled_reason: reason, disabled_at: now, updated_at: now })
      .where('id', '=', id)
      .where('enabled', '=', true)
      .execute();
  }
}
