import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newSecret, verify } from '../../src/webhooks/webhook-signature';
import { MastodonFake } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import { CrierOptions, CrierProcess, runCrierToExit } from '../support/crier-process';
import { E2EStack, publishText, waitForDelivery } from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

interface Account {
  id: string;
  platform: string;
  name: string;
  managedBy: string | null;
  configKey: string | null;
}

/** A webhook receiver: records each signed request and answers 204. */
async function startReceiver() {
  const received: { id: string; timestamp: string; signature: string; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const h = (n: string) => String(req.headers[n]);
      received.push({
        id: h('webhook-id'),
        timestamp: h('webhook-timestamp'),
        signature: h('webhook-signature'),
        body,
      });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crier`;
  return { url, received, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * Configuration as code through the built Crier: a start with CRIER_CONFIG creates the accounts and the webhook the
 * file declares (on the fake platforms, and a receiver given its secret through the environment), and a post goes
 * out through them, the receiver getting its signed `delivery.published`; the API shows them as managed and refuses
 * to change them (409 naming the key); a restart with the same file changes nothing; `config check`
 * (npm run config:check) lists a wrong field and literal secrets without touching the database; a start with a bad
 * file is refused.
 */
describe('config file (e2e)', () => {
  let stack: E2EStack;
  let tg: TelegramFake;
  let masto: MastodonFake;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dir: string;
  let crier: CrierProcess | undefined;
  const outputs: string[] = [];
  const mastoToken = `masto-${randomBytes(8).toString('hex')}`;
  /** The receiver's secret: known to it beforehand, given to Crier only through the environment. */
  const webhookSecret = newSecret();

  const write = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const goodFile = () => `
# The fakes stand in for the platforms.
templates:
  short: "{title}\\n\\n{url}"
accounts:
  - key: newsroom-telegram
    platform: telegram
    name: Newsroom channel
    template: short
    settings:
      chatId: "${tg.chats[0].id}"
      apiBaseUrl: ${tg.baseUrl}
    credentials:
      botToken: \${TG_BOT_TOKEN}
  - key: newsroom-mastodon
    platform: mastodon
    name: Newsroom on Mastodon
    settings:
      apiBaseUrl: ${masto.baseUrl}
    credentials:
      accessToken: \${MASTODON_TOKEN}
webhooks:
  - key: newsroom-hooks
    url: ${receiver.url}
    events: [delivery.published]
    secret: \${NEWSROOM_WEBHOOK_SECRET}
`;
  const env = () => ({
    TG_BOT_TOKEN: tg.botToken,
    MASTODON_TOKEN: mastoToken,
    NEWSROOM_WEBHOOK_SECRET: webhookSecret,
    // The receiver listens on 127.0.0.1.
    CRIER_FEEDS_ALLOW_PRIVATE: 'true',
  });
  const accounts = async (c: CrierProcess) =>
    ((await c.api().get('/api/v1/accounts').expect(200)).body as Account[]).map((a) => ({
      id: a.id,
      platform: a.platform,
      name: a.name,
      managedBy: a.managedBy,
      configKey: a.configKey,
    }));

  beforeAll(async () => {
    stack = await E2EStack.create();
    [tg, masto, receiver] = await Promise.all([
      TelegramFake.start(),
      MastodonFake.start({ flavour: 'mastodon', accessToken: mastoToken }),
      startReceiver(),
    ]);
    dir = mkdtempSync(path.join(tmpdir(), 'crier-config-e2e-'));
  });

  afterAll(async () => {
    if (crier) outputs.push(crier.output);
    await stack?.close();
    await Promise.all([tg?.stop(), masto?.stop(), receiver?.stop()]);
    rmSync(dir, { recursive: true, force: true });
    // No token or secret reaches any output: not the logs, not the problems.
    for (const out of outputs) {
      expect(out).not.toContain(mastoToken);
      expect(out).not.toContain(tg.botToken);
      expect(out).not.toContain(webhookSecret.slice('whsec_'.length));
    }
  });

  it('starts from the file, shows the accounts and the webhook as managed, and publishes through them', async () => {
    const file = write('crier.yaml', goodFile());
    crier = await stack.start('all', { CRIER_CONFIG: file, ...env() });
    const listed = await accounts(crier);
    expect(listed.map(({ id: _id, ...a }) => a)).toEqual([
      {
        platform: 'telegram',
        name: 'Newsroom channel',
        managedBy: 'config',
        configKey: 'newsroom-telegram',
      },
      {
        platform: 'mastodon',
        name: 'Newsroom on Mastodon',
        managedBy: 'config',
        configKey: 'newsroom-mastodon',
      },
    ]);
    const post = await publishText(
      crier.api(),
      listed.map((a) => a.id),
      'Published through accounts from the config file',
    );
    for (const d of post.deliveries) await waitForDelivery(crier.api(), post.postId, d.id, ['published']);
    expect(tg.messages.map((m) => m.text)).toEqual(['Published through accounts from the config file']);
    expect(masto.statuses.map((s) => s.text)).toEqual(['Published through accounts from the config file']);

    // The webhook from the file: managed, and its receiver gets each delivery.published signed with its secret.
    const hooks = (await crier.api().get('/api/v1/webhooks').expect(200)).body as Array<Record<string, unknown>>;
    expect(hooks).toEqual([
      expect.objectContaining({ url: receiver.url, enabled: true, managedBy: 'config', configKey: 'newsroom-hooks' }),
    ]);
    expect(JSON.stringify(hooks)).not.toContain(webhookSecret.slice('whsec_'.length));
    await waitFor(() => receiver.received.length >= 2, { what: 'two delivery.published events', timeoutMs: 30_000 });
    const events = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { deliveryId: string } });
    expect(events.map((e) => e.type)).toEqual(['delivery.published', 'delivery.published']);
    expect(events.map((e) => e.data.deliveryId).sort()).toEqual(post.deliveries.map((d) => d.id).sort());
    for (const r of receiver.received) {
      expect(verify(webhookSecret, { id: r.id, timestamp: r.timestamp, signature: r.signature }, r.body)).toBe(true);
    }
  });

  it('answers 409 naming the file key to an API edit or delete of a managed account', async () => {
    const [telegram] = await accounts(crier!);
    const patch = await crier!.api().patch(`/api/v1/accounts/${telegram.id}`).send({ name: 'Renamed' });
    expect(patch.status).toBe(409);
    expect(patch.body.message).toContain('managed by the config file');
    expect(patch.body.message).toContain('key newsroom-telegram');
    expect((await crier!.api().delete(`/api/v1/accounts/${telegram.id}`)).status).toBe(409);
    expect((await accounts(crier!))[0].name).toBe('Newsroom channel');

    const [hook] = (await crier!.api().get('/api/v1/webhooks').expect(200)).body as Array<{ id: string }>;
    const refused = await crier!.api().delete(`/api/v1/webhooks/${hook.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe(
      `webhook ${hook.id} is managed by the config file (webhooks: key newsroom-hooks): change or remove it there ` +
        '(CRIER_CONFIG) and restart Crier',
    );
    await crier!.api().get(`/api/v1/webhooks/${hook.id}`).expect(200);
  });

  it('a restart with the same file finds every account as declared: same ids, nothing changed', async () => {
    const before = await accounts(crier!);
    const hooks = async (c: CrierProcess) => (await c.api().get('/api/v1/webhooks').expect(200)).body as unknown[];
    const hooksBefore = await hooks(crier!);
    outputs.push(crier!.output);
    expect(await crier!.stop()).toBe(0);
    crier = await stack.start('all', { CRIER_CONFIG: write('crier.yaml', goodFile()), ...env() });
    expect(await accounts(crier)).toEqual(before);
    expect(await hooks(crier)).toEqual(hooksBefore);
    expect(crier.output).toMatch(/config file .* applied: 2 accounts \(telegram, mastodon\).*; 0 change\(s\)/);
  });

  it('config check lists a wrong field and literal secrets, with paths and lines, without a database', async () => {
    // An address where nothing listens: the check must not need the database (nor Redis).
    const offline: CrierOptions = {
      databaseUrl: 'postgres://postgres@127.0.0.1:1/nothing',
      ...stack.secrets,
      env: { REDIS_URL: 'redis://127.0.0.1:1', ...env() },
    };
    const bad = write(
      'bad.yaml',
      goodFile()
        .replace('    name: Newsroom channel', '    nmae: Newsroom channel')
        .replace('${MASTODON_TOKEN}', 'literal-token-0123456789')
        .replace('${NEWSROOM_WEBHOOK_SECRET}', webhookSecret),
    );
    const refused = await runCrierToExit(offline, ['config', 'check', bad]);
    outputs.push(refused.output);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(`${bad}: 4 problems:`);
    expect(refused.output).toMatch(/accounts\[0\]\.nmae: unknown field; expected one of .* \(line 8\)/);
    expect(refused.output).toMatch(/accounts\[0\]\.name: must be .*\(line 6\)/);
    expect(refused.output).toContain('accounts[1].credentials.accessToken: literal secret; use ${ENV_NAME} (line 21)');
    expect(refused.output).toContain('webhooks[0].secret: literal secret; use ${ENV_NAME} (line 26)');
    expect(refused.output).not.toContain('literal-token-0123456789');

    const good = await runCrierToExit(offline, ['config', 'check', write('good.yaml', goodFile())]);
    outputs.push(good.output);
    expect(good.code).toBe(0);
    expect(good.output).toContain(
      'OK: 2 accounts (telegram, mastodon), 0 feeds, 1 template, 0 pauses, 1 webhook, prune: false',
    );

    // CRIER_CONFIG is the default file of the check too.
    const byEnv = await runCrierToExit({ ...offline, env: { ...offline.env, CRIER_CONFIG: bad } }, ['config', 'check']);
    expect(byEnv.code).toBe(1);
  });

  it('a start with a bad file is refused, listing every problem, before serving anything', async () => {
    const bad = write('start-bad.yaml', goodFile().replace('${TG_BOT_TOKEN}', '${TG_TOKEN_NOT_SET}'));
    const opts: CrierOptions = {
      databaseUrl: stack.databaseUrl,
      ...stack.secrets,
      env: { CRIER_CONFIG: bad, ...env() },
    };
    const refused = await runCrierToExit(opts);
    outputs.push(refused.output);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('Crier will not start: the config file');
    expect(refused.output).toContain(
      'accounts[0].credentials.botToken: environment variable TG_TOKEN_NOT_SET is not set (line 14)',
    );
    expect(refused.output).not.toMatch(/^\s+at /m);
  });
});
