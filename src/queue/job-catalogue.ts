import type { PlatformId } from '../platforms/platform';

/**
 * The typed job catalogue. One queue per platform; each job carries ids only (Postgres carries the state),
 * and its id is the delivery id, so enqueueing the same delivery twice is a no-op.
 */
export const PUBLISH_JOB = 'publish' as const;

export interface PublishJobData {
  deliveryId: string;
  /** The delivery's account: a worker that has it cached claims without reading the delivery first. */
  accountId?: string;
}

export interface JobCatalogue {
  [PUBLISH_JOB]: PublishJobData;
  [WEBHOOK_JOB]: WebhookJobData;
}

export type JobName = keyof JobCatalogue;

export function queueName(platform: PlatformId): string {
  return `publish-${platform}`;
}

/** The job id of a delivery: deterministic, so the sweep can tell whether the job exists. */
export function publishJobId(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}

/**
 * The delivery's second job id, used only when a hand-over finds its job still running (it is ending: it was not
 * the delivery's turn yet). Two fixed ids keep the sweep's look-up a pair of keys; the claim lets one act.
 */
export function twinJobId(deliveryId: string): string {
  return `delivery-${deliveryId}-twin`;
}

/** The webhooks queue (src/webhooks/): one job per outbox message, its id the message id (`msg_…`). */
export const WEBHOOK_QUEUE = 'webhooks' as const;
export const WEBHOOK_JOB = 'webhook' as const;

export interface WebhookJobData {
  messageId: string;
}

/** The PostgreSQL schema of the queues on the PostgreSQL backend (BullMQ's own name for it, with a pool of ours). */
export const QUEUE_SCHEMA = 'bullmq';
