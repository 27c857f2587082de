/**
 * The contract between Crier and one social platform. Adapters are stateless: everything they need comes in
 * with each call. They never read the environment or the database, and they throw only the error classes below.
 */

/** Every platform id of the public API. */
export const PLATFORM_IDS = [
  'gab',
  'gabtv',
  'truthsocial',
  'minds',
  'gettr',
  'rumble',
  'telegram',
  'x',
  'facebook',
  'mastodon',
] as const;
export type PlatformId = (typeof PLATFORM_IDS)[number];

/** How a platform counts the length of a text. */
export type CountingRule =
  | 'graphemes-url23'
  | 'graphemes-url24-truthsocial'
  | 'code-points-after-html'
  | 'twitter-text-v3'
  | 'code-points'
  | 'utf16'
  | 'none';

export interface PlatformLimits {
  /** Longest text (or caption when `captionLength` applies) the platform accepts. */
  maxLength: number;
  counting: CountingRule;
  maxImages: number;
  /** Whether the platform can take a video. */
  video: boolean;
  /** Shorter limit for a media caption, where it differs (Telegram: 1024). */
  maxCaptionLength?: number;
}

export interface FieldSpec {
  name: string;
  /** Secret fields are encrypted at rest and shown masked (`••••last4`). */
  secret: boolean;
  required: boolean;
  description: string;
  default?: string;
}

/** The article facts an adapter may use besides the text (image for a photo post, link for reconciling). */
export interface PublishArticle {
  url: string;
  title: string;
  imageUrl: string | null;
  videoUrl: string | null;
  description: string | null;
}

export interface PublishRequest {
  /** Crier's delivery id: the idempotency key where the platform honours one. */
  deliveryId: string;
  /** Final text, exactly as composed and stored on the delivery. */
  text: string;
  article: PublishArticle | null;
  /** 1-based number of this publish attempt. */
  attempt: number;
  /** When the first attempt of this delivery began (idempotency windows, reconcile "since"). */
  firstAttemptAt: Date;
  /** An earlier attempt of this delivery ended ambiguous (the post may already exist). */
  previousAmbiguous: boolean;
  /** Threads (Mastodon family): the remote id of the previous part; this post is a reply to it. */
  inReplyToId?: string;
  /** Threads: 1-based number of this part; absent for a single post. Parts after the first carry no media. */
  partIndex?: number;
}

export interface AccountRef {
  accountId: string;
  /** Decrypted credentials. Never log, never return, never put into job data. */
  credentials: Record<string, string>;
  /** Account settings with platform defaults applied (always includes `apiBaseUrl`). */
  settings: Record<string, string>;
  /** What the last verify learned (remote id, username, instance limits), if anything. */
  remote: RemoteAccount | null;
}

export interface RemoteAccount {
  id?: string;
  name?: string;
  username?: string;
  /** Per-instance text limit read from the platform (Mastodon `max_characters`). */
  maxCharacters?: number;
  [key: string]: unknown;
}

/**
 * At most `max` publishes in any `windowMs` for one counter. Several budgets may share a `key` (Gab's caps per
 * minute, half hour, hour and day count the same posts).
 */
export interface RateBudget {
  /** What the platform counts against: 'account', 'app', 'bot', 'chat', 'page', 'instance'… */
  scope: BudgetScope;
  /**
   * Identifies the counter within its platform and scope: a non-secret id (chat id, page id, base URL) or
   * `tokenKey(secret)` (a one-way digest). Never a secret itself: keys are stored in the database.
   */
  key: string;
  max: number;
  windowMs: number;
}

export type BudgetScope = 'account' | 'app' | 'bot' | 'chat' | 'page' | 'instance';

export interface PublishResult {
  remoteId: string;
  remoteUrl: string | null;
}

export interface VerifyResult {
  ok: boolean;
  checked: boolean;
  reason?: string;
  remoteAccount?: RemoteAccount;
}

export interface AdapterContext {
  /** Per-request timeout for calls to the platform, in ms. */
  timeoutMs: number;
  /**
   * The fence before the irreversible call. `publish` awaits it right before the request that creates the post
   * (after any media upload, which is harmless to repeat): it rejects when this worker no longer holds the
   * delivery (it was paused or cut off past its lease and another worker took over), and then nothing may be sent.
   * Let its rejection pass through unchanged. Absent outside the publishing worker.
   */
  assertClaimed?: () => Promise<void>;
  /**
   * Whether media downloads (article images and videos, URLs from users and feeds) may reach non-public addresses
   * (CRIER_FEEDS_ALLOW_PRIVATE). Default false: a host that is, or resolves to, a loopback, private, link-local,
   * unique-local, CGNAT, multicast, unspecified or reserved address, IPv4 or IPv6 (IPv4-mapped IPv6 included), is
   * refused on every hop, redirects included (net-guard.ts). Calls to the platform's own API follow
   * `allowPrivateApiAddresses` instead.
   */
  allowPrivateAddresses?: boolean;
  /**
   * Whether calls to the platform's own API (the account's `apiBaseUrl`) may reach non-public addresses
   * (CRIER_PLATFORMS_ALLOW_PRIVATE): pass it as `HttpCall.allowPrivateAddresses` on every request. Default false: the
   * same rule as above, checked on the address actually connected to, so an account pointed at a loopback or internal
   * host is refused with a PermanentError naming the host and nothing (no credential) is sent.
   */
  allowPrivateApiAddresses?: boolean;
  /**
   * Single-flight credential refresh for rotating tokens (X OAuth 2.0, Minds). Call it with the credentials the
   * adapter was given (`stale`) and a function that performs the refresh. Across every process, at most one
   * refresh per account runs at a time; if another caller already replaced `stale`, the stored credentials are
   * returned without calling `refresh`. The new credentials are stored (encrypted) before this resolves.
   * Absent in contexts that cannot store (then the adapter refreshes without saving, e.g. in unit tests).
   */
  refreshCredentials?: (
    stale: Record<string, string>,
    refresh: (current: Record<string, string>) => Promise<Record<string, string>>,
  ) => Promise<Record<string, string>>;
}

