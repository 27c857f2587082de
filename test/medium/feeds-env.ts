import { LeasesRepository } from '../../src/database/leases.repository';
import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { AppModule } from '../../src/app.module';
import type { AppConfig } from '../../src/config/config';
import type { AccountRow } from '../../src/database/schema';
import { FeedPollService } from '../../src/feeds/feed-poll.service';
import { FeedPoller } from '../../src/feeds/feed-poller';
import { FeedsRepository } from '../../src/feeds/feeds.repository';
import { FeedsService } from '../../src/feeds/feeds.service';
import { FeedServer, TestItem } from '../support/feed-server';
import {
  clearQueueStore,
  insertAccount,
  mediumConfig,
  mediumDb,
  MediumDb,
  mediumRedis,
  testCipher,
  uniquePrefix,
  mediumQueue,
} from './medium-env';

/**
 * The feed services as the app wires them (AppModule, API role: no timers run), on a fresh database, a real
 * Redis under a unique prefix, and a local feed server. Pollers are made by hand so a test decides when they tick.
 */
export class FeedsEnv {
  m!: MediumDb;
  redis!: Redis;
  prefix!: string;
  config!: AppConfig;
  app!: TestingModule;
  server!: FeedServer;
  tg!: AccountRow;
  masto!: AccountRow;

  static async create(env: Record<string, string> = {}): Promise<FeedsEnv> {
    Logger.overrideLogger(['error']);
    const e = new FeedsEnv();
    e.m = await mediumDb();
    e.redis = mediumRedis();
    e.prefix = uniquePrefix('feeds');
    e.config = mediumConfig(e.prefix, {
      CRIER_ROLE: 'api',
      CRIER_FEEDS_ALLOW_PRIVATE: 'true',
      CRIER_FEEDS_POLL_SECONDS: '60',
      ...env,
    });
    e.app = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          config: e.config,
          db: e.m.db,
          queue: mediumQueue(e.redis, e.m.url),
          secretKey: Buffer.alloc(32, 7),
        }),
      ],
    }).compile();
    await e.app.init();
    e.server = await FeedServer.start();
    const cipher = testCipher();
    e.tg = await insertAccount(e.m.db, cipher, { platform: 'telegram' });
    e.masto = await insertAccount(e.m.db, cipher, { platform: 'mastodon', credentials: { accessToken: 'tok' } });
    return e;
  }

  get feeds(): FeedsService {
    return this.app.get(FeedsService);
  }

  get polls(): FeedPollService {
    return this.app.get(FeedPollService);
  }

  get repo(): FeedsRepository {
    return this.app.get(FeedsRepository);
  }

  /** A poller as the worker role runs it, without its timer. */
  poller(): FeedPoller {
    return new FeedPoller(this.repo, this.polls, this.app.get(LeasesRepository), this.config);
  }

  /** Polls the feed now, as a due poll would. */
  async pollNow(feedId: string) {
    const row = await this.repo.find(feedId);
    if (!row) throw new Error(`feed ${feedId} is gone`);
    return this.polls.poll(row);
  }

  async makeDue(feedId: string): Promise<void> {
    await this.m.db
      .updateTable('feeds')
      .set({ next_poll_at: new Date(Date.now() - 1000) })
      .where('id', '=', feedId)
      .execute();
  }

  /** Posts made from the feed: article url, scheduled time and the accounts of the deliveries. */
  async postsOf(feedId: string) {
    const rows = await this.m.db
      .selectFrom('feed_items')
      .innerJoin('posts', 'posts.id', 'feed_items.post_id')
      .innerJoin('articles', 'articles.id', 'posts.article_id')
      .select(['articles.url', 'posts.id', 'posts.scheduled_at'])
      .where('feed_items.feed_id', '=', feedId)
      .orderBy('posts.scheduled_at')
      .execute();
    const all = await this.m.db.selectFrom('posts').select('id').execute();
    return { rows, totalPosts: all.length };
  }

  async close(): Promise<void> {
    await this.app?.close();
    await this.server?.stop();
    await clearQueueStore(this.redis, this.prefix);
    await this.redis?.quit();
    await this.m?.close();
  }
}

let n = 0;
/** A distinct item; `over` changes any field. */
export function story(over: Partial<TestItem> = {}): TestItem {
  n++;
  return {
    guid: `urn:story:${n}:${Math.random().toString(36).slice(2, 8)}`,
    link: `https://news.example/2026/story-${n}-${Math.random().toString(36).slice(2, 8)}`,
    title: `Story number ${n}`,
    html: `<p>Body of story ${n}, ${Math.random()}.</p>`,
    categories: ['Local'],
    ...over,
  };
}
