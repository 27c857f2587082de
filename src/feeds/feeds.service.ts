import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service';
import { templateProblem } from '../articles/templates';
import { BadInput, isUuid, NotFound, Unprocessable } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { FeedItemRow, FeedRow } from '../database/schema';
import type { PlatformId } from '../platforms/platform';
import { getAdapter } from '../platforms/platform.registry';
import { FeedIngestService } from './feed-ingest.service';
import { FeedReader, FeedReadError } from './feed-reader';
import { DEFAULT_SPACING_SECONDS, nextPoll } from './feed-schedule';
import { FeedsRepository } from './feeds.repository';

export interface CreateFeedInput {
  url: string;
  accountIds: string[];
  delay?: number;
  spacing?: number;
  template?: string;
  backfill?: boolean;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Adding, listing and removing feeds (the API side; polling is FeedPollService's). */
@Injectable()
export class FeedsService {
  constructor(
    private readonly repo: FeedsRepository,
    private readonly reader: FeedReader,
    private readonly ingest: FeedIngestService,
    private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Reads the feed once (400 naming `url` if it cannot be fetched or read), then stores the feed and, unless
   * `backfill`, every current item as seen, in one transaction: no poller can see the feed before its items.
   * With `backfill` nothing is recorded and the feed is due at once, so the worker takes every item.
   */
  async create(input: CreateFeedInput) {
    if (new Set(input.accountIds).size !== input.accountIds.length)
      throw new BadInput('accountIds must not repeat an account');
    for (const [i, id] of input.accountIds.entries()) {
      const row = await this.accounts.row(id).catch(() => {
        throw new NotFound(`accountIds[${i}]: account ${id} not found`);
      });
      if (row.status === 'disabled') throw new Unprocessable(`accountIds[${i}]: account ${id} is disabled`);
      // The composer's own check, for each target's flavour (Telegram's literal text is HTML).
      const html = getAdapter(row.platform as PlatformId).limits(null).counting === 'code-points-after-html';
      const problem = input.template === undefined ? null : templateProblem(input.template, html);
      if (problem) throw new BadInput(`template ${problem}`);
    }
    let read;
    try {
      read = await this.reader.discover(input.url);
    } catch (e) {
      if (e instanceof FeedReadError) throw new BadInput(`url ${e.message}`);
      throw e;
    }
    const id = randomUUID();
    const now = new Date();
    const backfill = input.backfill ?? false;
    await this.repo.transaction(async (tx) => {
      await this.repo.insertFeed(
        {
          id,
          url: input.url,
          fetchUrl: read.fetchUrl,
          kind: read.feed.kind,
          title: read.feed.title,
          accountIds: input.accountIds,
          delaySeconds: input.delay ?? 0,
          spacingSeconds: input.spacing ?? DEFAULT_SPACING_SECONDS,
          template: input.template ?? null,
          backfill,
          // A backfilling feed's first poll must get the whole document, not a 304.
          etag: backfill ? null : read.etag,
          lastModified: backfill ? null : read.lastModified,
          lastPolledAt: now,
          nextPollAt: backfill ? now : nextPoll(now, this.config.feedsPollSeconds),
        },
        tx,
      );
      if (!backfill) await this.repo.insertItems(this.ingest.seenRows(id, read.feed.items), tx);
    });
    return this.get(id);
  }

  async list() {
    const rows = await this.repo.list();
    const counts = await this.repo.counts(rows.map((r) => r.id));
    return rows.map((r) =>
      feedView(
        r,
        counts.filter((c) => c.feed_id === r.id),
      ),
    );
  }

  async get(id: string) {
    const row = await this.row(id);
    return feedView(row, await this.repo.counts([row.id]));
  }

  async items(id: string, limit: number) {
    const row = await this.row(id);
    return (await this.repo.items(row.id, limit)).map(itemView);
  }

  /** Stops polling; posts already scheduled from the feed stay scheduled. */
  async remove(id: string): Promise<void> {
    const row = await this.row(id);
    if (!(await this.repo.delete(row.id))) throw new NotFound(`feed ${id} not found`);
  }

  private async row(id: string): Promise<FeedRow> {
    const row = isUuid(id) ? await this.repo.find(id) : undefined;
    if (!row) throw new NotFound(`feed ${id} not found`);
    return row;
  }
}

function feedView(f: FeedRow, counts: Array<{ status: string; n: number }>) {
  const items: Record<string, number> = { seen: 0, pending: 0, scheduled: 0, failed: 0, skipped: 0 };
  for (const c of counts) items[c.status] = c.n;
  return {
    id: f.id,
    url: f.url,
    fetchUrl: f.fetch_url,
    kind: f.kind,
    title: f.title,
    accountIds: f.account_ids,
    delay: f.delay_seconds,
    spacing: f.spacing_seconds,
    template: f.template,
    backfill: f.backfill,
    lastPolledAt: iso(f.last_polled_at),
    lastSuccessAt: iso(f.last_success_at),
    lastError: f.last_error,
    consecutiveFailures: f.failures,
    nextPollAt: iso(f.next_poll_at),
    items,
    createdAt: iso(f.created_at),
  };
}

function itemView(i: FeedItemRow) {
  return {
    id: i.id,
    guid: i.guid,
    link: i.link,
    title: i.title,
    status: i.status,
    articleId: i.article_id,
    postId: i.post_id,
    scheduledAt: iso(i.scheduled_at),
    error: i.error,
    publishedAt: iso(i.published_at),
    firstSeenAt: iso(i.first_seen_at),
  };
}
