import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service';
import { templateProblem } from '../articles/templates';
import { BadInput, isUuid, NotFound, Unprocessable } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { FeedItemRow, FeedRow } from '../database/schema';
import type { PlatformId } from '../platforms/platform';
import { getAdapter } from '../platforms/platform.registry';
import { DeliveryStatus, derivePostStatus } from '../posts/statuses';
import { ConfigMark, managedView, refuseManaged } from '../config-file/managed';
import { FeedIngestService } from './feed-ingest.service';
import { FeedReader, FeedReadError } from './feed-reader';
import { backoffSeconds, DEFAULT_SPACING_SECONDS, nextPoll } from './feed-schedule';
import { FeedPostDelivery, FeedsRepository } from './feeds.repository';

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
  async create(input: CreateFeedInput, mark?: ConfigMark) {
    await this.checkTargets(input);
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
          configKey: mark?.key,
        },
        tx,
      );
      if (!backfill) await this.repo.insertItems(this.ingest.seenRows(id, read.feed.items), tx);
    });
    return this.get(id);
  }

  /**
   * The config file's new declaration of a feed it manages (there is no PATCH route): the same checks as create;
   * the url stays (another url is another feed), so nothing is fetched.
   */
  async reconfigure(id: string, input: Omit<CreateFeedInput, 'url'>, mark: ConfigMark) {
    const row = await this.row(id);
    await this.checkTargets(input);
    await this.repo.reconfigure(row.id, {
      accountIds: input.accountIds,
      delaySeconds: input.delay ?? 0,
      spacingSeconds: input.spacing ?? DEFAULT_SPACING_SECONDS,
      template: input.template ?? null,
      backfill: input.backfill ?? false,
      configKey: mark.key,
    });
    return this.get(id);
  }

  /** Accounts exist, are not disabled, and the template passes the composer's check for each target's flavour. */
  private async checkTargets(input: Pick<CreateFeedInput, 'accountIds' | 'template'>): Promise<void> {
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
  }

  async list() {
    const rows = await this.repo.list();
    const counts = await this.repo.counts(rows.map((r) => r.id));
    return rows.map((r) =>
      feedView(
        r,
        counts.filter((c) => c.feed_id === r.id),
        this.config.feedsPollSeconds,
      ),
    );
  }

  async get(id: string) {
    const row = await this.row(id);
    return feedView(row, await this.repo.counts([row.id]), this.config.feedsPollSeconds);
  }

  /** The newest items first, each with what it became: its post's status and deliveries (one query for all). */
  async items(id: string, limit: number) {
    const row = await this.row(id);
    const items = await this.repo.items(row.id, limit);
    const postIds = [...new Set(items.flatMap((i) => (i.post_id ? [i.post_id] : [])))];
    const byPost = new Map<string, FeedPostDelivery[]>();
    for (const d of await this.repo.postDeliveries(postIds)) {
      const of = byPost.get(d.post_id);
      if (of) of.push(d);
      else byPost.set(d.post_id, [d]);
    }
    return items.map((i) => itemView(i, (i.post_id && byPost.get(i.post_id)) || []));
  }

  /** Stops polling; posts already scheduled from the feed stay scheduled. */
  async remove(id: string, mark?: ConfigMark): Promise<void> {
    const row = await this.row(id);
    refuseManaged('feed', row, mark);
    if (!(await this.repo.delete(row.id))) throw new NotFound(`feed ${id} not found`);
  }

  private async row(id: string): Promise<FeedRow> {
    const row = isUuid(id) ? await this.repo.find(id) : undefined;
    if (!row) throw new NotFound(`feed ${id} not found`);
    return row;
  }
}

/**
 * A feed as the API shows it. `backoff` says why the next poll is later than `pollInterval`: the polls that failed
 * in a row, the interval they set (doubled per failure, at most 6 h) and the last error.
 */
function feedView(f: FeedRow, counts: Array<{ status: string; n: number }>, pollSeconds: number) {
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
    pollInterval: pollSeconds,
    backoff:
      f.failures > 0
        ? { failures: f.failures, interval: backoffSeconds(pollSeconds, f.failures), reason: f.last_error }
        : null,
    items,
    createdAt: iso(f.created_at),
    ...managedView(f),
  };
}

function itemView(i: FeedItemRow, deliveries: FeedPostDelivery[]) {
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
    postStatus: i.post_id ? derivePostStatus(deliveries.map((d) => d.status as DeliveryStatus)) : null,
    deliveries: deliveries.map((d) => ({
      id: d.id,
      accountId: d.account_id,
      platform: d.platform,
      status: d.status,
      remoteUrl: d.remote_url,
      error: d.error,
    })),
  };
}

export type FeedView = ReturnType<typeof feedView>;
export type FeedItemView = ReturnType<typeof itemView>;
