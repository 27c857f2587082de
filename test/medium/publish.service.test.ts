import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AccountsRepository } from '../../src/accounts/accounts.repository';
import { AccountsService } from '../../src/accounts/accounts.service';
import { CredentialCipher } from '../../src/accounts/credential-cipher';
import { CredentialRefreshService } from '../../src/accounts/credential-refresh.service';
import type { AppConfig } from '../../src/config/config';
import { LeasesRepository } from '../../src/database/leases.repository';
import type { AccountRow } from '../../src/database/schema';
import { MetricsService } from '../../src/health/metrics.service';
import { getAdapter } from '../../src/platforms/platform.registry';
import { AccountHoldsService } from '../../src/posts/account-holds.service';
import { DeliveryStateRepository } from '../../src/posts/delivery-state.repository';
import { DeliveryStateService } from '../../src/posts/delivery-state.service';
import { PostsRepository } from '../../src/posts/posts.repository';
import { resolveBudgets } from '../../src/publishing/budgets';
import { PublishService } from '../../src/publishing/publish.service';
import { QueueService } from '../../src/queue/queue.service';
import { DEFAULT_CHAT, TelegramFake } from '../fakes/telegram.fake';
import { waitFor } from '../support/wait';
import {
  clearQueueStore,
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
 * PublishService's decisions against real Postgres + Redis and the fake Telegram: what one job run does with a
 * delivery for each platform answer, under its claim and within its budgets.
 */
describe('PublishService.run (medium)', () => {
  let m: MediumDb;
  let redis: Redis;
  let tg: TelegramFake;
  let posts: PostsRepository;
  let cipher: CredentialCipher;
  let prefix: string;
  let config: AppConfig;
  let queues: QueueService;
  let states: DeliveryStateService;
  let accounts: AccountsService;
  let publish: PublishService;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    m = await mediumDb();
    redis = mediumRedis();
    tg = await TelegramFake.start();
    posts = new PostsRepository(m.db);
    cipher = testCipher();
  });

  beforeEach(async () => {
    tg.reset();
    // Every test's accounts post to the fake's one chat with its one bot: each test starts with fresh budgets.
    await m.db.deleteFrom('budget_spends').execute();
    await m.db.deleteFrom('rate_budgets').execute();
    prefix = uniquePrefix('publish');
    config = mediumConfig(prefix, { CRIER_JOB_LOCK_MS: '1000', CRIER_MAX_ATTEMPTS: '3' });
    queues = new QueueService(config, mediumQueue(redis, m.url));
    states = new DeliveryStateService(new DeliveryStateRepository(m.db), queues);
    const accountsRepo = new AccountsRepository(m.db);
    const refresher = new CredentialRefreshService(accountsRepo, cipher, new LeasesRepository(m.db), config);
    accounts = new AccountsService(accountsRepo, cipher, new AccountHoldsService(states), refresher, config);
    publish = new PublishService(posts, states, accountsRepo, accounts, refresher, new MetricsService(), config);
  });

  afterEach(async () => {
    await queues.onModuleDestroy();
    await clearQueueStore(redis, prefix);
  });

  afterAll(async () => {
    await tg?.stop();
    await redis?.quit();
    await m?.close();
  });

  /** A Telegram account on the fake (its own row, so budgets and turns are its own). */
  async function account(): Promise<AccountRow> {
    const id = randomUUID();
    return m.db
      .insertInto('accounts')
      .values({
        id,
        platform: 'telegram',
        name: 'Newsroom channel',
        status: 'active',
        settings: JSON.stringify({ chatId: String(DEFAULT_CHAT.id), apiBaseUrl: tg.baseUrl }),
        credentials_enc: cipher.encrypt(id, { botToken: tg.botToken }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  const due = async (a: AccountRow) => (await insertPostWith(posts, seconds(-1), [{ account: a }])).deliveryIds[0];
  const row = async (id: string) => (await posts.findDelivery(id))!;
  const sendMessage = 'sendMessage';

  it('published: the post is out, the delivery and the attempt say so, and the budget is spent', async () => {
    const a = await account();
    const id = await due(a);
    expect(await publish.run(id)).toEqual({ kind: 'done', note: 'published' });
    expect(tg.messages).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: 'published', attempts: 1, remote_id: expect.any(String) });
    expect((await posts.attemptsOf(id)).map((x) => x.outcome)).toEqual(['published']);
    const counters = resolveBudgets(getAdapter('telegram'), accounts.accountRef(a)).map((b) => b.counter);
    const spends = await m.db.selectFrom('budget_spends').selectAll().where('key', 'in', counters).execute();
    expect(spends.map((x) => x.key).sort()).toEqual([...new Set(counters)].sort());
    // Stamped when the platform answered (it counts arrivals), not when the claim was taken.
    const attempt = (await posts.attemptsOf(id))[0];
    for (const x of spends) expect(x.at.getTime()).toBeGreaterThanOrEqual(attempt.started_at.getTime());
  });

  it('a permanent refusal fails the delivery and the job, with the reason', async () => {
    const id = await due(await account());
    tg.failNext(sendMessage, {
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: message is too long' },
    });
    const out = await publish.run(id);
    expect(out.kind).toBe('failed');
    expect(out.kind === 'failed' && out.reason).toContain('message is too long');
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it("a 429 moves this chat's budget, not the platform's: the job comes back when Telegram said", async () => {
    const a = await account();
    const id = await due(a);
    tg.failNext(sendMessage, {
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 7',
        parameters: { retry_after: 7 },
      },
    });
    const before = Date.now();
    const out = await publish.run(id);
    expect(out.kind).toBe('later');
    const runAt = out.kind === 'later' ? out.runAt.getTime() : 0;
    expect(runAt).toBeGreaterThanOrEqual(before + 7000);
    expect(runAt).toBeLessThan(Date.now() + 8000);
    expect(await row(id)).toMatchObject({ status: 'retrying', attempts: 0 });
    const blocked = await m.db.selectFrom('rate_budgets').selectAll().where('blocked_until', 'is not', null).execute();
    // The chat's counter is blocked until then; the bot's is not (other chats of the bot go on).
    expect(blocked.map((b) => b.key.split(':')[0])).toEqual(['chat']);
    expect(blocked[0].blocked_until!.getTime()).toBe(runAt);
    // Refused for its rate, the publish did not count: its spends were refunded.
    expect(await m.db.selectFrom('budget_spends').selectAll().execute()).toEqual([]);

    // Another delivery to the same chat now waits for that time too, without sending or spending anything.
    const other = await due(a);
    await m.db
      .updateTable('deliveries')
      .set({ next_attempt_at: seconds(-5) })
      .where('id', '=', other)
      .execute();
    const waited = await publish.run(other);
    expect(waited.kind).toBe('later');
    expect(waited.kind === 'later' && waited.runAt.getTime()).toBe(runAt);
    expect(tg.messages).toHaveLength(0);
  });

  it('a spent budget delays the job to the moment there is room, claiming and sending nothing', async () => {
    const a = await account();
    const budgets = resolveBudgets(getAdapter('telegram'), accounts.accountRef(a));
    const tightest = budgets.reduce((x, y) => (x.windowMs > y.windowMs ? x : y));
    const oldest = new Date(Date.now() - 1000);
    await m.db
      .insertInto('budget_spends')
      .values(Array.from({ length: tightest.max }, () => ({ key: tightest.counter, at: oldest })))
      .execute();
    const id = await due(a);
    const out = await publish.run(id);
    expect(out).toEqual({
      kind: 'later',
      runAt: new Date(oldest.getTime() + tightest.windowMs),
      note: "waiting for the account's rate budget",
    });
    expect(await row(id)).toMatchObject({ status: 'scheduled', claim_token: null });
    expect(tg.messages).toHaveLength(0);
  });

  it("not its turn: a delivery behind the account's running one ends its job without sending", async () => {
    const a = await account();
    const first = await due(a);
    const second = await due(a);
    tg.failNext(sendMessage, { delayMs: 1500 });
    const running = publish.run(first);
    await waitFor(async () => (await row(first)).status === 'publishing', { timeoutMs: 5000 });
    expect((await publish.run(second)).kind).toBe('done');
    expect(await row(second)).toMatchObject({ status: 'scheduled' });
    expect(await running).toEqual({ kind: 'done', note: 'published' });
    expect(tg.messages).toHaveLength(1);
  });

  it("fencing: a worker whose claim was taken over cannot write its late result over its successor's", async () => {
    const id = await due(await account());
    tg.failNext(sendMessage, { delayMs: 1500 });
    const running = publish.run(id);
    await waitFor(async () => (await posts.attemptsOf(id)).length === 1, { timeoutMs: 5000 });
    // Another worker took the delivery over (as after this one froze past its lease) and holds it now.
    const successor = randomUUID();
    await m.db.updateTable('deliveries').set({ claim_token: successor }).where('id', '=', id).execute();
    const out = await running;
    expect(out.kind === 'done' && out.note).toMatch(/claim lost/);
    expect(await row(id)).toMatchObject({ status: 'publishing', claim_token: successor, remote_id: null });
  });

  it('a worker that knows the account claims its next delivery at once, and still sees every change to it', async () => {
    const a = await account();
    // Telegram allows one message a second in a chat: this test is about the account, not the budget.
    const run = async (id: string) => {
      await m.db.deleteFrom('budget_spends').execute();
      return publish.run(id, a.id);
    };
    // The first run reads the account; the next ones claim with the copy it kept (the job carries the account id).
    expect(await run(await due(a))).toEqual({ kind: 'done', note: 'published' });
    expect(await run(await due(a))).toEqual({ kind: 'done', note: 'published' });
    expect(tg.messages).toHaveLength(2);

    // New credentials (here a token Telegram refuses): the kept copy no longer claims; the new token is used.
    await m.db
      .updateTable('accounts')
      .set({ credentials_enc: cipher.encrypt(a.id, { botToken: '42:not-the-bot' }) })
      .where('id', '=', a.id)
      .execute();
    const refused = await due(a);
    const out = await run(refused);
    expect(out.kind).toBe('failed');
    expect(await row(refused)).toMatchObject({ status: 'held' });
    expect(tg.messages).toHaveLength(2);

    // Put right and then disabled: the worker does not publish for a disabled account it had kept.
    await m.db
      .updateTable('accounts')
      .set({ credentials_enc: cipher.encrypt(a.id, { botToken: tg.botToken }), status: 'active' })
      .where('id', '=', a.id)
      .execute();
    await m.db.updateTable('deliveries').set({ status: 'cancelled' }).where('id', '=', refused).execute();
    expect(await run(await due(a))).toEqual({ kind: 'done', note: 'published' });
    await m.db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', a.id).execute();
    const off = await due(a);
    expect(await run(off)).toEqual({ kind: 'failed', reason: 'account is disabled' });
    expect(await row(off)).toMatchObject({ status: 'held' });
    expect(tg.messages).toHaveLength(3);
  });

  it('a held account holds the delivery and fails its job with the reason', async () => {
    const a = await account();
    await m.db
      .updateTable('accounts')
      .set({ status: 'reauth_required', status_reason: 'bot was kicked' })
      .where('id', '=', a.id)
      .execute();
    const id = await due(a);
    expect(await publish.run(id)).toEqual({
      kind: 'failed',
      reason: 'account needs re-authentication: bot was kicked',
    });
    expect(await row(id)).toMatchObject({ status: 'held' });
  });

  it('a delivery left publishing by a dead worker is settled only after its lease: Telegram cannot be read, so unconfirmed', async () => {
    const id = await due(await account());
    await m.db
      .updateTable('deliveries')
      .set({
        status: 'publishing',
        claim_token: randomUUID(),
        claimed_until: seconds(30),
        first_attempt_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    await posts.startAttempt(id, 1, new Date());
    const early = await publish.run(id);
    expect(early.kind).toBe('later'); // a live worker may still hold it
    await m.db
      .updateTable('deliveries')
      .set({ claimed_until: seconds(-1) })
      .where('id', '=', id)
      .execute();
    const out = await publish.run(id);
    expect(out.kind).toBe('failed');
    expect(await row(id)).toMatchObject({ status: 'unconfirmed' });
    expect((await posts.attemptsOf(id)).map((x) => x.outcome)).toEqual(['interrupted']);
    expect(tg.messages).toHaveLength(0); // never a blind re-send
  });
});
