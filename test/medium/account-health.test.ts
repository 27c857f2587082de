import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { AccountHealthRepository } from '../../src/accounts/account-health.repository';
import { AccountHealth, AccountHealthService } from '../../src/accounts/account-health.service';
import { AccountsRepository } from '../../src/accounts/accounts.repository';
import { AccountsService } from '../../src/accounts/accounts.service';
import { CredentialCipher } from '../../src/accounts/credential-cipher';
import { CredentialRefreshService } from '../../src/accounts/credential-refresh.service';
import { LeasesRepository } from '../../src/database/leases.repository';
import type { AccountRow, Database } from '../../src/database/schema';
import type { PlatformId } from '../../src/platforms/platform';
import { getAdapter } from '../../src/platforms/platform.registry';
import { AccountHoldsService } from '../../src/posts/account-holds.service';
import { DeliveryStateRepository } from '../../src/posts/delivery-state.repository';
import { DeliveryStateService } from '../../src/posts/delivery-state.service';
import type { DeliveryStatus } from '../../src/posts/statuses';
import { resolveBudgets } from '../../src/publishing/budgets';
import { QueueService } from '../../src/queue/queue.service';
import { testPool } from '../support/pg';
import {
  clearQueueStore,
  mediumConfig,
  mediumDb,
  MediumDb,
  mediumRedis,
  testCipher,
  uniquePrefix,
  mediumQueue,
} from './medium-env';

/**
 * AccountHealthService against a real Postgres: what GET /api/v1/accounts and the dashboard's Accounts page say about
 * each account (last success, last error, pending, the rate-limit wait from a platform's block, from spent budgets
 * and from the daily cap, X's posts and cost), read in one statement for any number of accounts.
 */
