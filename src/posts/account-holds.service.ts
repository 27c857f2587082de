import { Injectable } from '@nestjs/common';
import { AccountEvents } from '../accounts/account-events';
import { QueueService } from '../queue/queue.service';
import { PostsRepository } from './posts.repository';

/** The posts side of account changes: hold an account's deliveries, resume them, cancel those of a deleted account. */
@Injectable()
export class AccountHoldsService extends AccountEvents {
  constructor(
    private readonly repo: PostsRepository,
    private readonly queues: QueueService,
  ) {
    super();
  }

  /**
   * The platform refused the account: every not-started delivery is held and loses its job (as a cancelled one
   * does); accountFixed gives each its job back. A job running right now is left alone: it re-reads the row and stops.
   */
  async holdAccount(accountId: string, reason: string): Promise<void> {
    const held = await this.repo.holdAccount(accountId, reason);
    for (const d of held) await this.queues.removeJob(d);
    await this.refresh(held.map((d) => d.post_id));
  }

  async accountFixed(accountId: string): Promise<void> {
    const resumed = await this.repo.resumeAccount(accountId, new Date());
    for (const d of resumed) await this.queues.ensureJob(d, new Date(d.next_attempt_at));
    await this.refresh(resumed.map((d) => d.post_id));
  }

  async accountDeleted(accountId: string): Promise<void> {
    const cancelled = await this.repo.cancelNotStarted({ accountId }, 'account deleted');
    for (const d of cancelled) await this.queues.removeJob(d);
    await this.refresh(cancelled.map((d) => d.post_id));
  }

  private async refresh(postIds: string[]): Promise<void> {
    for (const id of new Set(postIds)) await this.repo.refreshPostStatus(id);
  }
}
