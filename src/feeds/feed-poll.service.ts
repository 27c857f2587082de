import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { FeedRow } from '../database/schema';
import { FeedIngestService, IngestResult } from './feed-ingest.service';
import { FeedReader, FeedReadError } from './feed-reader';
import { backoffPoll, nextPoll } from './feed-schedule';
import { FeedsRepository } from './feeds.repository';

export type PollOutcome = { ok: true; notModified: boolean; result: IngestResult } | { ok: false; error: string };

/**
 * One poll of one feed (the caller holds the feed's lock): finish claims left pending, fetch conditionally,
 * take the new items, and record the outcome on the feed: lastPolledAt always, lastError and a doubled interval
 * when it failed.
 */
@Injectable()
export class FeedPollService {
  private readonly log = new Logger(FeedPollService.name);

  constructor(
    private readonly repo: FeedsRepository,
    private readonly reader: FeedReader,
    private readonly ingest: FeedIngestService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async poll(feed: FeedRow, stop?: AbortSignal): Promise<PollOutcome> {
    const now = new Date();
    try {
      await this.ingest.resumePending(feed, now);
      const read = await this.reader.read(feed.fetch_url, { etag: feed.etag, lastModified: feed.last_modified }, stop);
      const empty: IngestResult = { taken: 0, scheduled: 0, failed: 0, lastFailure: null };
      if (read.notModified) {
        await this.repo.recordSuccess(feed.id, new Date(), nextPoll(new Date(), this.config.feedsPollSeconds), {});
        return { ok: true, notModified: true, result: empty };
      }
      const result = await this.ingest.takeNew(feed, read.feed.items, now, stop);
      await this.repo.recordSuccess(feed.id, new Date(), nextPoll(new Date(), this.config.feedsPollSeconds), {
        etag: read.etag,
        lastModified: read.lastModified,
        title: read.feed.title,
        error: result.lastFailure,
      });
      if (result.taken > 0) this.log.log(`feed ${feed.id}: ${result.taken} new item(s), ${result.scheduled} scheduled`);
      return { ok: true, notModified: false, result };
    } catch (e) {
      const error = e instanceof FeedReadError ? `the feed ${e.message}` : `poll failed: ${(e as Error).message}`;
      const at = new Date();
      const failures = feed.failures + 1;
      this.log.warn(`feed ${feed.id}: ${error} (failure ${failures} in a row)`);
      await this.repo
        .recordFailure(feed.id, at, backoffPoll(at, this.config.feedsPollSeconds, failures), error)
        .catch((dbErr: Error) => {
          this.log.warn(`feed ${feed.id}: could not record the failure (${dbErr.message})`);
        });
      return { ok: false, error };
    }
  }
}
