import { Injectable } from '@nestjs/common';
import { isUuid } from '../common/errors';
import { DELIVERY_STATUSES, DeliveryStatus } from '../posts/statuses';
import { JobCounts, QueueCounts, QueueService } from './queue.service';
import { QueuesRepository } from './queues.repository';

/** One platform's queue as GET /api/v1/queues and the dashboard's Queues page show it. */
export interface QueueOverview extends QueueCounts {
  /** Workers connected to the queue now. */
  workers: number;
  /** Seconds the oldest job in the waiting list has been runnable (null when nothing waits). */
  oldestWaitingSeconds: number | null;
  /** The platform's deliveries per status (every status, zeros included). */
  deliveries: Record<DeliveryStatus, number>;
  /** `scheduled` or `retrying` deliveries whose time has come and that have not gone out. */
  overdue: number;
  /** Seconds since the most late of them fell due (null when none). */
  mostOverdueSeconds: number | null;
}

/**
 * The webhooks queue as GET /queues shows it (its last entry): the same job counts, workers and oldest waiting job
 * as a platform's, `platform` null, and no deliveries (its jobs are webhook messages, shown by GET /webhooks/:id).
 */
export interface WebhooksQueueOverview extends JobCounts {
  name: string;
  platform: null;
  workers: number;
  /** Seconds since the oldest waiting message's job was added (null when nothing waits). */
  oldestWaitingSeconds: number | null;
}

export interface QueuesOverview {
  platforms: QueueOverview[];
  webhooks: WebhooksQueueOverview;
}

const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));

/**
 * Redis (job counts, workers, the oldest waiting job) and PostgreSQL (deliveries per status, the most late due
 * one) side by side: each store is read once, all queues together, whatever the number of deliveries.
 */
@Injectable()
export class QueuesOverviewService {
  constructor(
    private readonly queues: QueueService,
    private readonly repo: QueuesRepository,
  ) {}

  async overview(now = new Date()): Promise<QueuesOverview> {
    const [counts, live, statuses, overdue, hooks] = await Promise.all([
      this.queues.counts(),
      this.queues.live(),
      this.repo.statusCounts(),
      this.repo.overdue(now),
      this.queues.webhooksState(),
    ]);
    const { oldestWaitingAddedAt, ...hookCounts } = hooks;
    const webhooks: WebhooksQueueOverview = {
      ...hookCounts,
      platform: null,
      oldestWaitingSeconds: oldestWaitingAddedAt ? seconds(now.getTime() - oldestWaitingAddedAt.getTime()) : null,
    };
    // A job's hash does not say when it became waiting (a promotion zeroes its delay), its delivery does: it has
    // waited since it fell due, or since it was added if that was later (its turn came after its time).
    const waitingIds = live.flatMap((l) =>
      l.oldestWaiting && isUuid(l.oldestWaiting.deliveryId) ? [l.oldestWaiting.deliveryId] : [],
    );
    const due = new Map((await this.repo.dueTimes(waitingIds)).map((d) => [d.id, d.due.getTime()]));
    const platforms = counts.map((c) => {
      const l = live.find((x) => x.platform === c.platform);
      const oldest = l?.oldestWaiting;
      const since = oldest ? Math.max(oldest.addedAt.getTime(), due.get(oldest.deliveryId) ?? 0) : null;
      const deliveries = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
      for (const s of statuses)
        if (s.platform === c.platform && s.status in deliveries) deliveries[s.status as DeliveryStatus] = s.n;
      const late = overdue.find((o) => o.platform === c.platform);
      return {
        ...c,
        workers: l?.workers ?? 0,
        oldestWaitingSeconds: since === null ? null : seconds(now.getTime() - since),
        deliveries,
        overdue: late?.n ?? 0,
        mostOverdueSeconds: late ? seconds(now.getTime() - late.since.getTime()) : null,
      };
    });
    return { platforms, webhooks };
  }
}
