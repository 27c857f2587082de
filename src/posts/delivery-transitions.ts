import type { DeliveryStatus } from './statuses';

/**
 * Every way a delivery's status may change, in one table. Nothing else in Crier changes `deliveries.status`:
 * DeliveryStateService applies these events (the delivery and its post in one transaction) and refuses any
 * event whose `from` does not hold. "What may follow `held`?" is answered by `followers('held')`.
 *
 * `fenced` events leave `publishing`: they must carry the claim token the worker got with its claim, so a worker
 * that lost its claim (paused past its lease, cut off from the database) cannot overwrite its successor's work.
 */
export const TRANSITIONS = {
  /** A worker takes a due delivery whose turn it is (one per account at a time). */
  claim: { from: ['scheduled', 'retrying'], to: 'publishing', fenced: false },
  /** The platform answered with the post's id (or reconcile found it). */
  publish: { from: ['publishing'], to: 'published', fenced: true },
  /** Worth another attempt later: transient error, rate limit, an ambiguous attempt not found by reconcile. */
  retry: { from: ['publishing'], to: 'retrying', fenced: true },
  /** The platform rejected this post, or the attempts ran out. */
  fail: { from: ['publishing'], to: 'failed', fenced: true },
  /** The post may or may not be out, and the platform cannot be read: a person decides. */
  unconfirm: { from: ['publishing'], to: 'unconfirmed', fenced: true },
  /**
   * The platform cannot take this article at all; or a resumed pause found it missed its time by too much (from
   * `scheduled`/`retrying`, needing no claim).
   */
  skip: { from: ['scheduled', 'retrying', 'publishing'], to: 'skipped', fenced: true },
  /**
   * The account needs a person (refused credentials, disabled), or a resumed pause held what it made miss its
   * time: this delivery waits for a person.
   */
  hold: { from: ['scheduled', 'retrying', 'publishing'], to: 'held', fenced: true },
  /** A `publishing` delivery whose worker's lease ran out: settled (reconcile or idempotency) before any re-send. */
  recover: { from: ['publishing'], to: 'retrying', fenced: false },
  /** Not yet: a daily cap; the delivery keeps its place and says when it will go. */
  defer: { from: ['scheduled', 'retrying'], to: 'retrying', fenced: false },
  /** The user cancelled the post, or the account was deleted. */
  cancel: { from: ['scheduled', 'retrying', 'held'], to: 'cancelled', fenced: false },
  /** The account works again (new credentials, a good verify). */
  resume: { from: ['held'], to: 'scheduled', fenced: false },
  /** The user asks for another try (or releases a held one: its account is checked again before it goes). */
  userRetry: { from: ['failed', 'unconfirmed', 'cancelled', 'held'], to: 'scheduled', fenced: false },
  /** The user moves the post: not-started deliveries keep their status and take the new time. */
  reschedule: { from: ['scheduled', 'retrying', 'held'], to: null, fenced: false },
} as const satisfies Record<string, { from: readonly DeliveryStatus[]; to: DeliveryStatus | null; fenced: boolean }>;

export type DeliveryEvent = keyof typeof TRANSITIONS;

/** `hold` and `skip` leave `publishing` only with the claim; from `scheduled`/`retrying` they need none. */
export function needsFence(event: DeliveryEvent, from: DeliveryStatus): boolean {
  return TRANSITIONS[event].fenced && from === 'publishing';
}

/** The status `event` leads to from `status`, or null when the event does not apply there. */
export function nextStatus(status: DeliveryStatus, event: DeliveryEvent): DeliveryStatus | null {
  const t = TRANSITIONS[event];
  if (!(t.from as readonly DeliveryStatus[]).includes(status)) return null;
  return t.to ?? status;
}

/** Every status that may directly follow `status`. */
export function followers(status: DeliveryStatus): DeliveryStatus[] {
  const out = new Set<DeliveryStatus>();
  for (const event of Object.keys(TRANSITIONS) as DeliveryEvent[]) {
    const next = nextStatus(status, event);
    if (next !== null && next !== status) out.add(next);
  }
  return [...out];
}

/** The events that may be applied to a delivery in `status`. */
export function eventsFrom(status: DeliveryStatus): DeliveryEvent[] {
  return (Object.keys(TRANSITIONS) as DeliveryEvent[]).filter((e) => nextStatus(status, e) !== null);
}
