import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AccountsRepository } from '../../src/accounts/accounts.repository';
import { AccountsService } from '../../src/accounts/accounts.service';
import { CredentialCipher } from '../../src/accounts/credential-cipher';
import { CredentialRefreshService } from '../../src/accounts/credential-refresh.service';
import { SecretKeyMismatch, SecretKeyService } from '../../src/accounts/secret-key.service';
import { SecretKeyRepository } from '../../src/accounts/secret-key.repository';
import { LeasesRepository } from '../../src/database/leases.repository';
import { MetricsService } from '../../src/health/metrics.service';
import { AccountHoldsService } from '../../src/posts/account-holds.service';
import { DeliveryStateRepository } from '../../src/posts/delivery-state.repository';
import { DeliveryStateService } from '../../src/posts/delivery-state.service';
import { PostsRepository } from '../../src/posts/posts.repository';
import { PublishService } from '../../src/publishing/publish.service';
import { QueueService } from '../../src/queue/queue.service';
import { WebhooksRepository } from '../../src/webhooks/webhooks.repository';
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
  uniquePrefix,
  mediumQueue,
} from './medium-env';

/**
 * The encryption key against a real Postgres: the check value recorded on the first start and compared on every
 * later one, the rekey command, and what an account whose credentials no key opens looks like to the API and the
 * workers (reauth_required, its deliveries held with the reason, never a 500 or a job that comes back for ever).
 */
