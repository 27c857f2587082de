import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LeasesRepository } from '../database/leases.repository';
import { FeedPollService } from './feed-poll.service';
import { FeedsRepository } from './feeds.repository';

/** Feeds polled at the same time by one worker process. */
const CONCURRENCY = 4;
/** Due feeds read per query; a tick pages through all of them. */
const BATCH = 50;

/**
 * The worker side of feeds: every few seconds, the feeds whose `next_poll_at` has come are polled, each under
 * its lease in the database (one poller per feed across processes). Postgres holds the schedule, so a restart or a second
 * worker changes nothing; on shutdown in-flight fetches are aborted and the tick is awaited.
 */
@Injectable()
export class FeedPoller implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(FeedPoller.name);
  private readonly stop = new AbortController();
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly repo: FeedsRepository,
    private readonly polls: FeedPollService,
    private readonly leases: LeasesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const tick = () => {
      if (this.running) return; // a slow tick is never overlapped by the next
      this.running = this.tick()
        .catch((e: Error) => {
          this.log.warn(`feed polling failed: ${e.message}`);
          return 0;
        })
        .finally(() => (this.running = undefined));
    };
    // Ticks are cheap (one indexed query); the feed's own next_poll_at decides when it is fetched.
    this.timer = setInterval(tick, Math.min(this.config.feedsPollSeconds, 5) * 1000);
    tick();
  }

  /** First shutdown phase: fetches are aborted and no further item is taken (the rest wait for the next poll). */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.stop.abort();
    await this.running;
  }

  /** Polls every feed due at `now` once, page by page; returns how many this process polled. */
  async tick(now = new Date()): Promise<number> {
    let polled = 0;
    let after: { at: Date; id: string } | undefined;
    while (!this.stop.signal.aborted) {
      const page = await this.repo.due(now, BATCH, after);
      const queue = [...page];
      const lane = async () => {
        for (let feed = queue.shift(); feed && !this.stop.signal.aborted; feed = queue.shift()) {
          if (await this.pollLocked(feed.id, now)) polled++;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, lane));
      if (page.length < BATCH) break;
      const last = page[page.length - 1];
      after = { at: new Date(last.next_poll_at), id: last.id };
    }
    return polled;
  }

  private async pollLocked(feedId: string, now: Date): Promise<boolean> {
    const ttl = this.config.httpTimeoutMs * 2 + 30_000;
    const lock = await this.leases.hold(`feed:${feedId}`, ttl);
    if (!lock) return false;
    try {
      // Re-read under the lock: deleted, or polled by another process since the due query, means nothing to do.
      const feed = await this.repo.find(feedId);
      if (!feed || new Date(feed.next_poll_at) > now) return false;
      await this.polls.poll(feed, this.stop.signal);
      return true;
    } finally {
      await lock.release().catch(() => undefined);
    }
  }
}
