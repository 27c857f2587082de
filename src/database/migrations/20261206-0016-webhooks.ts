import { Kysely, sql } from 'kysely';

/**
 * Signed webhooks (src/webhooks/, docs/ARCHITECTURE.md "Webhooks").
 *
 * - `webhooks`: a receiver, its events and its signing secret, encrypted with the credential cipher (the webhook id
 *   is the additional data). `enabled` goes false with a reason when a message used up its retry budget.
 * - `webhook_messages`: the outbox. One row per (event, subscribed webhook), written by the triggers below in the
 *   transaction of the change itself, so every status write (the worker's batched settle statement included) gets
 *   its messages or none. The id (`msg_…`) is the `webhook-id` header and the BullMQ job id, the same on every retry;
 *   `body` is frozen at the first attempt so every retry sends the same bytes. `dedupe_key` makes post-level events
 *   once per post and type.
 * - `webhook_post_checks`: "this post's deliveries changed, see if the post has an outcome now". Written by the
 *   delivery trigger, consumed by the dispatcher after commit (it then sees every sibling's committed status: a
 *   trigger cannot, two deliveries of a post settling side by side would each see the other still publishing).
 *   No unique key, so a check never waits on a lock another settle holds.
 * - `webhook_attempts`: every send: when, HTTP status, error.
 *
 * The triggers do nothing beyond one indexed `exists` when no enabled webhook wants the event. Forward-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table webhooks (
    id uuid primary key,
    url text not null,
    events jsonb not null,
    secret_enc text not null,
    enabled boolean not null default true,
    disabled_reason text,
    disabled_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`.execute(db);
  await sql`create table webhook_messages (
    id text primary key,
    webhook_id uuid not null references webhooks (id) on delete cascade,
    event text not null,
    facts jsonb not null,
    dedupe_key text,
    body text,
    status text not null default 'pending',
    attempts integer not null default 0,
    enqueued_at timestamptz,
    finished_at timestamptz,
    created_at timestamptz not null default now(),
    unique (webhook_id, dedupe_key)
  )`.execute(db);
  await sql`create index webhook_messages_unqueued_idx on webhook_messages (created_at) where enqueued_at is null`.execute(
    db,
  );
  await sql`create table webhook_attempts (
    id bigserial primary key,
    message_id text not null references webhook_messages (id) on delete cascade,
    webhook_id uuid not null references webhooks (id) on delete cascade,
    attempted_at timestamptz not null,
    status_code integer,
    error text,
    duration_ms integer not null
  )`.execute(db);
  await sql`create index webhook_attempts_webhook_idx on webhook_attempts (webhook_id, id desc)`.execute(db);
  await sql`create table webhook_post_checks (
    id bigserial primary key,
    post_id uuid not null,
    created_at timestamptz not null default now()
  )`.execute(db);

  await sql`create function crier_webhook_emit(ev text, facts jsonb, dedupe text) returns void
    language plpgsql as $$
    begin
      insert into webhook_messages (id, webhook_id, event, facts, dedupe_key)
      select 'msg_' || replace(gen_random_uuid()::text, '-', ''), w.id, ev, facts, dedupe
        from webhooks w where w.enabled and w.events ? ev
      on conflict (webhook_id, dedupe_key) do nothing;
    end $$`.execute(db);

  await sql`create function crier_webhook_delivery() returns trigger language plpgsql as $$
    declare
      ev text := 'delivery.' || new.status;
    begin
      if new.status in ('published', 'failed', 'held', 'unconfirmed')
         and exists (select 1 from webhooks w where w.enabled and w.events ? ev) then
        perform crier_webhook_emit(ev, jsonb_build_object(
          'deliveryId', new.id, 'postId', new.post_id, 'accountId', new.account_id,
          'accountName', (select a.name from accounts a where a.id = new.account_id),
          'platform', new.platform, 'status', new.status,
          'previousStatus', case when tg_op = 'UPDATE' then old.status end, 'reason', new.error,
          'remoteId', new.remote_id, 'remoteUrl', new.remote_url, 'attempts', new.attempts,
          'publishedAt', new.published_at, 'at', now()), null);
      end if;
      if new.status in ('published', 'failed', 'unconfirmed', 'skipped', 'cancelled')
         and exists (select 1 from webhooks w where w.enabled
                      and w.events ?| array['post.published', 'post.partially_published', 'post.failed']) then
        insert into webhook_post_checks (post_id) values (new.post_id);
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger deliveries_webhooks after update of status on deliveries
    for each row when (old.status is distinct from new.status)
    execute function crier_webhook_delivery()`.execute(db);

  // A delivery may also start out `held` (its account already needs re-authentication when the post is made).
  await sql`create trigger deliveries_webhooks_insert after insert on deliveries
    for each row when (new.status = 'held')
    execute function crier_webhook_delivery()`.execute(db);

  await sql`create function crier_webhook_account() returns trigger language plpgsql as $$
    declare
      ev text;
    begin
      if new.status = 'reauth_required' then
        ev := 'account.reauth_required';
      elsif old.status = 'reauth_required' and new.status = 'active' then
        ev := 'account.restored';
      else
        return null;
      end if;
      perform crier_webhook_emit(ev, jsonb_build_object(
        'accountId', new.id, 'accountName', new.name, 'platform', new.platform, 'status', new.status,
        'previousStatus', old.status, 'reason', new.status_reason, 'at', now()), null);
      return null;
    end $$`.execute(db);
  await sql`create trigger accounts_webhooks after update of status on accounts
    for each row when (old.status is distinct from new.status)
    execute function crier_webhook_account()`.execute(db);

  // A feed is failing from its third failed poll in a row (one bad poll is often a blip), recovered at the next good one.
  await sql`create function crier_webhook_feed() returns trigger language plpgsql as $$
    declare
      ev text;
    begin
      if old.failures < 3 and new.failures >= 3 then
        ev := 'feed.failing';
      elsif old.failures >= 3 and new.failures = 0 then
        ev := 'feed.recovered';
      else
        return null;
      end if;
      perform crier_webhook_emit(ev, jsonb_build_object(
        'feedId', new.id, 'url', new.url, 'title', new.title, 'failures', new.failures,
        'reason', case when ev = 'feed.failing' then new.last_error end, 'lastSuccessAt', new.last_success_at,
        'at', now()), null);
      return null;
    end $$`.execute(db);
  await sql`create trigger feeds_webhooks after update of failures on feeds
    for each row when (old.failures is distinct from new.failures)
    execute function crier_webhook_feed()`.execute(db);
}
