import { Injectable } from '@nestjs/common';
import { findAdapter } from '../platforms/platform.registry';
import { DeliveriesRepository, ListedDelivery } from './deliveries.repository';
import { DeliveryCause, deliveryCause } from './delivery-cause';
import { decodeCursor, encodeCursor } from './listing-cursor';
import { deliveryView, DeliveryView } from './posts.service';
import type { DeliveryStatus } from './statuses';

export interface ListDeliveriesInput {
  statuses?: readonly DeliveryStatus[];
  platform?: string;
  accountId?: string;
  postId?: string;
  from?: Date;
  to?: Date;
  /** See DeliveryFilter.retryingStuckBefore. */
  retryingStuckBefore?: Date;
  limit: number;
  cursor?: string;
}

/** A delivery as an operator's list shows it: the delivery, whose it is, what it belongs to, and why it is stuck. */
export interface ListedDeliveryView extends DeliveryView {
  /** Null once the account is deleted. */
  accountName: string | null;
  /** The platform's display name (its adapter's `name`). */
  platformName: string;
  postTitle: string;
  cause: DeliveryCause | null;
  /** The delivery's `error`, as stored (credentials are removed before anything is stored). */
  reason: string | null;
}

/** Deliveries across posts, for operators: every filter, a page at a time, one database statement per page. */
@Injectable()
export class DeliveriesService {
  constructor(private readonly repo: DeliveriesRepository) {}

  async list(q: ListDeliveriesInput): Promise<{ items: ListedDeliveryView[]; nextCursor: string | null }> {
    const after = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
    const { statuses, platform, accountId, postId, from, to, retryingStuckBefore } = q;
    const filter = { statuses, platform, accountId, postId, from, to, retryingStuckBefore };
    const rows = await this.repo.list({ ...filter, limit: q.limit + 1, after });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      items: page.map(listedView),
      nextCursor: rows.length > q.limit && last ? encodeCursor({ at: new Date(last.scheduled_at), id: last.id }) : null,
    };
  }
}

export function listedView(row: ListedDelivery): ListedDeliveryView {
  const { account_name, post_title, last_outcome, ...delivery } = row;
  return {
    ...deliveryView(delivery),
    accountName: account_name,
    platformName: findAdapter(delivery.platform)?.name ?? delivery.platform,
    postTitle: post_title,
    cause: deliveryCause({
      status: delivery.status as DeliveryStatus,
      error: delivery.error,
      lastOutcome: last_outcome,
    }),
    reason: delivery.error,
  };
}
