/**
 * When a failed webhook message is sent again, in units of CRIER_WEBHOOKS_RETRY_BASE_MS (default 5 s): 5 s, 30 s,
 * 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, then 8 h three times: 12 sends over about 31 hours. A message that fails
 * them all disables its webhook. The schedule is fixed (no jitter): each message has its own, and a receiver back
 * after an outage gets the backlog spread by the messages' own ages.
 */
export const RETRY_STEPS = [1, 6, 24, 120, 360, 720, 1440, 2880, 5760, 5760, 5760] as const;

/** Sends of one message in all: the first and one per step. */
export const MAX_SENDS = RETRY_STEPS.length + 1;

/** The delay before the next send after `failedSends` failed ones (1-based), or null when the budget is spent. */
export function retryDelayMs(failedSends: number, baseMs: number): number | null {
  if (failedSends < 1 || failedSends > RETRY_STEPS.length) return null;
  return RETRY_STEPS[failedSends - 1] * baseMs;
}

/** The whole schedule's length: at 5 s per unit, more than a day. */
export function retryBudgetMs(baseMs: number): number {
  return RETRY_STEPS.reduce((a, b) => a + b, 0) * baseMs;
}
