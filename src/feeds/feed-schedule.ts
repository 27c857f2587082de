import type { FeedItem } from './feed-item';

/** When new items go out, and when a feed is polled next. Pure functions; the services decide with them. */

/** Default gap between two items of one feed that arrive together: a burst is spread, never dropped. */
export const DEFAULT_SPACING_SECONDS = 120;
/** A failing feed is retried at most this far apart. */
export const MAX_BACKOFF_SECONDS = 6 * 3600;

/**
 * Slots for `count` new items: the first at `now + delay`, but never closer than `spacing` to the last slot the
 * feed already gave out (so two polls in a row do not make a burst either); each next one `spacing` later.
 */
export function spreadSlots(
  count: number,
  now: Date,
  delaySeconds: number,
  spacingSeconds: number,
  lastSlot: Date | null,
): Date[] {
  let t = now.getTime() + delaySeconds * 1000;
  if (lastSlot) t = Math.max(t, lastSlot.getTime() + spacingSeconds * 1000);
  return Array.from({ length: count }, (_, i) => new Date(t + i * spacingSeconds * 1000));
}

/** Oldest first, so a burst goes out in the order it was written: by date where both have one, else by position. */
export function oldestFirst<T extends Pick<FeedItem, 'publishedAt'>>(items: T[]): T[] {
  const indexed = items.map((item, i) => ({ item, i }));
  indexed.sort((a, b) => {
    if (a.item.publishedAt && b.item.publishedAt) {
      const d = a.item.publishedAt.getTime() - b.item.publishedAt.getTime();
      if (d !== 0) return d;
    }
    return b.i - a.i; // feeds list newest first
  });
  return indexed.map((x) => x.item);
}

/** Next poll after a success: the interval plus up to 10 % jitter, so feeds added together drift apart. */
export function nextPoll(now: Date, pollSeconds: number, random = Math.random): Date {
  return new Date(now.getTime() + pollSeconds * 1000 * (1 + 0.1 * random()));
}

/** Seconds to the next poll after the `failures`-th failure in a row: the interval doubled each time, capped. */
export function backoffSeconds(pollSeconds: number, failures: number): number {
  const cap = Math.max(pollSeconds, MAX_BACKOFF_SECONDS);
  return Math.min(cap, pollSeconds * 2 ** Math.min(Math.max(failures, 1), 20));
}

/** Next poll after the `failures`-th failure in a row (see backoffSeconds). */
export function backoffPoll(now: Date, pollSeconds: number, failures: number): Date {
  return new Date(now.getTime() + backoffSeconds(pollSeconds, failures) * 1000);
}
