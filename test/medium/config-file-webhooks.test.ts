import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HttpException, Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { CredentialCipher } from '../../src/accounts/credential-cipher';
import { AppModule } from '../../src/app.module';
import { loadConfigFile } from '../../src/config-file/config-file.command';
import { ConfigFileService } from '../../src/config-file/config-file.service';
import { newSecret } from '../../src/webhooks/webhook-signature';
import { WebhooksRepository } from '../../src/webhooks/webhooks.repository';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import {
  clearQueueStore,
  mediumConfig,
  mediumDb,
  MediumDb,
  mediumQueue,
  mediumRedis,
  uniquePrefix,
} from './medium-env';

const KEY = Buffer.alloc(32, 11);
const NEXT_KEY = Buffer.alloc(32, 12);
/** Public literals (documentation ranges count as private): nothing is resolved; the API role sends nothing. */
const URL_A = 'http://93.184.216.34/crier';
const URL_B = 'http://93.184.216.35/crier';

/**
 * Webhooks declared in the config file, applied through the app's own services on a fresh database: created with the
 * secret the environment gives (encrypted, a keyed hash kept), unchanged on a second apply, updated when the file
 * changes (a disabled one is enabled again only then), refused to API deletes, released, adopted, pruned; the
 * private-address guard applies as for POST /webhooks.
 */
