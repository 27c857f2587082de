import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Table types, kept by hand next to the migrations that create them (see migrations/). */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type CreatedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

export interface AccountsTable {
  id: string;
  platform: string;
  name: string;
  status: string;
  settings: Json<Record<string, string>>;
  /** AES-256-GCM envelope of the credentials JSON; never plain text. */
  credentials_enc: string;
  remote: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  status_reason: string | null;
  created_at: CreatedTimestamp;
  updated_at: CreatedTimestamp;
  /** Moved by a trigger on every update (migration 0007): a worker's cached account is current when it matches. */
  version: ColumnType<string, never, never>;
  /** 'config' while the config file declares it (migration 0015); the API then refuses to change it. */
  managed_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** Its key in the config file; kept when released, so declaring the key again adopts this row. */
  config_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** Keyed hash (HMAC under the secret key) of the credentials the config file gave; never the credentials. */
  config_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ArticlesTable {
  id: string;
  url: string;
  title: string;
  text: string;
  lead: string;
  image_url: string | null;
  video_url: string | null;
  tags: Json<string[]>;
  created_at: CreatedTimestamp;
}

export interface PostsTable {
  id: string;
  article_id: string | null;
  text: string | null;
  /** No `status` column: a post's status is derived from its deliveries when read (migration 0005). */
  scheduled_at: Timestamp;
  timezone: string | null;
  created_at: CreatedTimestamp;
  updated_at: CreatedTimestamp;
}

export interface DeliveriesTable {
  id: string;
  post_id: string;
  account_id: string | null;
  platform: string;
  status: string;
  text: string;
  scheduled_at: Timestamp;
  /** When the job should next run (scheduled_at, or the retry time). */
  next_attempt_at: Timestamp;
  attempts: Generated<number>;
  first_attempt_at: NullableTimestamp;
  ambiguous: Generated<boolean>;
  remote_id: string | null;
  remote_url: string | null;
  error: string | null;
  published_at: NullableTimestamp;
  /** Thread parts (part 1 = `text`); null for a single post. Migration 0003. */
  parts: NullableJson<string[]>;
  /** Remote ids of the thread parts already posted, in order; null until the first one is out. */
  thread_remote_ids: NullableJson<string[]>;
  /** The fence of the current claim (migration 0004): writes out of `publishing` must name it. */
  claim_token: string | null;
  /** The claim's lease: a `publishing` row whose lease ran out has lost its worker. */
  claimed_until: NullableTimestamp;
  /** Creation order, to break ties between deliveries scheduled at the same instant. */
  seq: Generated<number>;
  created_at: CreatedTimestamp;
  updated_at: CreatedTimestamp;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  started_at: Timestamp;
  finished_at: NullableTimestamp;
  outcome: string | null;
  status_code: number | null;
  error: string | null;
  remote_id: string | null;
}

export interface IdempotencyKeysTable {
  key: string;
  request_hash: string;
  status_code: number | null;
  response: Json<unknown> | null;
  /** The post made under the key, in the same transaction (migration 0009); null on keys from before it. */
  post_id: string | null;
  created_at: CreatedTimestamp;
}

export interface FeedsTable {
  id: string;
  /** As the user gave it. */
  url: string;
  /** What is polled: the url, or the feed discovered from it (a WordPress site's posts endpoint). */
  fetch_url: string;
  kind: string;
  title: string | null;
  account_ids: Json<string[]>;
  delay_seconds: number;
  spacing_seconds: number;
  template: string | null;
  backfill: boolean;
  etag: string | null;
  last_modified: string | null;
  last_polled_at: NullableTimestamp;
  last_success_at: NullableTimestamp;
  last_error: string | null;
  /** Consecutive failed polls; drives the back-off. */
  failures: Generated<number>;
  next_poll_at: Timestamp;
  created_at: CreatedTimestamp;
  updated_at: CreatedTimestamp;
  /** 'config' while the config file declares it (migration 0015); the API then refuses to change it. */
  managed_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** Its key in the config file; kept when released, so declaring the key again adopts this row. */
  config_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface FeedItemsTable {
  id: string;
  feed_id: string;
  guid: string | null;
  link: string | null;
  content_hash: string;
  title: string;
  /** seen (there when the feed was added) | pending | scheduled | failed | skipped */
  status: string;
  article_id: string | null;
  post_id: string | null;
  scheduled_at: NullableTimestamp;
  error: string | null;
  published_at: NullableTimestamp;
  first_seen_at: CreatedTimestamp;
  /** When a read of the feed last listed the item (migration 0009): retention forgets only items gone from it. */
  last_seen_at: CreatedTimestamp;
  updated_at: CreatedTimestamp;
}

/** A rate-budget counter (`platform:scope:key`) and the platform's own "not before" for it. */
export interface RateBudgetsTable {
  key: string;
  blocked_until: NullableTimestamp;
}

/** One spend of a budget counter: the sliding-window log. */
export interface BudgetSpendsTable {
  key: string;
  at: Timestamp;
}

/** A named lease (the sweep): one holder at a time until `until`. */
export interface LeasesTable {
  name: string;
  holder: string;
  until: Timestamp;
}

/** The one row naming the encryption key of the stored credentials (migration 0008): its id and check value. */
export interface SecretKeyCheckTable {
  id: Generated<number>;
  key_id: string;
  check_value: string;
  updated_at: CreatedTimestamp;
}

/** A signed-in dashboard browser (migration 0012): the SHA-256 of its session id, never the id itself. */
export interface DashboardSessionsTable {
  id_hash: string;
  created_at: CreatedTimestamp;
  expires_at: Timestamp;
}

export interface Database {
  accounts: AccountsTable;
  articles: ArticlesTable;
  posts: PostsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
  feeds: FeedsTable;
  feed_items: FeedItemsTable;
  rate_budgets: RateBudgetsTable;
  budget_spends: BudgetSpendsTable;
  leases: LeasesTable;
  secret_key_check: SecretKeyCheckTable;
  pauses: PausesTable;
  dashboard_sessions: DashboardSessionsTable;
  webhooks: WebhooksTable;
  webhook_messages: WebhookMessagesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_post_checks: WebhookPostChecksTable;
}

/** A pause (migration 0011): active while `resumed_at` is null; kept afterwards with what resume did. */
export interface PausesTable {
  id: string;
  scope: string;
  /** The platform id or the account id; null for scope `all`. */
  target: string | null;
  reason: string | null;
  missed: string;
  /** For `missed: skip`: a missed delivery scheduled longer ago than this is skipped. */
  skip_older_than_minutes: number | null;
  created_at: CreatedTimestamp;
  resumed_at: NullableTimestamp;
  outcome: NullableJson<{ sent: number; skipped: number; held: number }>;
  /** 'config' while the config file declares it (migration 0015); the API then refuses to change it. */
  managed_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** Its key in the config file; kept when released, so declaring the key again adopts this row. */
  config_key: ColumnType<string | null, string | null | undefined, string | null>;
}

/** The config file's columns (migration 0015); optional in a row, as the worker's one-statement read leaves them out. */
type ConfigColumns = 'managed_by' | 'config_key' | 'config_hash';
export type AccountRow = Selectable<Omit<AccountsTable, ConfigColumns>> &
  Partial<Pick<Selectable<AccountsTable>, ConfigColumns>>;
export type NewAccount = Insertable<AccountsTable>;
export type AccountUpdate = Updateable<AccountsTable>;
export type ArticleRow = Selectable<ArticlesTable>;
export type PostRow = Selectable<PostsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type DeliveryAttemptRow = Selectable<DeliveryAttemptsTable>;
export type FeedRow = Selectable<FeedsTable>;
export type FeedItemRow = Selectable<FeedItemsTable>;
export type PauseRow = Selectable<PausesTable>;

/**
 * A webhook receiver (migration 0016; the config file's columns: 0017). `secret_enc`: the signing secret under the
 * credential cipher.
 */
export interface WebhooksTable {
  id: string;
  url: string;
  events: Json<string[]>;
  secret_enc: string;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  disabled_at: NullableTimestamp;
  created_at: CreatedTimestamp;
  updated_at: CreatedTimestamp;
  /** 'config' while the config file declares it (migration 0017); the API then refuses to delete it. */
  managed_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** Its key in the config file; kept when released, so declaring the key again adopts this row. */
  config_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** Keyed hash (HMAC under the secret key) of the signing secret the config file gave; never the secret. */
  config_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

/** The outbox: one message per event and webhook, written by the triggers of migration 0016. */
export interface WebhookMessagesTable {
  id: string;
  webhook_id: string;
  event: string;
  facts: Json<Record<string, unknown>>;
  dedupe_key: string | null;
  /** The JSON body, frozen at the first attempt: every retry sends the same bytes. */
  body: string | null;
  status: Generated<string>;
  attempts: Generated<number>;
  enqueued_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  created_at: CreatedTimestamp;
}

export interface WebhookAttemptsTable {
  id: Generated<string>;
  message_id: string;
  webhook_id: string;
  attempted_at: Timestamp;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface WebhookPostChecksTable {
  id: Generated<string>;
  post_id: string;
  created_at: CreatedTimestamp;
}

export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookMessageRow = Selectable<WebhookMessagesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
