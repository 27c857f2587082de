import { HttpException, Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { AccountsService } from '../../src/accounts/accounts.service';
import { AppModule } from '../../src/app.module';
import { ArticlesService } from '../../src/articles/articles.service';
import { PostsService } from '../../src/posts/posts.service';
import {
  clearQueueStore,
  mediumConfig,
  mediumDb,
  MediumDb,
  mediumRedis,
  uniquePrefix,
  mediumQueue,
} from './medium-env';

/** Which template composes a delivery: the post's (feeds pass one) > the account's settings.template > the platform's. */
describe('PostsService: composing templates (medium)', () => {
  let m: MediumDb;
  let redis: Redis;
  let prefix: string;
  let app: TestingModule;
  let articleId: string;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    m = await mediumDb();
    redis = mediumRedis();
    prefix = uniquePrefix('templates');
    app = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          config: mediumConfig(prefix, { CRIER_ROLE: 'api' }),
          db: m.db,
          queue: mediumQueue(redis, m.url),
          secretKey: Buffer.alloc(32, 3),
        }),
      ],
    }).compile();
    await app.init();
    const { article } = await app.get(ArticlesService).create({
      url: 'https://news.example.com/harbour',
      title: 'Harbour reopens',
      text: 'The harbour reopened on Monday after storm repairs.\n\nPlease follow us on Telegram!',
      tags: ['harbour'],
    });
    articleId = article.id;
  });

  afterAll(async () => {
    await app?.close();
    await clearQueueStore(redis, prefix);
    redis?.disconnect();
    await m?.close();
  });

  const account = (settings: Record<string, unknown> = {}) =>
    app.get(AccountsService).create({
      platform: 'mastodon',
      name: 'm',
      credentials: { accessToken: 'tok' },
      settings: { apiBaseUrl: 'https://m.example.com', ...settings },
    });
  const textsOf = async (accountIds: string[], template?: string) => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const { body } = await app
      .get(PostsService)
      .create({ articleId, accountIds, scheduledAt: at, ...(template ? { template } : {}) });
    return accountIds.map((id) => body.deliveries.find((d) => d.accountId === id)?.text);
  };

  it('uses the post template, else the account template, else the platform default', async () => {
    const plain = await account();
    const own = await account({ template: '{title} → {url}' });
    expect(own.settings.template).toBe('{title} → {url}');
    expect(await textsOf([plain.id, own.id])).toEqual([
      'The harbour reopened on Monday after storm repairs.\n\nhttps://news.example.com/harbour\n\n#harbour',
      'Harbour reopens → https://news.example.com/harbour',
    ]);
    expect(await textsOf([plain.id, own.id], 'NEW: {title} {url}')).toEqual([
      'NEW: Harbour reopens https://news.example.com/harbour',
      'NEW: Harbour reopens https://news.example.com/harbour',
    ]);
  });

  it('refuses a bad post template or account template with a 400 naming the field', async () => {
    const a = await account();
    const error = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e as HttpException,
      );
    const post = await error(textsOf([a.id], '{title} {body} {url}'));
    expect(post?.getStatus()).toBe(400);
    expect(JSON.stringify(post?.getResponse())).toContain('template has an unknown placeholder {body}');
    const settings = await error(account({ template: '{title}' }));
    expect(settings?.getStatus()).toBe(400);
    expect(JSON.stringify(settings?.getResponse())).toContain('settings.template must contain {url}');
  });
});