describe('config file apply: webhooks (medium)', () => {
  let m: MediumDb;
  let redis: Redis;
  let prefix: string;
  let app: TestingModule;
  let dir: string;
  const cipher = new CredentialCipher(KEY);
  const modules: TestingModule[] = [];

  const start = async (secretKey: Buffer, previousKeys: Buffer[] = []) => {
    const config = mediumConfig(prefix, { CRIER_ROLE: 'api' });
    const mod = await Test.createTestingModule({
      imports: [AppModule.forRoot({ config, db: m.db, queue: mediumQueue(redis, m.url), secretKey, previousKeys })],
    }).compile();
    await mod.init();
    modules.push(mod);
    return mod;
  };
  const apply = async (text: string, env: Record<string, string>) => {
    const file = path.join(dir, 'crier.yaml');
    writeFileSync(file, text);
    const loaded = loadConfigFile(file, env);
    expect(loaded.problems).toEqual([]);
    return app.get(ConfigFileService).apply(loaded.config!);
  };
  const yaml = (o: { url?: string; events?: string; prune?: boolean; declared?: boolean } = {}) => `
prune: ${o.prune ?? false}
webhooks:
${
  o.declared === false
    ? '  []'
    : `  - key: ops
    url: ${o.url ?? URL_A}
    events: ${o.events ?? '[delivery.published, post.failed]'}
    secret: \${OPS_WEBHOOK_SECRET}`
}
`;
  const rows = () => m.db.selectFrom('webhooks').selectAll().orderBy('created_at').execute();
  const caught = async (p: Promise<unknown>) =>
    p.then(
      () => 0,
      (e: unknown) => (e instanceof HttpException ? e : Promise.reject(e)),
    );

  let ENV = { OPS_WEBHOOK_SECRET: newSecret() };

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    m = await mediumDb();
    redis = mediumRedis();
    prefix = uniquePrefix('config-webhooks');
    app = await start(KEY);
    dir = mkdtempSync(path.join(tmpdir(), 'crier-config-webhooks-'));
  });

  afterAll(async () => {
    for (const mod of modules) await mod.close();
    await clearQueueStore(redis, prefix);
    await redis?.quit();
    await m?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the webhook with the given secret, encrypted; a second apply writes nothing', async () => {
    const first = await apply(yaml(), ENV);
    expect(first).toEqual({ changes: ['webhooks ops: created'], unchanged: 0, problems: [] });
    const [row] = await rows();
    expect(row).toMatchObject({ url: URL_A, events: ['delivery.published', 'post.failed'], enabled: true });
    expect(row).toMatchObject({ managed_by: 'config', config_key: 'ops', config_hash: expect.any(String) });
    expect(cipher.decrypt(row.id, row.secret_enc)).toEqual({ secret: ENV.OPS_WEBHOOK_SECRET });
    const secretPart = ENV.OPS_WEBHOOK_SECRET.slice('whsec_'.length);
    expect(row.secret_enc).not.toContain(secretPart);
    expect(row.config_hash).not.toContain(secretPart);

    // Events listed in another order are the same set: still nothing to do.
    const second = await apply(yaml({ events: '[post.failed, delivery.published]' }), ENV);
    expect(second).toEqual({ changes: [], unchanged: 1, problems: [] });
    expect(await rows()).toEqual([row]);
  });

  it('the API shows it as managed and refuses to delete it (409 naming the key)', async () => {
    const webhooks = app.get(WebhooksService);
    const [row] = await rows();
    expect(await webhooks.list()).toEqual([expect.objectContaining({ managedBy: 'config', configKey: 'ops' })]);
    expect(await webhooks.get(row.id)).toMatchObject({ managedBy: 'config', configKey: 'ops' });
    const refused = await caught(webhooks.delete(row.id));
    expect((refused as HttpException).getStatus()).toBe(409);
    expect((refused as HttpException).message).toBe(
      `webhook ${row.id} is managed by the config file (webhooks: key ops): change or remove it there ` +
        '(CRIER_CONFIG) and restart Crier',
    );
    expect(await rows()).toHaveLength(1);
  });

  it('a webhook disabled after failing stays disabled on an unchanged file, and is enabled by a change', async () => {
    const [row] = await rows();
    await app.get(WebhooksRepository).disable(row.id, 'disabled after message msg_1 failed 12 sends');
    expect(await apply(yaml(), ENV)).toEqual({ changes: [], unchanged: 1, problems: [] });
    expect((await rows())[0]).toMatchObject({ enabled: false, disabled_reason: expect.stringContaining('msg_1') });

    const changed = await apply(yaml({ url: URL_B }), ENV);
    expect(changed.changes).toEqual(['webhooks ops: updated (url)']);
    const [after] = await rows();
    expect(after).toMatchObject({ id: row.id, url: URL_B, enabled: true, disabled_reason: null, disabled_at: null });
    // Only what changed is written: the same envelope, not a re-encryption.
    expect(after.secret_enc).toBe(row.secret_enc);
  });

  it('a new secret in the environment is re-encrypted; a new CRIER_SECRET_KEY alone changes no secret', async () => {
    const [row] = await rows();
    ENV = { OPS_WEBHOOK_SECRET: newSecret() };
    const report = await apply(yaml({ url: URL_B }), ENV);
    expect(report.changes).toEqual(['webhooks ops: updated (secret)']);
    const [after] = await rows();
    expect(cipher.decrypt(row.id, after.secret_enc)).toEqual({ secret: ENV.OPS_WEBHOOK_SECRET });
    expect(after.config_hash).not.toBe(row.config_hash);

    // After a key rotation the keyed hash differs for the same secret: the stored one is compared, so a disabled
    // webhook is not enabled again by an unchanged file, and the secret is not re-encrypted.
    await app.get(WebhooksRepository).disable(row.id, 'failed');
    app = await start(NEXT_KEY, [KEY]);
    const again = await apply(yaml({ url: URL_B }), ENV);
    expect(again.problems).toEqual([]);
    const [kept] = await rows();
    expect(kept).toMatchObject({ enabled: false, secret_enc: after.secret_enc });
    expect(await apply(yaml({ url: URL_B }), ENV)).toEqual({ changes: [], unchanged: 1, problems: [] });
  });

  it('dropped from the file: released (deletable over the API); declared again: adopted, still disabled', async () => {
    const [row] = await rows();
    const released = await apply(yaml({ declared: false }), ENV);
    expect(released.changes).toEqual(['webhooks ops: released (no longer in the file; editable over the API)']);
    expect(await app.get(WebhooksService).get(row.id)).toMatchObject({ managedBy: null, configKey: null });

    const adopted = await apply(yaml({ url: URL_B }), ENV);
    expect(adopted.changes).toEqual(['webhooks ops: updated (adopt)']);
    expect((await rows())[0]).toMatchObject({ id: row.id, managed_by: 'config', enabled: false });
  });

  it('prune: true deletes the webhook the file dropped', async () => {
    const pruned = await apply(yaml({ declared: false, prune: true }), ENV);
    expect(pruned.changes).toEqual(['webhooks ops: pruned (no longer in the file)']);
    expect(await rows()).toEqual([]);
  });

  it('a url with a private address is refused at apply, at its path (CRIER_FEEDS_ALLOW_PRIVATE unset)', async () => {
    const report = await apply(yaml({ url: 'http://127.0.0.1:9/hook' }), ENV);
    expect(report.changes).toEqual([]);
    expect(report.problems).toEqual([
      {
        path: ['webhooks', 0],
        message: 'url: the webhook URL points to a private address; set CRIER_FEEDS_ALLOW_PRIVATE=true to allow',
      },
    ]);
    expect(await rows()).toEqual([]);
  });
});