/**
 * One kind of credentials: the user gives every field of `fields`, may give `optional` ones, and never gives
 * `managed` ones (tokens Crier obtains and rotates itself, e.g. Minds' OAuth tokens from the password).
 */
export interface CredentialSet {
  name: string;
  fields: readonly string[];
  optional?: readonly string[];
  managed?: readonly string[];
}

/** What one post costs on platforms that bill per post (X), in US dollars. */
export interface Pricing {
  perPostUsd: number;
  perPostWithUrlUsd: number;
  note: string;
}

export interface PlatformAdapter {
  readonly id: PlatformId;
  readonly name: string;
  /** Short description of the API kind (e.g. "Official Bot API"). */
  readonly kind: string;
  /**
   * Credential fields. A field with `required: true` is always needed; where a platform takes one of several
   * credential kinds (X OAuth 1.0a or 2.0, Minds password or API key), `credentialSets` lists the kinds (see
   * CredentialSet and matchCredentialSet in credential-sets.ts).
   */
  readonly credentialFields: readonly FieldSpec[];
  readonly credentialSets?: readonly CredentialSet[];
  readonly settingsFields: readonly FieldSpec[];
  /** Per-post cost where the platform bills per post; shown in the platform listing and on accounts. */
  readonly pricing?: Pricing;
  /**
   * Why this platform cannot take this article at all (e.g. "article has no video"), or null. Checked when a post
   * is scheduled, so the delivery is `skipped` before anything runs. `article` is null for user-written text.
   */
  notApplicable?(article: PublishArticle | null): string | null;
  /**
   * How long a re-send with the same `Idempotency-Key` is trusted not to duplicate (Mastodon, Truth Social keep
   * keys 1 h; adapters declare a margin below that). Within it the worker re-sends an interrupted request; outside
   * it (or without a key) the worker reconciles first.
   */
  readonly idempotencyWindowMs?: number;
  /**
   * The rate budgets one publish through this account spends, where the platform keeps them: per token or
   * account, per bot and per chat (Telegram), per user and per app (X), per Page (Facebook). Conservative
   * per-account defaults where the platform publishes nothing. The worker never sends past any of them.
   */
  budgets(account: AccountRef): RateBudget[];
  /** Limits for one account (per-instance limits come from `remote.maxCharacters`). */
  limits(remote?: RemoteAccount | null): PlatformLimits;
  /** Length of `text` exactly as the platform counts it. */
  measure(text: string): number;
  /**
   * Publish one delivery. Resolves only when the platform's answer carries the remote id. Throws only
   * PlatformError subclasses.
   */
  publish(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult>;
  /** Check the credentials with the platform's own verify call. Throws only PlatformError subclasses. */
  verify(account: AccountRef, ctx: AdapterContext): Promise<VerifyResult>;
  /**
   * Look for a post this delivery may already have created (since `req.firstAttemptAt`, matching the text or
   * the article link). Resolves null when surely not found; throws when the platform cannot be read (the
   * worker then marks the delivery `unconfirmed`). Absent where the platform offers no read at all.
   */
  reconcile?(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult | null>;
}

export type PlatformErrorKind = 'rate-limited' | 'transient' | 'reauth' | 'permanent' | 'ambiguous' | 'not-applicable';

/** The closed set of failures an adapter may report. `message` must never contain a secret. */
export abstract class PlatformError extends Error {
  abstract readonly kind: PlatformErrorKind;
  constructor(
    message: string,
    /** HTTP status the platform answered with, if it answered. */
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The platform said when to come back (Telegram `retry_after`, Mastodon `X-RateLimit-Reset`). The wait applies to
 * the budget of `scope` (default 'account'): X's per-app daily cap stops every account of that app, a Telegram
 * chat's limit only that chat.
 */
export class RateLimitedError extends PlatformError {
  readonly kind = 'rate-limited' as const;
  constructor(
    message: string,
    /** How long to wait before trying again, in ms. */
    readonly retryAfterMs: number,
    statusCode?: number,
    readonly scope: BudgetScope = 'account',
  ) {
    super(message, statusCode);
  }
}

/** Worth retrying with exponential backoff: 5xx, timeouts and network errors where nothing can have been posted. */
export class TransientError extends PlatformError {
  readonly kind = 'transient' as const;
}

/** The account needs a human: bad or revoked token, missing rights, wrong chat or page. */
export class ReauthError extends PlatformError {
  readonly kind = 'reauth' as const;
}

/** This post cannot succeed as it is: the platform rejected the content. */
export class PermanentError extends PlatformError {
  readonly kind = 'permanent' as const;
}

/** The request may have reached the platform and created the post: reconcile before any retry. */
export class AmbiguousError extends PlatformError {
  readonly kind = 'ambiguous' as const;
}

/** The platform cannot take this article (e.g. no video for a video platform). */
export class NotApplicableError extends PlatformError {
  readonly kind = 'not-applicable' as const;
}

export function isPlatformError(e: unknown): e is PlatformError {
  return e instanceof PlatformError;
}
