import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { AppConfig } from '../../src/config/config';
import { DeliveryStateRepository } from '../../src/posts/delivery-state.repository';
import { DeliveryStateService } from '../../src/posts/delivery-state.service';
import { PostsRepository } from '../../src/posts/posts.repository';
import { QueueService } from '../../src/queue/queue.service';
import { RetentionRepository } from '../../src/retention/retention.repository';
import { RetentionService } from '../../src/retention/retention.service';
import { MAX_SENDS } from '../../src/webhooks/webhook-retry';
import { WebhookSenderService } from '../../src/webhooks/webhook-sender.service';
import { verify } from '../../src/webhooks/webhook-signature';
import { WebhookWorker } from '../../src/webhooks/webhook.worker';
import { WebhooksRepository } from '../../src/webhooks/webhooks.repository';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { waitFor } from '../support/wait';
import {
  deletePrefixKeys,
  insertAccount,
  insertPostWith,
  mediumConfig,
  mediumDb,
  MediumDb,
  mediumQueue,
  mediumRedis,
  seconds,
  testCipher,
  uniquePrefix,
} from './medium-env';

const FREE = { budgets: [], units: 1 };
const LEASE = 30_000;

/** A receiver that answers with the next status of `script` (then 200), recording every request. */
async function receiver(script: number[] = []) {
  const requests: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      res.statusCode = script.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, requests, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The outbox (migration 0016) against real Postgres and Redis: rows with the transitions, the sends, the disable. */
describe('webhooks (medium)', () => {
  let m: MediumDb;
  let redis: Redis;
  let posts: PostsRepository;
  let prefix: string;
  let config: AppConfig;
  let queues: QueueService;
  let states: DeliveryStateService;
  let repo: WebhooksRepository;
  let service: WebhooksService;
  const cipher = testCipher();

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    m = await mediumDb();
    redis = mediumRedis();
    posts = new PostsRepository(m.db);
    repo = new WebhooksRepository(m.db);
  });

  beforeEach(async () => {
    prefix = uniquePrefix('webhooks');
    config = mediumConfig(prefix, { CRIER_FEEDS_ALLOW_PRIVATE: 'true', CRIER_WEBHOOKS_RETRY_BASE_MS: '20' });
    queues = new QueueService(config, mediumQueue(redis, m.url));
    states = new DeliveryStateService(new DeliveryStateRepository(m.db), queues);
    service = new WebhooksService(repo, cipher, config);
    await sql`delete from webhooks`.execute(m.db);
  });

  afterEach(async () => {
    await queues.onModuleDestroy();
    await deletePrefixKeys(redis, prefix);
  });

  afterAll(async () => {
    await redis?.quit();
    await m?.close();
  });

  const messages = () =>
    m.db.selectFrom('webhook_messages').selectAll().orderBy('created_at').orderBy('event').execute();
  const claimed = async (id: string) => {
    const r = await states.claim((await posts.findDelivery(id))!, FREE, LEASE);
    if (r.kind !== 'claimed') throw new Error(`expected a claim of ${id}, got ${r.kind}`);
    return r;
  };

  it('the batched publish settle and a fail settle write their messages in their own statement; a lost claim none', async () => {
    const hook = await service.create({
      url: 'http://127.0.0.1:9/hook',
      events: ['delivery.published', 'delivery.failed', 'post.partially_published'],
    });
    const other = await service.create({ url: 'http://127.0.0.1:9/other', events: ['delivery.held'] });
    const a = await insertAccount(m.db, cipher, { name: 'Channel A' });
    const b = await insertAccount(m.db, cipher, { name: 'Channel B' });
    const {
      postId,
      deliveryIds: [d1, d2],
    } = await insertPostWith(posts, seconds(-5), [{ account: a }, { account: b }]);

    const c1 = await claimed(d1);
    const c2 = await claimed(d2);
    const at = new Date();
    await states.settlePublished({
      id: d1,
      token: c1.token,
      attempts: 1,
      remoteId: '42',
      remoteUrl: 'https://t.me/c/42',
      at,
      attempt: null,
      spends: { counters: [], claimedAt: c1.at },
    });
    // A settle under a lost claim writes nothing, so it emits nothing.
    expect(await states.settle('fail', { id: d2 }, '00000000-0000-0000-0000-000000000000', () => ({}), {})).toBe(
      undefined,
    );
    await states.settle('fail', { id: d2 }, c2.token, () => ({ error: 'Validation failed' }), {});

    const rows = await messages();
    expect(rows.map((r) => [r.event, r.webhook_id])).toEqual([
      ['delivery.published', hook.id],
      ['delivery.failed', hook.id],
    ]);
    expect(rows[0].id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(rows[0].facts).toMatchObject({
      deliveryId: d1,
      postId,
      accountName: 'Channel A',
      status: 'published',
      remoteUrl: 'https://t.me/c/42',
    });
    expect(rows[1].facts).toMatchObject({ deliveryId: d2, status: 'failed', reason: 'Validation failed' });
    expect(JSON.stringify(rows)).not.toContain(a.credentials_enc);
    expect(rows.some((r) => r.webhook_id === other.id)).toBe(false);

    // The post event comes from the post check after commit, once however often it is checked.
    expect(await repo.runPostChecks(100, new Date())).toBe(2);
    await sql`insert into webhook_post_checks (post_id) values (${postId})`.execute(m.db);
    await repo.runPostChecks(100, new Date());
    const post = (await messages()).filter((r) => r.event.startsWith('post.'));
    expect(post).toHaveLength(1);
    expect(post[0]).toMatchObject({
      event: 'post.partially_published',
      dedupe_key: `post.partially_published:${postId}`,
    });
  });

  it('a transition that rolls back leaves no message; account and feed changes emit theirs', async () => {
    const hook = await service.create({
      url: 'http://127.0.0.1:9/hook',
      events: ['delivery.held', 'account.reauth_required', 'account.restored', 'feed.failing', 'feed.recovered'],
    });
    const a = await insertAccount(m.db, cipher);
    const {
      deliveryIds: [d1],
    } = await insertPostWith(posts, seconds(60), [{ account: a }]);
    await expect(
      states.apply('hold', { ids: [d1] }, { also: () => Promise.reject(new Error('boom')) }),
    ).rejects.toThrow('boom');
    expect(await messages()).toHaveLength(0);

    await m.db
      .updateTable('accounts')
      .set({ status: 'reauth_required', status_reason: 'token revoked' })
      .where('id', '=', a.id)
      .execute();
    await m.db.updateTable('accounts').set({ status: 'active' }).where('id', '=', a.id).execute();
    // A feed is failing from its third failed poll in a row, and recovered at the next good one.
    const feedId = randomUUID();
    await m.db
      .insertInto('feeds')
      .values({
        id: feedId,
        url: 'https://news.example/feed',
        fetch_url: 'https://news.example/feed',
        kind: 'rss',
        account_ids: JSON.stringify([a.id]),
        delay_seconds: 0,
        spacing_seconds: 120,
        backfill: false,
        next_poll_at: new Date(),
      })
      .execute();
    for (const failures of [1, 2, 3, 4, 0, 1]) {
      await m.db
        .updateTable('feeds')
        .set({ failures, last_error: failures ? 'the feed answered 500' : null })
        .where('id', '=', feedId)
        .execute();
    }
    const rows = await messages();
    expect(rows.map((r) => r.event)).toEqual([
      'account.reauth_required',
      'account.restored',
      'feed.failing',
      'feed.recovered',
    ]);
    expect(rows[2].facts).toMatchObject({ feedId, failures: 3, reason: 'the feed answered 500' });
    expect(rows[0].facts).toMatchObject({ accountId: a.id, reason: 'token revoked' });
    expect(rows.every((r) => r.webhook_id === hook.id)).toBe(true);
  });

  it('sends through the queue: same id and body on every retry, a valid signature, retried on the schedule', async () => {
    const r = await receiver([500, 503]);
    const hook = await service.create({ url: r.url, events: ['delivery.held'] });
    const a = await insertAccount(m.db, cipher);
    const {
      deliveryIds: [d1],
    } = await insertPostWith(posts, seconds(60), [{ account: a }]);
    await states.apply('hold', { ids: [d1] });

    const worker = new WebhookWorker(
      repo,
      new WebhookSenderService(repo, cipher, config),
      mediumQueue(redis, m.url),
      config,
    );
    worker.onModuleInit();
    try {
      await waitFor(async () => r.requests.length >= 3, { what: 'three sends', timeoutMs: 15_000 });
      const [msg] = await messages();
      await waitFor(async () => (await messages())[0].status === 'delivered', { what: 'delivered' });
      expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([msg.id]));
      expect(new Set(r.requests.map((q) => q.body)).size).toBe(1);
      for (const q of r.requests) {
        const h = {
          id: String(q.headers['webhook-id']),
          timestamp: String(q.headers['webhook-timestamp']),
          signature: String(q.headers['webhook-signature']),
        };
        expect(verify(hook.secret, h, q.body)).toBe(true);
      }
      expect(JSON.parse(r.requests[0].body)).toMatchObject({ type: 'delivery.held', data: { deliveryId: d1 } });
      const shown = await service.get(hook.id);
      expect(shown.lastAttempts.map((x) => x.statusCode)).toEqual([200, 503, 500]);
      expect(shown.enabled).toBe(true);
      expect(JSON.stringify(await service.list())).not.toContain(hook.secret);
    } finally {
      await worker.onApplicationShutdown();
      await r.stop();
    }
  });

  it('a message that fails every send disables its webhook with the reason; later messages are dropped', async () => {
    const r = await receiver(Array<number>(MAX_SENDS).fill(500));
    const hook = await service.create({ url: r.url, events: ['account.reauth_required'] });
    const a = await insertAccount(m.db, cipher);
    await m.db.updateTable('accounts').set({ status: 'reauth_required' }).where('id', '=', a.id).execute();
    const [msg] = await messages();
    const sender = new WebhookSenderService(repo, cipher, config);
    for (let n = 1; n < MAX_SENDS; n++) expect((await sender.send(msg.id, n)).kind).toBe('retry');
    expect(await sender.send(msg.id, MAX_SENDS)).toEqual({ kind: 'failed', error: 'HTTP 500' });

    const shown = await service.get(hook.id);
    expect(shown.enabled).toBe(false);
    expect(shown.disabledReason).toContain(`failed ${MAX_SENDS} sends`);
    expect(shown.disabledReason).toContain('HTTP 500');
    expect(shown.lastAttempts).toHaveLength(MAX_SENDS);
    expect((await messages())[0].status).toBe('failed');

    // Disabled: nothing new is written for it, and what was pending is not sent.
    await m.db.updateTable('accounts').set({ status: 'active' }).where('id', '=', a.id).execute();
    await m.db.updateTable('accounts').set({ status: 'reauth_required' }).where('id', '=', a.id).execute();
    expect(await messages()).toHaveLength(1);

    // Enabled again (same secret): the next event is written and sent; the dropped ones stay dropped.
    const enabled = await service.enable(hook.id);
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    await m.db.updateTable('accounts').set({ status: 'active' }).where('id', '=', a.id).execute();
    await m.db.updateTable('accounts').set({ status: 'reauth_required' }).where('id', '=', a.id).execute();
    const after = await messages();
    expect(after).toHaveLength(2);
    expect(after.filter((x) => x.status === 'pending')).toHaveLength(1);
    await expect(service.enable(randomUUID())).rejects.toThrow(/not found/);
    await r.stop();
  });

  it('a delivery created held emits delivery.held; finished messages go with the retention', async () => {
    await service.create({ url: 'http://127.0.0.1:9/hook', events: ['delivery.held'] });
    const a = await insertAccount(m.db, cipher);
    const {
      deliveryIds: [d1],
    } = await insertPostWith(posts, seconds(60), [{ account: a, status: 'held' }]);
    const [msg] = await messages();
    expect(msg).toMatchObject({ event: 'delivery.held', status: 'pending' });
    expect(msg.facts).toMatchObject({ deliveryId: d1, status: 'held', previousStatus: null });

    const retention = new RetentionService(new RetentionRepository(m.db), config);
    const later = new Date(Date.now() + (config.retentionDays + 1) * 86_400_000);
    expect((await retention.pruneRows(later)).webhookMessages).toBe(0); // pending: kept
    await m.db.updateTable('webhook_messages').set({ status: 'delivered', finished_at: new Date() }).execute();
    expect((await retention.pruneRows(new Date())).webhookMessages).toBe(0); // recent: kept
    expect((await retention.pruneRows(later)).webhookMessages).toBe(1);
    expect(await messages()).toHaveLength(0);
  });

  it('a pending message whose job Redis lost gets it back', async () => {
    const r = await receiver();
    await service.create({ url: r.url, events: ['account.reauth_required'] });
    const a = await insertAccount(m.db, cipher);
    await m.db.updateTable('accounts').set({ status: 'reauth_required' }).where('id', '=', a.id).execute();
    // Marked enqueued, but no job: as after a Redis restart without persistence.
    await m.db.updateTable('webhook_messages').set({ enqueued_at: new Date() }).execute();
    const worker = new WebhookWorker(
      repo,
      new WebhookSenderService(repo, cipher, config),
      mediumQueue(redis, m.url),
      config,
    );
    worker.onModuleInit();
    try {
      expect(await worker.mend()).toBe(1);
      await waitFor(async () => (await messages())[0].status === 'delivered', { what: 'delivered' });
      expect(r.requests).toHaveLength(1);
      expect(await worker.mend()).toBe(0);
    } finally {
      await worker.onApplicationShutdown();
      await r.stop();
    }
  });

  it('refuses private addresses unless CRIER_FEEDS_ALLOW_PRIVATE, and URLs that are not http(s)', async () => {
    const strict = new WebhooksService(repo, cipher, mediumConfig(prefix));
    await expect(strict.create({ url: 'http://127.0.0.1:9/hook', events: ['post.failed'] })).rejects.toThrow(
      /url: the webhook URL points to a private address/,
    );
    await expect(strict.create({ url: 'http://169.254.169.254/latest', events: ['post.failed'] })).rejects.toThrow(
      /private address/,
    );
    await expect(strict.create({ url: 'ftp://example.org/x', events: ['post.failed'] })).rejects.toThrow(
      /url must be an http or https URL/,
    );
    const row = await m.db.selectFrom('webhooks').selectAll().execute();
    expect(row).toHaveLength(0);
  });

  it('stores the secret only encrypted', async () => {
    const hook = await service.create({ url: 'http://127.0.0.1:9/hook', events: ['post.failed'] });
    const row = await m.db.selectFrom('webhooks').selectAll().where('id', '=', hook.id).executeTakeFirstOrThrow();
    expect(row.secret_enc).not.toContain(hook.secret.slice(6));
    expect(cipher.decrypt(hook.id, row.secret_enc)).toEqual({ secret: hook.secret });
  });
});
