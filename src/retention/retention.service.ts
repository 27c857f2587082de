import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { removeOrphanedVideos } from '../platforms/video-download';
import { RetentionRepository } from './retention.repository';

/** Rows per delete statement: short enough that no statement holds its locks for long. */
const BATCH = 1_000;
/** Batches per table per sweep: a backlog (the first prune of an old database) is worked off over several sweeps. */
const MAX_BATCHES = 10;
/**
 * A staged video untouched for this long has lost its process. The largest video (2 GiB, rumble) at the slowest
 * accepted rate (1 MiB/s, video-download.ts) takes about 35 minutes each way: six hours leaves a wide margin.
 */
export const ORPHANED_VIDEO_MS = 6 * 3600_000;

export interface RowsPruned {
  attempts: number;
  idempotencyKeys: number;
  feedItems: number;
  webhookMessages: number;
}

/**
 * Keeps what Crier stores from growing without bound (README, "Retention"): run by the sweep. Posts and
 * deliveries themselves are the publisher's record and stay; their attempt logs, the idempotency keys, feed items
 * gone from their feed and staged videos a dead process left behind go after their time.
 */
@Injectable()
export class RetentionService {
  private readonly log = new Logger(RetentionService.name);

  constructor(
    private readonly repo: RetentionRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The database's share: one process at a time (under the sweep's lease). */
  async pruneRows(now: Date): Promise<RowsPruned> {
    const rowsBefore = new Date(now.getTime() - this.config.retentionDays * 86_400_000);
    const keysBefore = new Date(now.getTime() - this.config.idempotencyRetentionHours * 3600_000);
    const pruned = {
      attempts: await drain((n) => this.repo.pruneAttempts(rowsBefore, n)),
      idempotencyKeys: await drain((n) => this.repo.pruneIdempotencyKeys(keysBefore, n)),
      feedItems: await drain((n) => this.repo.pruneFeedItems(rowsBefore, n)),
      webhookMessages: await drain((n) => this.repo.pruneWebhookMessages(rowsBefore, n)),
    };
    if (pruned.attempts + pruned.idempotencyKeys + pruned.feedItems + pruned.webhookMessages > 0) {
      this.log.log(
        `retention: deleted ${pruned.attempts} attempt(s), ${pruned.idempotencyKeys} idempotency key(s), ` +
          `${pruned.feedItems} feed item(s), ${pruned.webhookMessages} webhook message(s)`,
      );
    }
    return pruned;
  }

  /** Each process's own staged videos (its temp directory is its own, or shared with processes on the host). */
  async pruneFiles(now: Date, tempDir?: string): Promise<number> {
    const removed = await removeOrphanedVideos(new Date(now.getTime() - ORPHANED_VIDEO_MS), tempDir);
    if (removed > 0) this.log.warn(`retention: removed ${removed} staged video(s) left by a stopped process`);
    return removed;
  }
}

async function drain(prune: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const n = await prune(BATCH);
    total += n;
    if (n < BATCH) break;
  }
  return total;
}
