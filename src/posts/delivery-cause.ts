import type { DeliveryStatus } from './statuses';

/** Why a delivery did not go out (yet), in words an operator acts on: the dashboard's filters and badges. */
export const DELIVERY_CAUSES = [
  'reauth',
  'paused',
  'rate-limited',
  'rejected',
  'unknown-outcome',
  'skipped',
  'cancelled',
] as const;
export type DeliveryCause = (typeof DELIVERY_CAUSES)[number];

export interface CauseInput {
  status: DeliveryStatus;
  error: string | null;
  /** Outcome of the delivery's latest attempt-log row (the worker writes the platform error's kind there). */
  lastOutcome: string | null;
}

/** The `error` of a delivery a resumed pause skipped or held (PausesService.resume). */
export const MISSED_WHILE_PAUSED = 'missed while paused: ';

/** The daily-cap deferral (PublishService.dailyCap) writes no attempt; its error says so. */
const DAILY_CAP = /^daily cap of \d+ posts reached/;

/**
 * The one place that turns status, error and attempt log into a cause. Null for deliveries that went out or are
 * on their way with nothing in the way: scheduled, publishing, published, and retrying after a transient error
 * (its `error` still tells what happened).
 */
export function deliveryCause({ status, error, lastOutcome }: CauseInput): DeliveryCause | null {
  switch (status) {
    case 'held':
      // Held means "the account needs a person" (refused credentials, a disabled account), or a resumed pause held
      // what it made miss its time (a person releases it with retry).
      return error !== null && error.startsWith(MISSED_WHILE_PAUSED) ? 'paused' : 'reauth';
    case 'retrying':
      // The attempt log carries the platform error's kind; the error text is only for people.
      return lastOutcome === 'rate-limited' || (error !== null && DAILY_CAP.test(error)) ? 'rate-limited' : null;
    case 'failed':
      return 'rejected';
    case 'unconfirmed':
      return 'unknown-outcome';
    case 'skipped':
      return 'skipped';
    case 'cancelled':
      return 'cancelled';
    case 'scheduled':
    case 'publishing':
    case 'published':
      return null;
  }
}