describe('the encryption key (medium)', () => {
  let m: MediumDb;
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  beforeEach(async () => {
    m = await mediumDb();
  });

  afterEach(async () => {
    await m?.close();
  });

  const service = (key: Buffer, previous: Buffer[] = []) =>
    new SecretKeyService(
      new SecretKeyRepository(m.db),
      new AccountsRepository(m.db),
      new CredentialCipher(key, previous),
      null,
      new WebhooksRepository(m.db),
    );
  const stored = () => m.db.selectFrom('secret_key_check').selectAll().execute();

  describe('the check at start-up', () => {
    it('the first start records the key (by id and check value, never the key); the same key then passes', async () => {
      expect(await service(oldKey).check()).toEqual({ kind: 'ok', current: true, stored: true });
      const rows = await stored();
      expect(rows).toHaveLength(1);
      expect(rows[0].key_id).toBe(new CredentialCipher(oldKey).keyId);
      const dump = JSON.stringify(rows);
      for (const form of ['base64', 'hex', 'base64url'] as const) expect(dump).not.toContain(oldKey.toString(form));

      expect(await service(oldKey).check()).toEqual({ kind: 'ok', current: true, stored: false });
      expect(await stored()).toEqual(rows);
    });

    it('another key is refused with a message that says what to do; with the old one as previous it passes', async () => {
      await service(oldKey).check();
      const refused = await service(newKey).check();
      expect(refused.kind).toBe('mismatch');
      const message = refused.kind === 'mismatch' ? refused.message : '';
      expect(message).toContain('CRIER_SECRET_KEY');
      expect(message).toContain(`key id ${new CredentialCipher(oldKey).keyId}`);
      expect(message).toContain('CRIER_SECRET_KEY_PREVIOUS');
      expect(message).toContain('npm run rekey');
      for (const k of [oldKey, newKey]) {
        for (const form of ['base64', 'hex', 'base64url'] as const) expect(message).not.toContain(k.toString(form));
      }

      // Mid-rotation: the database's key is the previous one.
      expect(await service(newKey, [oldKey]).check()).toEqual({ kind: 'ok', current: false, stored: false });
    });

    it('a first start on credentials written before the check existed takes the key that opens them', async () => {
      await insertAccount(m.db, new CredentialCipher(oldKey));
      const refused = await service(newKey).check();
      expect(refused.kind === 'mismatch' && refused.message).toContain('none of the stored credentials decrypt');
      expect(await stored()).toEqual([]);

      expect(await service(newKey, [oldKey]).check()).toEqual({ kind: 'ok', current: false, stored: true });
      expect((await stored())[0].key_id).toBe(new CredentialCipher(oldKey).keyId);
    });
  });

  describe('rekey', () => {
    it('re-encrypts every row under the new key and makes it the database key, so the old one can go', async () => {
      const before = new CredentialCipher(oldKey);
      await service(oldKey).check();
      const accounts = await Promise.all(
        Array.from({ length: 3 }, (_, i) =>
          insertAccount(m.db, before, { credentials: { botToken: `12${i}:token-${randomUUID()}` } }),
        ),
      );
      const plain = accounts.map((a) => before.decrypt(a.id, a.credentials_enc));
      // A webhook's signing secret is under the same key.
      const hookId = randomUUID();
      const webhooks = new WebhooksRepository(m.db);
      await webhooks.insert({
        id: hookId,
        url: 'https://hooks.example/x',
        events: ['post.failed'],
        secretEnc: before.encrypt(hookId, { secret: 'whsec_c2VjcmV0' }),
      });

      const report = await service(newKey, [oldKey]).rekey();
      expect(report).toEqual({
        keyId: new CredentialCipher(newKey).keyId,
        reencrypted: 3,
        alreadyCurrent: 0,
        undecryptable: [],
        webhooks: { reencrypted: 1, undecryptable: [] },
      });
      const hook = (await webhooks.find(hookId))!;
      expect(new CredentialCipher(newKey).decrypt(hookId, hook.secret_enc)).toEqual({ secret: 'whsec_c2VjcmV0' });

      // The new key alone now reads every row, and passes the check; the old key alone is refused.
      const after = new CredentialCipher(newKey);
      const repo = new AccountsRepository(m.db);
      for (const [i, a] of accounts.entries()) {
        const row = (await repo.find(a.id))!;
        expect(after.isCurrent(row.credentials_enc)).toBe(true);
        expect(after.decrypt(a.id, row.credentials_enc)).toEqual(plain[i]);
      }
      expect(await service(newKey).check()).toEqual({ kind: 'ok', current: true, stored: false });
      expect((await service(oldKey).check()).kind).toBe('mismatch');

      // Again: nothing left to do.
      expect(await service(newKey).rekey()).toMatchObject({ reencrypted: 0, alreadyCurrent: 3 });
    });

    it('never overwrites an envelope written meanwhile (a token refresh)', async () => {
      const a = await insertAccount(m.db, new CredentialCipher(oldKey));
      const repo = new AccountsRepository(m.db);
      const fresh = new CredentialCipher(newKey).encrypt(a.id, { botToken: '1:refreshed' });
      await repo.update(a.id, { credentials_enc: fresh });
      expect(await repo.replaceCredentials(a.id, a.credentials_enc, 'v2.stale')).toBe(false);
      expect((await repo.find(a.id))!.credentials_enc).toBe(fresh);
    });

    it('refuses when the database key is not given; --key-lost takes the new key and marks what it cannot read', async () => {
      await service(oldKey).check();
      const lost = await insertAccount(m.db, new CredentialCipher(oldKey));
      await expect(service(newKey).rekey()).rejects.toThrow(SecretKeyMismatch);
      expect((await new AccountsRepository(m.db).find(lost.id))!.status).toBe('active');

      const report = await service(newKey).rekey({ keyLost: true });
      expect(report).toMatchObject({ reencrypted: 0, undecryptable: [lost.id] });
      const row = (await new AccountsRepository(m.db).find(lost.id))!;
      expect(row.status).toBe('reauth_required');
      expect(row.status_reason).toContain('CRIER_SECRET_KEY_PREVIOUS');
      expect(await service(newKey).check()).toMatchObject({ kind: 'ok', current: true });
    });
  });

  describe('an account whose credentials no key opens', () => {
    let redis: Redis;
    let tg: TelegramFake;
    let prefix: string;
    let queues: QueueService;

    beforeAll(async () => {
      Logger.overrideLogger(['error']);
      redis = mediumRedis();
      tg = await TelegramFake.start();
    });

    afterAll(async () => {
      await tg?.stop();
      await redis?.quit();
    });

    afterEach(async () => {
      await queues?.onModuleDestroy();
      await clearQueueStore(redis, prefix);
    });

    it('is listed as reauth_required with the reason, and its due deliveries are held with it, nothing sent', async () => {
      prefix = uniquePrefix('secret-key');
      const config = mediumConfig(prefix);
      queues = new QueueService(config, mediumQueue(redis, m.url));
      const states = new DeliveryStateService(new DeliveryStateRepository(m.db), queues);
      const cipher = new CredentialCipher(newKey);
      const accountsRepo = new AccountsRepository(m.db);
      const refresher = new CredentialRefreshService(accountsRepo, cipher, new LeasesRepository(m.db), config);
      const accounts = new AccountsService(accountsRepo, cipher, new AccountHoldsService(states), refresher, config);
      const posts = new PostsRepository(m.db);
      const publish = new PublishService(
        posts,
        states,
        accountsRepo,
        accounts,
        refresher,
        new MetricsService(),
        config,
      );

      const settings = JSON.stringify({ chatId: String(DEFAULT_CHAT.id), apiBaseUrl: tg.baseUrl });
      const good = await insertAccount(m.db, cipher, { credentials: { botToken: tg.botToken } });
      await m.db.updateTable('accounts').set({ settings }).where('id', '=', good.id).execute();
      // Written under a key nobody has any more.
      const lost = await insertAccount(m.db, new CredentialCipher(oldKey), { credentials: { botToken: tg.botToken } });
      await m.db.updateTable('accounts').set({ settings }).where('id', '=', lost.id).execute();

      const list = await accounts.list();
      expect(list.map((a) => [a.id, a.status])).toEqual([
        [good.id, 'active'],
        [lost.id, 'reauth_required'],
      ]);
      const shown = await accounts.get(lost.id);
      expect(shown.statusReason).toContain('CRIER_SECRET_KEY_PREVIOUS');
      expect(shown.credentials).toEqual({});
      expect(await accounts.verify(lost.id)).toMatchObject({ ok: false, checked: false });

      const { deliveryIds } = await insertPostWith(posts, seconds(-1), [{ account: lost }, { account: lost }]);
      const out = await publish.run(deliveryIds[0]);
      expect(out.kind).toBe('failed');
      for (const id of deliveryIds) {
        const d = (await posts.findDelivery(id))!;
        expect(d.status).toBe('held');
        expect(d.error).toContain('account needs re-authentication: stored credentials were encrypted with a key');
      }
      const row = (await accountsRepo.find(lost.id))!;
      expect(row.status).toBe('reauth_required');
      expect(row.status_reason).toContain(`key id ${new CredentialCipher(oldKey).keyId}`);
      expect(tg.requests).toHaveLength(0);

      // New credentials (complete, since the stored ones cannot be merged) bring it back.
      await expect(accounts.update(lost.id, { credentials: {} })).rejects.toThrow(/credentials.botToken is required/);
      const fixed = await accounts.update(lost.id, { credentials: { botToken: tg.botToken } });
      expect(fixed.status).toBe('active');
      for (const id of deliveryIds) expect((await posts.findDelivery(id))!.status).toBe('scheduled');
    });
  });
});
