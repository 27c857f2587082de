import type { ListedDeliveryView } from '../posts/deliveries.service';
import type { DeliveryStatus } from '../posts/statuses';

/** The Failures inbox's statuses; `retrying` ones only once stuck (see {@link inInbox}). */
export const INBOX_STATUSES: readonly DeliveryStatus[] = ['failed', 'held', 'unconfirmed', 'retrying'];

/** A `retrying` delivery this long past its scheduled time needs a look, whatever the error. */
export const STUCK_AFTER_MS = 15 * 60_000;

export const INBOX_GROUPS = ['reauth', 'rate-limited', 'rejected', 'unknown-outcome', 'other'] as const;
export type InboxGroupKey = (typeof INBOX_GROUPS)[number];

export const GROUP_TITLES: Record<InboxGroupKey, string> = {
  reauth: 'Account needs re-authentication',
  'rate-limited': 'Rate limited',
  rejected: 'Rejected by the platform',
  'unknown-outcome': 'Outcome unknown',
  other: 'Other',
};

export interface InboxGroup {
  key: InboxGroupKey;
  title: string;
  items: ListedDeliveryView[];
}

/** Whether a delivery belongs in the inbox: failed, held, unconfirmed, or retrying and stuck. */
export function inInbox(d: ListedDeliveryView, now: Date): boolean {
  if (d.status === 'failed' || d.status === 'held' || d.status === 'unconfirmed') return true;
  if (d.status !== 'retrying') return false;
  if (d.cause === 'rate-limited' || d.cause === 'reauth') return true;
  return now.getTime() - new Date(d.scheduledAt).getTime() > STUCK_AFTER_MS;
}

function groupOf(d: ListedDeliveryView): InboxGroupKey {
  return (INBOX_GROUPS as readonly string[]).includes(d.cause ?? '') ? (d.cause as InboxGroupKey) : 'other';
}

/**
 * The inbox's deliveries by cause, in the fixed order of {@link INBOX_GROUPS} (the ones a person must fix first),
 * newest scheduled first within a group; empty groups left out.
 */
export function groupFailures(deliveries: readonly ListedDeliveryView[], now: Date): InboxGroup[] {
  const byKey = new Map<InboxGroupKey, ListedDeliveryView[]>();
  for (const d of deliveries) {
    if (!inInbox(d, now)) continue;
    const key = groupOf(d);
    byKey.set(key, [...(byKey.get(key) ?? []), d]);
  }
  const newestFirst = (a: ListedDeliveryView, b: ListedDeliveryView) =>
    b.scheduledAt.localeCompare(a.scheduledAt) || b.id.localeCompare(a.id);
  return INBOX_GROUPS.filter((key) => byKey.has(key)).map((key) => ({
    key,
    title: GROUP_TITLES[key],
    items: [...(byKey.get(key) ?? [])].sort(newestFirst),
  }));
}
