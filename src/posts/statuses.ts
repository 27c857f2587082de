/** Delivery and post statuses of the public API, and the pure rules that derive one from the other. */

export const DELIVERY_STATUSES = [
  'scheduled',
  'publishing',
  'published',
  'retrying',
  'failed',
  'skipped',
  'held',
  'unconfirmed',
  'cancelled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const POST_STATUSES = [
  'scheduled',
  'publishing',
  'published',
  'partially_published',
  'failed',
  'cancelled',
] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

/** Not started: may still be moved or cancelled by the user. */
export const NOT_STARTED: readonly DeliveryStatus[] = ['scheduled', 'retrying', 'held'];
/** A worker may pick these up when due. */
export const RUNNABLE: readonly DeliveryStatus[] = ['scheduled', 'retrying'];
/** The user may queue these again. */
export const RETRYABLE_BY_USER: readonly DeliveryStatus[] = ['failed', 'unconfirmed', 'cancelled'];

const PENDING: readonly DeliveryStatus[] = ['scheduled', 'retrying', 'held', 'publishing'];

/**
 * A post's status from its deliveries. Skipped deliveries count as "nothing to do": a post whose deliveries were
 * all skipped or cancelled is `cancelled` (nothing was or will be posted, and nothing went wrong).
 */
export function derivePostStatus(statuses: readonly DeliveryStatus[]): PostStatus {
  if (statuses.length === 0) return 'cancelled';
  const count = (s: DeliveryStatus) => statuses.filter((x) => x === s).length;
  const pending = statuses.filter((s) => PENDING.includes(s)).length;
  const published = count('published');
  const bad = count('failed') + count('unconfirmed');
  if (count('publishing') > 0 || (pending > 0 && (published > 0 || bad > 0))) return 'publishing';
  if (pending > 0) return 'scheduled';
  if (published > 0) return bad > 0 ? 'partially_published' : 'published';
  if (bad > 0) return 'failed';
  return 'cancelled';
}

/** Exponential backoff with full jitter on the upper half: base·2^(n-1), capped. */
export function backoffMs(failedAttempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
