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
import { PausesRepository } from '../../src/pauses/pauses.repository';
import { PausesService } from '../../src/pauses/pauses.service';
import { AccountHoldsService } from '../../src/posts/account-holds.service';
import { DeliveryStateRepository } from '../../src/posts/delivery-state.repository';
import { DeliveryStateService } from '../../src/posts/delivery-state.service';
import { PostsRepository } from '../../src/posts/posts.repository';
import { BudgetsRepository } from '../../src/publishing/budgets.repository';
import { PublishService } from '../../src/publishing/publish.service';
import { SweepService } from '../../src/publishing/sweep.service';
import { QueueService } from '../../src/queue/queue.service';
import { RetentionRepository } from '../../src/retention/retention.repository';
import { RetentionService } from '../../src/retention/retention.service';
import { DEFAULT_CHAT, TelegramFake } from '../fakes/telegram.fake';
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
 * Pauses against real Postgres + Redis and the fake Telegram: the claim (crier_claim) refuses what an active pause
 * covers, whichever path the worker takes; a resume applies the missed rule through the state machine and gives
 * the released accounts their jobs; overlapping pauses release only what no other pause still covers.
 */
describe('pauses (medium)', () => {
  let m: MediumDb;
  let redis: Redis;
  let tg: TelegramFake;
  let posts: PostsRepository;
  let cipher: CredentialCipher;
  let prefix: string;
  let config: AppConfig;
  let queues: QueueService;
  let states: DeliveryStateService;
  let publish: PublishService;
  let pauses: PausesService;
  let sweep: SweepService;

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
    await m.db.deleteFrom('budget_spends').execute();
    await m.db.deleteFrom('rate_budgets').execute();
    await m.db.deleteFrom('pauses').execute();
    await m.db.deleteFrom('deliveries').execute();
    await m.db.deleteFrom('leases').execute();
    prefix = uniquePrefix('pauses');
    config = mediumConfig(prefix, { CRIER_JOB_LOCK_MS: '1000' });
    queues = new QueueService(config, mediumQueue(redis, m.url));
    states = new DeliveryStateService(new DeliveryStateRepository(m.db), queues);
    const accountsRepo = new AccountsRepository(m.db);
    const refresher = new CredentialRefreshService(accountsRepo, cipher, new LeasesRepository(m.db), config);
    const accounts = new AccountsService(accountsRepo, cipher, new AccountHoldsService(states), refresher, config);
    publish = new PublishService(posts, states, accountsRepo, accounts, refresher, new MetricsService(), config);
    const pausesRepo = new PausesRepository(m.db);
    pauses = new PausesService(pausesRepo, accountsRepo, states);
    const retention = new RetentionService(new RetentionRepository(m.db), config);
    sweep = new SweepService(
      states,
      queues,
      new LeasesRepository(m.db),
      new BudgetsRepository(m.db),
      config,
      retention,
      pausesRepo,
    );
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

  /** A Telegram account on the fake. */
  async function account(name = 'Newsroom channel'): Promise<AccountRow> {
    const id = randomUUID();
    return m.db
      .insertInto('accounts')
      .values({
        id,
        platform: 'telegram',
        name,
        status: 'active',
        settings: JSON.stringify({ chatId: String(DEFAULT_CHAT.id), apiBaseUrl: tg.baseUrl }),
        credentials_enc: cipher.encrypt(id, { botToken: tg.botToken }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  const deliveryAt = async (a: AccountRow, at: Date) =>
    (await insertPostWith(posts, at, [{ account: a }])).deliveryIds[0];
  const due = (a: AccountRow) => deliveryAt(a, seconds(-1));
  const row = async (id: string) => (await posts.findDelivery(id))!;
  const hasJob = (id: string) => queues.hasJob({ id, platform: 'telegram' });
  const NOT_TURN = { kind: 'done', note: 'not its turn: the account is busy or an earlier delivery goes first' };

  it('a paused account: its due delivery is not claimed, by the fast path or the full one; others go on', async () => {
    const paused = await account();
    const other = await account('Other channel');
    // The worker knows the account (its cache): the next job of the account claims without reading first.
    expect(await publish.run(await due(paused), paused.id)).toMatchObject({ kind: 'done', note: 'published' });
    await pauses.create({ scope: 'account', target: paused.id, reason: 'legal review' });

    const waiting = await due(paused);
    expect(await publish.run(waiting, paused.id)).toEqual(NOT_TURN);
    expect(await publish.run(waiting)).toEqual(NOT_TURN);
    expect(await row(waiting)).toMatchObject({ status: 'scheduled', attempts: 0, claim_token: null });
    expect(tg.messages).toHaveLength(1);
    // Another account goes on (the claim alone: both accounts post to the fake's one chat, whose budget is spent).
    expect((await states.claim({ id: await due(other) }, { budgets: [], units: 1 }, 1000)).kind).toBe('claimed');

    // It says why it waits; a delivery of another account does not.
    const active = await pauses.activeSet();
    expect(active.waitingFor({ status: 'scheduled', platform: 'telegram', accountId: paused.id })).toMatchObject({
      kind: 'pause',
      scope: 'account',
      reason: 'legal review',
    });
    expect(active.waitingFor({ status: 'scheduled', platform: 'telegram', accountId: other.id })).toBeNull();
    expect(active.waitingFor({ status: 'failed', platform: 'telegram', accountId: paused.id })).toBeNull();
  });

  it('a paused platform stops every account of it, and only of it; pausing everything stops all', async () => {
    const a = await account();
    const masto = await insertAccount(m.db, cipher, { platform: 'mastodon' });
    const tgPause = await pauses.create({ scope: 'platform', target: 'telegram', reason: 'Telegram outage' });
    const id = await due(a);
    expect(await publish.run(id)).toEqual(NOT_TURN);
    expect(tg.messages).toHaveLength(0);
    // The claim itself (no budgets): the Mastodon delivery is not covered.
    const mastoDelivery = (await insertPostWith(posts, seconds(-1), [{ account: masto }])).deliveryIds[0];
    const claimed = await states.claim({ id: mastoDelivery }, { budgets: [], units: 1 }, 1000);
    expect(claimed.kind).toBe('claimed');

    await pauses.resume(tgPause.id);
    await pauses.create({ scope: 'all', reason: 'stop everything' });
    const another = (await insertPostWith(posts, seconds(-1), [{ account: masto }])).deliveryIds[0];
    // The Mastodon account's first delivery is still publishing: finish it so this one's turn could come.
    await m.db.updateTable('deliveries').set({ status: 'published' }).where('id', '=', mastoDelivery).execute();
    expect((await states.claim({ id: another }, { budgets: [], units: 1 }, 1000)).kind).toBe('not-turn');
    expect(await publish.run(id)).toEqual(NOT_TURN);
  });

  it('resume with send: the waiting delivery gets its job back and publishes', async () => {
    const a = await account();
    const pause = await pauses.create({ scope: 'account', target: a.id, reason: 'maintenance' });
    const id = await due(a);
    expect(await publish.run(id)).toEqual(NOT_TURN);
    // Its job ended; it waits without one (nothing wakes up only to wait).
    expect(await hasJob(id)).toBe(false);

    const resumed = await pauses.resume(pause.id);
    expect(resumed).toMatchObject({ active: false, outcome: { sent: 1, skipped: 0, held: 0 } });
    expect(resumed.resumedAt).not.toBeNull();
    expect(await hasJob(id)).toBe(true);
    expect(await publish.run(id)).toMatchObject({ kind: 'done', note: 'published' });
    expect(tg.messages).toHaveLength(1);
    expect(await pauses.active()).toEqual([]);
    // Resuming again answers the ended pause as it ended.
    expect(await pauses.resume(pause.id)).toEqual(resumed);
  });

  it('resume with skip: missed deliveries older than the age are skipped with the reason; the rest go out', async () => {
    const a = await account();
    const pause = await pauses.create({
      scope: 'account',
      target: a.id,
      reason: 'bad feed',
      missed: 'skip',
      skipOlderThanMinutes: 60,
    });
    const old = await deliveryAt(a, seconds(-2 * 3600));
    const recent = await deliveryAt(a, seconds(-60));
    const later = await deliveryAt(a, seconds(3600));

    const resumed = await pauses.resume(pause.id);
    expect(resumed.outcome).toEqual({ sent: 1, skipped: 1, held: 0 });
    expect(await row(old)).toMatchObject({ status: 'skipped', error: 'missed while paused: bad feed' });
    expect(await row(recent)).toMatchObject({ status: 'scheduled' });
    expect(await row(later)).toMatchObject({ status: 'scheduled' });
    // The account's head (the recent one) has its job; the later one waits for its turn.
    expect(await hasJob(recent)).toBe(true);
    expect(await publish.run(recent)).toMatchObject({ kind: 'done', note: 'published' });
  });

  it('resume with hold: missed deliveries are held with the reason, and a person releases them with retry', async () => {
    const a = await account();
    const pause = await pauses.create({ scope: 'account', target: a.id, reason: 'wrong text', missed: 'hold' });
    const first = await deliveryAt(a, seconds(-120));
    const second = await due(a);
    const notYet = await deliveryAt(a, seconds(3600));

    expect((await pauses.resume(pause.id)).outcome).toEqual({ sent: 0, skipped: 0, held: 2 });
    for (const id of [first, second]) {
      expect(await row(id)).toMatchObject({ status: 'held', error: 'missed while paused: wrong text' });
      expect(await hasJob(id)).toBe(false);
    }
    // Not due yet: it did not miss anything, and keeps its place (with its job at its time, as the head).
    expect(await row(notYet)).toMatchObject({ status: 'scheduled' });
    expect(await hasJob(notYet)).toBe(true);

    const [released] = await states.apply('userRetry', { ids: [second] }, { set: () => ({ error: null }) });
    expect(released.status).toBe('scheduled');
    expect(await publish.run(second)).toMatchObject({ kind: 'done', note: 'published' });
    expect(await row(first)).toMatchObject({ status: 'held' });
  });

  it('overlapping pauses: resuming one releases only what no other active pause covers', async () => {
    const a = await account();
    const b = await account('Second channel');
    const ofA = await pauses.create({ scope: 'account', target: a.id, reason: 'a only', missed: 'hold' });
    const everything = await pauses.create({ scope: 'all', reason: 'everything', missed: 'send' });
    const dueA = await due(a);
    const dueB = await due(b);

    // Still covered by the pause of everything: the account pause's hold does not touch it.
    expect((await pauses.resume(ofA.id)).outcome).toEqual({ sent: 0, skipped: 0, held: 0 });
    expect(await row(dueA)).toMatchObject({ status: 'scheduled' });
    expect(await publish.run(dueA)).toEqual(NOT_TURN);
    expect((await pauses.activeSet()).covering({ platform: 'telegram', accountId: a.id })?.id).toBe(everything.id);

    const again = await pauses.create({ scope: 'account', target: b.id, reason: 'b too', missed: 'hold' });
    // Everything resumes: A goes out; B stays, still paused by its own pause.
    expect((await pauses.resume(everything.id)).outcome).toEqual({ sent: 1, skipped: 0, held: 0 });
    expect(await hasJob(dueA)).toBe(true);
    expect(await publish.run(dueA)).toMatchObject({ kind: 'done', note: 'published' });
    expect(await publish.run(dueB)).toEqual(NOT_TURN);
    expect((await pauses.resume(again.id)).outcome).toEqual({ sent: 0, skipped: 0, held: 1 });
    expect(await row(dueB)).toMatchObject({ status: 'held', error: 'missed while paused: b too' });
  });

  it('the sweep gives no job to a paused account head, and does to the others', async () => {
    const paused = await account();
    const other = await account('Other channel');
    await pauses.create({ scope: 'account', target: paused.id });
    const waiting = await due(paused);
    const free = await due(other);
    expect(await sweep.sweepOnce()).toBe(1);
    expect(await hasJob(free)).toBe(true);
    expect(await hasJob(waiting)).toBe(false);
  });

  it('history: ended pauses are kept with what their resume did', async () => {
    const a = await account();
    const p = await pauses.create({ scope: 'account', target: a.id, reason: 'x' });
    await pauses.resume(p.id);
    await pauses.create({ scope: 'platform', target: 'telegram' });
    expect((await pauses.list()).map((x) => x.scope)).toEqual(['platform']);
    const all = await pauses.list(true);
    expect(all.map((x) => [x.scope, x.active])).toEqual([
      ['platform', true],
      ['account', false],
    ]);
    expect(all[1]).toMatchObject({ targetName: 'Newsroom channel', outcome: { sent: 0, skipped: 0, held: 0 } });
    expect(all[0]).toMatchObject({ targetName: 'Telegram', missed: 'send', skipOlderThanMinutes: null });
  });
});
