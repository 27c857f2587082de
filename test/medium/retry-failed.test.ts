import { randomUUID } from 'node:crypto';
import { HttpException, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AccountsRepository } from '../../src/accounts/accounts.repository';
import { AccountsService } from '../../src/accounts/accounts.service';
import { CredentialRefreshService } from '../../src/accounts/credential-refresh.service';
import { ArticlesRepository } from '../../src/articles/articles.repository';
import { ArticlesService } from '../../src/articles/articles.service';
import { ContentPool } from '../../src/articles/content-pool';
import { LeasesRepository } from '../../src/database/leases.repository';
import { AccountHoldsService } from '../../src/posts/account-holds.service';
import { DeliveryStateRepository } from '../../src/posts/delivery-state.repository';
import { DeliveryStateService } from '../../src/posts/delivery-state.service';
import { PostsRepository } from '../../src/posts/posts.repository';
import { PostsService } from '../../src/posts/posts.service';
import { publishJobId } from '../../src/queue/job-catalogue';
import { QueueService } from '../../src/queue/queue.service';
import {
  clearQueueStore,
  insertAccount,
  insertPostWith,
  mediumConfig,
  mediumDb,
  MediumDb,
  mediumRedis,
  seconds,
  testCipher,
  uniquePrefix,
  mediumQueue,
} from './medium-env';

/**
 * PostsService.retryFailed against real Postgres + Redis: which deliveries of a post "retry failed" sends again,
 * through the user-retry event of DeliveryStateService (rows reset, jobs given), and which it leaves alone.
 */
describe('PostsService.retryFailed (medium)', () => {
  let m: MediumDb;
  let redis: Redis;
  let prefix: string;
  let queues: QueueService;
  let repo: PostsRepository;
  let service: PostsService;
  let content: ContentPool;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    m = await mediumDb();
    redis = mediumRedis();
    prefix = uniquePrefix('retry-failed');
    const config = mediumConfig(prefix);
    queues = new QueueService(config, mediumQueue(redis, m.url));
    const states = new DeliveryStateService(new DeliveryStateRepository(m.db), queues);
    const cipher = testCipher();
    const accountsRepo = new AccountsRepository(m.db);
    const refresher = new CredentialRefreshService(accountsRepo, cipher, new LeasesRepository(m.db), config);
    const accounts = new AccountsService(accountsRepo, cipher, new AccountHoldsService(states), refresher, config);
    content = new ContentPool();
    const articles = new ArticlesService(new ArticlesRepository(m.db), config, content);
    repo = new PostsRepository(m.db);
    service = new PostsService(repo, accounts, articles, states);
  });

  afterAll(async () => {
    await queues?.onModuleDestroy();
    if (redis) await clearQueueStore(redis, prefix);
    await redis?.quit();
    await content?.onModuleDestroy();
    await m?.close();
  });

  const refusal = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(HttpException);
    return { status: (e as HttpException).getStatus(), message: (e as Error).message };
  };

  it('sends failed and unconfirmed deliveries again; leaves held, cancelled, published and orphaned ones', async () => {
    const cipher = testCipher();
    const acc = () => insertAccount(m.db, cipher, { platform: 'telegram' });
    const [tgFailed, tgUnconfirmed, held, cancelled, published, orphan] = await Promise.all([
      acc(),
      acc(),
      acc(),
      acc(),
      acc(),
      acc(),
    ]);
    const masto = await insertAccount(m.db, cipher, { platform: 'mastodon', credentials: { accessToken: 'tok' } });
    const { postId, deliveryIds } = await insertPostWith(repo, seconds(-60), [
      { account: tgFailed, status: 'failed' },
      { account: tgUnconfirmed, status: 'unconfirmed' },
      { account: masto, status: 'unconfirmed' },
      { account: held, status: 'held' },
      { account: cancelled, status: 'cancelled' },
      { account: published, status: 'published' },
      { account: orphan, status: 'failed' },
    ]);
    const [failedId, tgUnconfirmedId, mastoUnconfirmedId, heldId, cancelledId, publishedId, orphanId] = deliveryIds;
    await m.db
      .updateTable('deliveries')
      .set({ attempts: 3, error: 'gave up after 3 attempts: 502', ambiguous: true })
      .where('post_id', '=', postId)
      .execute();
    // The account goes; its failed delivery stays as the record of what happened.
    await m.db.deleteFrom('accounts').where('id', '=', orphan.id).execute();

    const view = await service.retryFailed(postId);

    const byId = new Map(view.deliveries.map((d) => [d.id, d]));
    for (const id of [failedId, tgUnconfirmedId, mastoUnconfirmedId]) {
      expect(byId.get(id)).toMatchObject({ status: 'scheduled', attempts: 0, error: null });
    }
    expect([heldId, cancelledId, publishedId, orphanId].map((id) => byId.get(id)?.status)).toEqual([
      'held',
      'cancelled',
      'published',
      'failed',
    ]);
    expect(byId.get(orphanId)).toMatchObject({ accountId: null, attempts: 3 });
    expect(view.status).toBe('publishing');
    // Unconfirmed on Mastodon (it can be read): still looked for before sending. On Telegram (it cannot): sent.
    expect((await repo.findDelivery(mastoUnconfirmedId))?.ambiguous).toBe(true);
    expect((await repo.findDelivery(tgUnconfirmedId))?.ambiguous).toBe(false);
    // Each retried delivery is its account's next one and has its job.
    expect(await queues.queue('telegram').getJob(publishJobId(failedId))).toBeDefined();
    expect(await queues.queue('telegram').getJob(publishJobId(tgUnconfirmedId))).toBeDefined();
    expect(await queues.queue('mastodon').getJob(publishJobId(mastoUnconfirmedId))).toBeDefined();

    expect(await refusal(service.retryFailed(postId))).toEqual({
      status: 409,
      message: `post ${postId} has no failed or unconfirmed delivery to retry`,
    });
  });

  it('404 for a post that does not exist', async () => {
    expect((await refusal(service.retryFailed(randomUUID()))).status).toBe(404);
    expect((await refusal(service.retryFailed('not-a-post'))).status).toBe(404);
  });
});
