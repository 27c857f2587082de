import type { WebhookEvent } from './webhook-events';

/**
 * The body of a webhook message: `{type, timestamp, data}` (Standard Webhooks). `data` is the facts the trigger (or
 * the post check) recorded when the change committed, plus links; never credentials: the facts are ids, names,
 * statuses, reasons and remote URLs only. Pure, so every event's shape is unit-tested.
 */
export interface WebhookPayload {
  type: WebhookEvent;
  timestamp: string;
  data: Record<string, unknown>;
}

/** A post's deliveries as the post events list them. */
export interface PostDeliveryFacts {
  deliveryId: string;
  accountId: string | null;
  accountName: string | null;
  platform: string;
  status: string;
  reason: string | null;
  remoteUrl: string | null;
}

/** The facts of a post-level event (written by the dispatcher's post check, not by a trigger). */
export function postFacts(postId: string, status: string, deliveries: PostDeliveryFacts[], at: Date) {
  return { postId, status, deliveries, at: at.toISOString() };
}

/** Dashboard and API links for what the event is about; the dashboard ones only with CRIER_PUBLIC_URL. */
function linksFor(facts: Record<string, unknown>, publicUrl: string | undefined): Record<string, string> {
  const links: Record<string, string> = {};
  const postId = typeof facts.postId === 'string' ? facts.postId : null;
  const feedId = typeof facts.feedId === 'string' ? facts.feedId : null;
  const accountId = typeof facts.accountId === 'string' ? facts.accountId : null;
  if (postId) {
    links.api = `/api/v1/posts/${postId}`;
    if (publicUrl) links.dashboard = `${publicUrl}/dashboard/posts/${postId}`;
  } else if (feedId) {
    links.api = `/api/v1/feeds/${feedId}`;
    if (publicUrl) links.dashboard = `${publicUrl}/dashboard/feeds/${feedId}`;
  } else if (accountId) {
    links.api = `/api/v1/accounts/${accountId}`;
    if (publicUrl) links.dashboard = `${publicUrl}/dashboard/accounts`;
  }
  if (typeof facts.remoteUrl === 'string') links.remote = facts.remoteUrl;
  if (publicUrl && links.api) links.api = publicUrl + links.api;
  return links;
}

export function buildPayload(
  event: WebhookEvent,
  facts: Record<string, unknown>,
  publicUrl: string | undefined,
): WebhookPayload {
  const { at, ...data } = facts;
  const timestamp = typeof at === 'string' ? new Date(at).toISOString() : new Date().toISOString();
  return { type: event, timestamp, data: { ...data, links: linksFor(facts, publicUrl) } };
}

/** The post event a post's delivery statuses call for, if its outcome is known (see derivePostStatus). */
export function postEventFor(postStatus: string): WebhookEvent | null {
  switch (postStatus) {
    case 'published':
      return 'post.published';
    case 'partially_published':
      return 'post.partially_published';
    case 'failed':
      return 'post.failed';
    default:
      return null;
  }
}
