/** The events a webhook may subscribe to (docs/API.md, "Webhooks"). The triggers of migration 0016 emit them. */
export const WEBHOOK_EVENTS = [
  'delivery.published',
  'delivery.failed',
  'delivery.held',
  'delivery.unconfirmed',
  'post.published',
  'post.partially_published',
  'post.failed',
  'account.reauth_required',
  'account.restored',
  'feed.failing',
  'feed.recovered',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const POST_EVENTS = ['post.published', 'post.partially_published', 'post.failed'] as const;

export function isWebhookEvent(v: unknown): v is WebhookEvent {
  return typeof v === 'string' && (WEBHOOK_EVENTS as readonly string[]).includes(v);
}
