import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LeasesRepository } from '../database/leases.repository';
import { coveringPause, pauseRule } from '../pauses/pause-rules';
import { PausesRepository } from '../pauses/pauses.repository';
import { DeliveryStateService } from '../posts/delivery-state.service';
import { QueueService } from '../queue/queue.service';
import { RetentionService } from '../retention/retention.service';
import { BudgetsRepository } from './budgets.repository';

const PAGE = 500;
const LEASE = 'sweep';
/** Budget spends older than this are past every window a platform declares (a day) with margin. */
const SPEND_RETENTION_MS = 2 * 24 * 3600_000;

/**
 * Postgres is the source of truth: every account's next delivery must have its job. Periodically (one process at
 * a time, under a lease in the database) this gives a job back to each account head due within the horizon that
 * has none (Redis lost its data, a hand-over failed), and to each `publishing` delivery whose worker's lease ran
 * out (its job then settles it). Rows further ahead are left to later sweeps, so the cost follows what is due,
 * not how much is scheduled.
 */
@Injectable()
export class SweepService implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(SweepService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly states: DeliveryStateService,
    private readonly queues: QueueService,
    private readonly leases: LeasesRepository,
    private readonly budgets: BudgetsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly retention: RetentionService,
    private readonly pauses: PausesRepository,
  ) {}

  onModuleInit(): void {
    const tick = () => {
      if (this.running) return; // the last sweep of this process is still going: never two at once
      this.running = this.sweepOnce()
        .catch((e: Error) => {
          this.log.warn(`sweep failed: ${e.message}`);
          return 0;
        })
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(tick, this.config.sweepSeconds * 1000);
    tick();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** How far ahead a sweep looks: two sweep periods, at least five minutes. */
  get horizonMs(): number {
    return Math.max(5 * 60_000, this.config.sweepSeconds * 2000);
  }

  /** Returns how many jobs were restored. */
  async sweepOnce(): Promise<number> {
    // Staged videos are on this process's disk: every process clears its own, lease or not.
    await this.retention.pruneFiles(new Date()).catch((e: Error) => this.log.warn(`retention failed: ${e.message}`));
    const leaseMs = Math.max(30_000, this.config.sweepSeconds * 2000);
    const lease = await this.leases.hold(LEASE, leaseMs);
    if (!lease) return 0;
    try {
      const now = new Date();
      let restored = 0;
      let after: string | undefined;
      // A paused head's job would only end "not its turn" (the claim refuses it): it waits without one, and the
      // resume hands its account over. One small read a sweep.
      const paused = (await this.pauses.active()).map(pauseRule);
      for (;;) {
        const heads = await this.states.dueHeads(now, new Date(now.getTime() + this.horizonMs), after, PAGE);
        const runnable = heads.filter((h) => !coveringPause(paused, { platform: h.platform, accountId: h.account_id }));
        restored += await this.restore(runnable, 'missing');
        const last = heads.at(-1)?.account_id;
        if (heads.length < PAGE || !last) break;
        after = last;
      }
      // One page a sweep: rows with a job already are skipped, the next sweep takes the next ones.
      restored += await this.restore(await this.states.expiredClaims(now, PAGE), 'lease expired');
      await this.budgets.prune(new Date(now.getTime() - SPEND_RETENTION_MS));
      // Last, and on its own: a failed prune must not cost the restores above (the next sweep prunes again).
      await this.retention.pruneRows(now).catch((e: Error) => this.log.warn(`retention failed: ${e.message}`));
      return restored;
    } finally {
      await lease.release().catch(() => undefined);
    }
  }

  private async restore(
    keys: readonly { id: string; platform: string; account_id: string | null; next_attempt_at: Date }[],
    why: string,
  ): Promise<number> {
    const missing = await this.queues.missingJobs(keys);
    if (missing.length === 0) return 0;
    const now = Date.now();
    await this.queues.ensureJobs(
      missing.map((d) => ({ delivery: d, runAt: new Date(Math.max(now, new Date(d.next_attempt_at).getTime())) })),
    );
    for (const d of missing) this.log.warn(`restored the job of delivery ${d.id} (${d.platform}, ${why})`);
    return missing.length;
  }
}