describe('account health (medium)', () => {
  let m: MediumDb;
  let db: Kysely<Database>;
  let redis: Redis;
  let prefix: string;
  let queues: QueueService;
  let cipher: CredentialCipher;
  let accounts: AccountsService;
  let health: AccountHealthService;
  /** Statements sent through `db` (Kysely's log). */
  let statements: string[];

  // A fixed clock: every time in the data is relative to it, and the service is asked "as of" it.
  const NOW = new Date('2026-12-09T10:00:00.000Z');
  const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
  const HOUR = 3600;
  // Berlin is UTC+1 in December: "today" there began at 2026-12-08T23:00Z.
  const TZ = 'Europe/Berlin';

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    m = await mediumDb();
    statements = [];
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: testPool(m.url, 2) }),
      log: (e) => void statements.push(e.query.sql),
    });
    redis = mediumRedis();
    prefix = uniquePrefix('account-health');
    const config = mediumConfig(prefix);
    queues = new QueueService(config, mediumQueue(redis, m.url));
    cipher = testCipher();
    const accountsRepo = new AccountsRepository(db);
    const states = new DeliveryStateService(new DeliveryStateRepository(db), queues);
    const refresher = new CredentialRefreshService(accountsRepo, cipher, new LeasesRepository(db), config);
    accounts = new AccountsService(accountsRepo, cipher, new AccountHoldsService(states), refresher, config);
    health = new AccountHealthService(accounts, accountsRepo, new AccountHealthRepository(db));
  });

  afterAll(async () => {
    await queues?.onModuleDestroy();
    if (redis) await clearQueueStore(redis, prefix);
    await redis?.quit();
    await db?.destroy();
    await m?.close();
  });

  async function account(
    platform: PlatformId,
    credentials: Record<string, string>,
    settings: Record<string, string>,
    over: { status?: string; statusReason?: string; sealedBy?: CredentialCipher } = {},
  ): Promise<AccountRow> {
    const id = randomUUID();
    return db
      .insertInto('accounts')
      .values({
        id,
        platform,
        name: `${platform} account`,
        status: over.status ?? 'active',
        status_reason: over.statusReason ?? null,
        settings: JSON.stringify(settings),
        credentials_enc: (over.sealedBy ?? cipher).encrypt(id, credentials),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** One post with one delivery of `a`; returns both ids. */
  async function delivery(
    a: AccountRow,
    status: DeliveryStatus,
    over: { publishedAt?: Date; text?: string; parts?: string[]; remoteUrl?: string; scheduledAt?: Date } = {},
  ): Promise<{ postId: string; id: string }> {
    const postId = randomUUID();
    const id = randomUUID();
    const scheduledAt = over.scheduledAt ?? over.publishedAt ?? at(-2 * HOUR);
    await db
      .insertInto('posts')
      .values({ id: postId, article_id: null, text: null, scheduled_at: scheduledAt })
      .execute();
    await db
      .insertInto('deliveries')
      .values({
        id,
        post_id: postId,
        account_id: a.id,
        platform: a.platform,
        status,
        text: over.text ?? 'Council approves the new budget',
        parts: over.parts ? JSON.stringify(over.parts) : null,
        scheduled_at: scheduledAt,
        next_attempt_at: scheduledAt,
        published_at: over.publishedAt ?? null,
        remote_id: over.publishedAt ? `r-${id}` : null,
        remote_url: over.remoteUrl ?? null,
      })
      .execute();
    return { postId, id };
  }

  async function attempt(deliveryId: string, n: number, finishedAt: Date, outcome: string, error: string | null) {
    await db
      .insertInto('delivery_attempts')
      .values({
        delivery_id: deliveryId,
        attempt: n,
        started_at: new Date(finishedAt.getTime() - 1000),
        finished_at: finishedAt,
        outcome,
        status_code: outcome === 'published' ? 200 : 400,
        error,
      })
      .execute();
  }

  async function healthOf(...rows: AccountRow[]): Promise<AccountHealth[]> {
    const fresh = await Promise.all(rows.map((r) => accounts.row(r.id)));
    return health.forAccounts(
      fresh,
      fresh.map((r) => accounts.view(r)),
      TZ,
      NOW,
    );
  }

  function countersOf(a: AccountRow) {
    return resolveBudgets(getAdapter(a.platform as PlatformId), accounts.accountRef(a));
  }

  it('last success, last error (secrets removed) and pending counts', async () => {
    const botToken = `123456:${randomBytes(12).toString('hex')}`;
    const tg = await account('telegram', { botToken }, { chatId: '-100123' });
    const quiet = await account('telegram', { botToken: `999:${randomBytes(8).toString('hex')}` }, { chatId: '-1' });
    await delivery(tg, 'published', { publishedAt: at(-3 * HOUR), remoteUrl: 'https://t.me/c/123/1' });
    const latest = await delivery(tg, 'published', { publishedAt: at(-1 * HOUR), remoteUrl: 'https://t.me/c/123/2' });
    // Errors: a transient one, then a permanent one later (the last error), then a published retry (not an error).
    const failed = await delivery(tg, 'failed');
    await attempt(failed.id, 1, at(-50 * 60), 'transient', 'HTTP 502');
    await attempt(failed.id, 2, at(-40 * 60), 'permanent', `Bad Request: chat not found (/bot${botToken}/x)`);
    const retried = await delivery(tg, 'published', { publishedAt: at(-2 * HOUR) });
    await attempt(retried.id, 1, at(-30 * 60), 'published', null);
    for (const s of ['scheduled', 'scheduled', 'retrying', 'publishing', 'held', 'cancelled'] as const) {
      await delivery(tg, s, { scheduledAt: at(HOUR) });
    }

    const [h, q] = await healthOf(tg, quiet);
    expect(h.status).toBe('active');
    expect(h.lastSuccess).toEqual({
      at: at(-1 * HOUR).toISOString(),
      deliveryId: latest.id,
      postId: latest.postId,
      remoteUrl: 'https://t.me/c/123/2',
    });
    expect(h.lastError).toMatchObject({
      at: at(-40 * 60).toISOString(),
      deliveryId: failed.id,
      postId: failed.postId,
      outcome: 'permanent',
      statusCode: 400,
    });
    expect(h.lastError!.message).toContain('Bad Request: chat not found');
    expect(h.lastError!.message).not.toContain(botToken);
    expect(h.pending).toEqual({ scheduled: 2, retrying: 1, publishing: 1, total: 4 });
    expect(h.held).toBe(1);
    expect(h.rateLimit).toBeNull();
    expect(h.cost).toBeNull();

    // An account with nothing yet: all empty, no error.
    expect(q).toMatchObject({ lastSuccess: null, lastError: null, rateLimit: null, held: 0, cost: null });
    expect(q.pending.total).toBe(0);
  });

  it('rate-limit wait: from spent budgets, and from a platform block (which wins when later)', async () => {
    const tg = await account('telegram', { botToken: `777:${randomBytes(12).toString('hex')}` }, { chatId: '-100' });
    // Telegram's chat budget: 20 per minute. 20 spends in the last minute, the oldest 50 s ago → free in 10 s.
    const chat = countersOf(tg).find((b) => b.scope === 'chat' && b.max === 20)!;
    const spends = Array.from({ length: 20 }, (_, i) => ({ key: chat.counter, at: at(-50 + i) }));
    await db.insertInto('budget_spends').values(spends).execute();
    // A spend outside the window does not count; a platform block in the past is over.
    await db
      .insertInto('budget_spends')
      .values({ key: chat.counter, at: at(-120) })
      .execute();
    const bot = countersOf(tg).find((b) => b.scope === 'bot')!;
    await db
      .insertInto('rate_budgets')
      .values({ key: bot.counter, blocked_until: at(-5) })
      .execute();

    const masto = await account(
      'mastodon',
      { accessToken: randomBytes(16).toString('hex') },
      {
        apiBaseUrl: 'https://social.example',
      },
    );
    const [tok] = countersOf(masto);
    await db
      .insertInto('rate_budgets')
      .values({ key: tok.counter, blocked_until: at(15 * 60) })
      .execute();

    let [t, mm] = await healthOf(tg, masto);
    expect(t.rateLimit).toEqual({
      until: at(10).toISOString(),
      by: 'budget',
      scope: 'chat',
      max: 20,
      windowMs: 60_000,
    });
    expect(mm.rateLimit).toEqual({
      until: at(15 * 60).toISOString(),
      by: 'platform',
      scope: 'account',
      max: null,
      windowMs: null,
    });

    // One spend fewer in the window: the chat budget has room, so the account can send now.
    await db.deleteFrom('budget_spends').where('key', '=', chat.counter).where('at', '=', at(-50)).execute();
    [t] = await healthOf(tg);
    expect(t.rateLimit).toBeNull();

    // The platform blocks the bot for longer than any budget: that is the wait.
    await db
      .updateTable('rate_budgets')
      .set({ blocked_until: at(90) })
      .where('key', '=', bot.counter)
      .execute();
    [t] = await healthOf(tg);
    expect(t.rateLimit).toEqual({
      until: at(90).toISOString(),
      by: 'platform',
      scope: 'bot',
      max: null,
      windowMs: null,
    });
  });

  it('X: posts of the last 24 hours and of today against the cap, their estimated cost, and the cap as a wait', async () => {
    const creds = {
      appKey: randomBytes(8).toString('hex'),
      appSecret: randomBytes(8).toString('hex'),
      accessToken: randomBytes(8).toString('hex'),
      accessSecret: randomBytes(8).toString('hex'),
    };
    const x = await account('x', creds, { apiBaseUrl: 'https://api.x.example', maxPostsPerDay: '3' });
    // Today in Berlin (since 23:00Z): a post with a link and a two-post thread (one post of it with a link).
    await delivery(x, 'published', { publishedAt: at(-2 * HOUR), text: 'Budget passed https://news.example/a' });
    await delivery(x, 'published', {
      publishedAt: at(-3 * HOUR),
      text: 'A long story, part 1',
      parts: ['A long story, part 1', 'part 2: https://news.example/b'],
    });
    // Yesterday in Berlin but within 24 h: a post without a link. The oldest of the 3 in the window.
    await delivery(x, 'published', { publishedAt: at(-20 * HOUR), text: 'Plain words, no link' });
    // Older than 24 h, a failed one and one of another account: not counted.
    await delivery(x, 'published', { publishedAt: at(-30 * HOUR), text: 'https://news.example/old' });
    await delivery(x, 'failed', { text: 'https://news.example/failed' });
    const other = await account('x', { ...creds, accessToken: 'other-token' }, { apiBaseUrl: 'https://api.x.example' });
    await delivery(other, 'published', { publishedAt: at(-HOUR), text: 'Elsewhere https://news.example/c' });

    const [h, o] = await healthOf(x, other);
    expect(h.cost).toEqual({
      cap: 3,
      perPostUsd: 0.015,
      perPostWithUrlUsd: 0.2,
      last24h: { published: 3, posts: 4, postsWithUrl: 2, estimatedUsd: 0.43 },
      today: { since: '2026-12-08T23:00:00.000Z', published: 2, posts: 3, postsWithUrl: 2, estimatedUsd: 0.415 },
    });
    // At the cap: the next post waits until the oldest of the three leaves the 24 hours (as PublishService does).
    expect(h.rateLimit).toEqual({
      until: new Date(at(-20 * HOUR).getTime() + 24 * HOUR * 1000 + 1000).toISOString(),
      by: 'daily-cap',
      scope: 'account',
      max: 3,
      windowMs: 24 * HOUR * 1000,
    });
    expect(o.cost).toMatchObject({
      cap: null,
      last24h: { published: 1, posts: 1, postsWithUrl: 1, estimatedUsd: 0.2 },
    });
    expect(o.rateLimit).toBeNull();
  });

  it('an account whose credentials no key opens, or that needs re-authentication: status and reason, secrets removed', async () => {
    const lost = await account('telegram', { botToken: '1:abc' }, { chatId: '-1' }, { sealedBy: testCipher() });
    const token = randomBytes(16).toString('hex');
    const held = await account(
      'mastodon',
      { accessToken: token },
      { apiBaseUrl: 'https://social.example' },
      { status: 'reauth_required', statusReason: `401 The access token is invalid (Bearer ${token})` },
    );
    await delivery(held, 'held');
    const [l, h] = await healthOf(lost, held);
    expect(l.status).toBe('reauth_required');
    expect(l.statusReason).toMatch(/do not decrypt|CRIER_SECRET_KEY/);
    expect(h).toMatchObject({ status: 'reauth_required', held: 1 });
    expect(h.statusReason).toContain('The access token is invalid');
    expect(h.statusReason).not.toContain(token);
  });

  it('the list reads every account in the same two statements, however many there are', async () => {
    const count = async () => {
      statements.length = 0;
      const list = await health.list(TZ);
      return { accounts: list.length, statements: statements.length, list };
    };
    const before = await count();
    for (let i = 0; i < 5; i++) {
      const a = await account('telegram', { botToken: `${i}:${randomBytes(8).toString('hex')}` }, { chatId: `-${i}` });
      await delivery(a, 'scheduled', { scheduledAt: at(HOUR) });
    }
    const after = await count();
    expect(after.accounts).toBe(before.accounts + 5);
    expect(after.statements).toBe(2);
    expect(before.statements).toBe(2);
    expect(after.list.every((a) => a.health && typeof a.health.pending.total === 'number')).toBe(true);
    // The view itself never carries a secret in the health part.
    expect(JSON.stringify(after.list.map((a) => a.health))).not.toMatch(/[0-9]:[0-9a-f]{16}/);
  });

  it('refuses a time zone it does not know, naming the field', async () => {
    const [row] = await db.selectFrom('accounts').selectAll().limit(1).execute();
    await expect(health.get(row.id, 'Mars/Olympus')).rejects.toThrow(/timezone must be an IANA time zone/);
  });
});
