import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HttpException, Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { AccountsService } from '../../src/accounts/accounts.service';
import { CredentialCipher } from '../../src/accounts/credential-cipher';
import { AppModule } from '../../src/app.module';
import { loadConfigFile } from '../../src/config-file/config-file.command';
import { ConfigFileService } from '../../src/config-file/config-file.service';
import { FeedsService } from '../../src/feeds/feeds.service';
import { PausesService } from '../../src/pauses/pauses.service';
import { FeedServer } from '../support/feed-server';
import { story } from './feeds-env';
import {
  clearQueueStore,
  mediumConfig,
  mediumDb,
  MediumDb,
  mediumRedis,
  uniquePrefix,
  mediumQueue,
} from './medium-env';

const KEY = Buffer.alloc(32, 9);

/**
 * The config file applied through the app's own services (AppModule, API role) on a fresh database: twice in a row
 * (the second apply writes nothing, re-encrypts nothing), then with a changed credential, a dropped account
 * (released), and `prune: true` (deleted, the pause resumed). Objects from the file refuse API writes with 409.
 */
describe('config file apply (medium)', () => {
  let m: MediumDb;
  let redis: Redis;
  let prefix: string;
  let app: TestingModule;
  let server: FeedServer;
  let dir: string;
  let feedUrl: string;
  const cipher = new CredentialCipher(KEY);

  const file = (text: string) => {
    const p = path.join(dir, 'crier.yaml');
    writeFileSync(p, text);
    return p;
  };
  /** Loads and applies a file as the start does; fails the test on any problem. */
  const apply = async (text: string, env: Record<string, string>) => {
    const loaded = loadConfigFile(file(text), env);
    expect(loaded.problems).toEqual([]);
    return app.get(ConfigFileService).apply(loaded.config!);
  };
  const accountRows = () => m.db.selectFrom('accounts').selectAll().orderBy('config_key').execute();
  const conflict = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(HttpException);
    expect((e as HttpException).getStatus()).toBe(409);
    return String(
      (e as HttpException).getResponse() && ((e as HttpException).getResponse() as { message: string }).message,
    );
  };

  const yaml = (opts: { prune?: boolean; withMasto?: boolean; withPause?: boolean } = {}) => `
prune: ${opts.prune ?? false}
templates:
  short: "{title} {url}"
accounts:
  - key: tg
    platform: telegram
    name: Newsroom channel
    template: short
    settings: { chatId: "-1001", apiBaseUrl: "http://127.0.0.1:9" }
    credentials: { botToken: "\${TG_TOKEN}" }
${
  opts.withMasto === false
    ? ''
    : `  - key: masto
    platform: mastodon
    name: Newsroom on Mastodon
    settings: { apiBaseUrl: "http://127.0.0.1:9" }
    credentials: { accessToken: "\${MASTO_TOKEN}" }
feeds:
  - key: news
    url: ${feedUrl}
    accounts: [tg, masto]
    spacing: 60`
}
${
  opts.withPause === false
    ? ''
    : `pauses:
  - key: night
    scope: account
    target: tg
    reason: quiet hours`
}
`;
  /** The environment of the next start (the third test changes a token). */
  let ENV = { TG_TOKEN: '123:first-token', MASTO_TOKEN: 'masto-token-1' };

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    m = await mediumDb();
    redis = mediumRedis();
    prefix = uniquePrefix('config');
    const config = mediumConfig(prefix, { CRIER_ROLE: 'api', CRIER_FEEDS_ALLOW_PRIVATE: 'true' });
    app = await Test.createTestingModule({
      imports: [AppModule.forRoot({ config, db: m.db, queue: mediumQueue(redis, m.url), secretKey: KEY })],
    }).compile();
    await app.init();
    server = await FeedServer.start();
    feedUrl = server.feed('/news.xml', 'rss', [story(), story()]);
    dir = mkdtempSync(path.join(tmpdir(), 'crier-config-'));
  });

  afterAll(async () => {
    await app?.close();
    await server?.stop();
    await clearQueueStore(redis, prefix);
    await redis?.quit();
    await m?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates what the file declares, marked as managed; a second apply changes nothing and re-encrypts nothing', async () => {
    const first = await apply(yaml(), ENV);
    expect(first.problems).toEqual([]);
    expect(first.changes).toEqual([
      'accounts tg: created',
      'accounts masto: created',
      'feeds news: created',
      'pauses night: created',
    ]);
    const before = await accountRows();
    expect(before.map((r) => [r.config_key, r.managed_by, r.name])).toEqual([
      ['masto', 'config', 'Newsroom on Mastodon'],
      ['tg', 'config', 'Newsroom channel'],
    ]);
    // Stored encrypted, never as given; the hash is keyed, not a plain digest of the token.
    for (const r of before) {
      expect(r.credentials_enc).not.toContain('first-token');
      expect(r.config_hash).not.toContain('first-token');
    }
    expect(cipher.decrypt(before[1].id, before[1].credentials_enc)).toEqual({ botToken: '123:first-token' });
    expect(before[1].settings).toEqual({
      chatId: '-1001',
      apiBaseUrl: 'http://127.0.0.1:9',
      template: '{title} {url}',
    });

    const feedsBefore = await m.db.selectFrom('feeds').selectAll().execute();
    const pausesBefore = await m.db.selectFrom('pauses').selectAll().execute();
    expect(feedsBefore.map((f) => [f.config_key, f.managed_by, f.spacing_seconds])).toEqual([['news', 'config', 60]]);
    expect(feedsBefore[0].account_ids).toEqual([before[1].id, before[0].id]);
    expect(pausesBefore.map((p) => [p.config_key, p.target, p.reason])).toEqual([
      ['night', before[1].id, 'quiet hours'],
    ]);

    const second = await apply(yaml(), ENV);
    expect(second).toEqual({ changes: [], unchanged: 4, problems: [] });
    // Same envelopes (a re-encryption would draw a new IV), same versions (no update at all), same feed and pause.
    const after = await accountRows();
    expect(after.map((r) => [r.id, r.credentials_enc, r.version, r.updated_at])).toEqual(
      before.map((r) => [r.id, r.credentials_enc, r.version, r.updated_at]),
    );
    expect(await m.db.selectFrom('feeds').selectAll().execute()).toEqual(feedsBefore);
    expect(await m.db.selectFrom('pauses').selectAll().execute()).toEqual(pausesBefore);
  });

  it('shows managedBy and refuses API writes with a 409 naming the key', async () => {
    const [masto, tg] = await accountRows();
    const accounts = app.get(AccountsService);
    expect(await accounts.get(tg.id)).toMatchObject({ managedBy: 'config', configKey: 'tg' });
    const message = await conflict(accounts.update(tg.id, { name: 'Renamed over the API' }));
    expect(message).toContain('managed by the config file');
    expect(message).toContain('accounts: key tg');
    await conflict(accounts.remove(masto.id));
    const [feed] = await app.get(FeedsService).list();
    expect(feed).toMatchObject({ managedBy: 'config', configKey: 'news' });
    expect(await conflict(app.get(FeedsService).remove(feed.id))).toContain('feeds: key news');
    const [pause] = await app.get(PausesService).list();
    expect(pause).toMatchObject({ managedBy: 'config', configKey: 'night', active: true });
    expect(await conflict(app.get(PausesService).resume(pause.id))).toContain('pauses: key night');
    expect((await accounts.get(tg.id)).name).toBe('Newsroom channel');
  });

  it('re-encrypts only the credentials whose value changed, and never writes over tokens Crier rotated itself', async () => {
    const [masto, tg] = await accountRows();
    // A rotation by Crier (as a token refresh writes it): the file's value is unchanged, so it must stay.
    const rotated = cipher.encrypt(masto.id, { accessToken: 'rotated-by-crier' });
    await m.db.updateTable('accounts').set({ credentials_enc: rotated }).where('id', '=', masto.id).execute();

    ENV = { ...ENV, TG_TOKEN: '123:second-token' };
    const report = await apply(yaml(), ENV);
    expect(report.changes).toEqual(['accounts tg: updated (credentials)']);
    const [mastoAfter, tgAfter] = await accountRows();
    expect(cipher.decrypt(tg.id, tgAfter.credentials_enc)).toEqual({ botToken: '123:second-token' });
    expect(tgAfter.config_hash).not.toBe(tg.config_hash);
    expect(mastoAfter.credentials_enc).toBe(rotated);
  });

  it('what the file drops is released (kept, editable again); declaring the key again adopts the same row', async () => {
    const [masto] = await accountRows();
    const report = await apply(yaml({ withMasto: false, withPause: false }), ENV);
    expect(report.changes).toEqual([
      'pauses night: released (no longer in the file; editable over the API)',
      'feeds news: released (no longer in the file; editable over the API)',
      'accounts masto: released (no longer in the file; editable over the API)',
    ]);
    const accounts = app.get(AccountsService);
    expect(await accounts.get(masto.id)).toMatchObject({ managedBy: null, configKey: null });
    await accounts.update(masto.id, { name: 'Renamed over the API' });
    const [pause] = await app.get(PausesService).list();
    expect(pause).toMatchObject({ managedBy: null, active: true });

    const again = await apply(yaml(), ENV);
    expect(again.changes).toEqual([
      'accounts masto: updated (adopt, name, credentials)',
      'feeds news: updated (adopt)',
      'pauses night: updated (adopt)',
    ]);
    expect(await accounts.get(masto.id)).toMatchObject({ managedBy: 'config', name: 'Newsroom on Mastodon' });
    expect((await accountRows()).length).toBe(2);
  });

  it('prune: true deletes what the file dropped (the pause is resumed, the feed and the account deleted)', async () => {
    const [masto, tg] = await accountRows();
    const report = await apply(yaml({ prune: true, withMasto: false, withPause: false }), ENV);
    expect(report.problems).toEqual([]);
    expect(report.changes).toEqual([
      'pauses night: pruned (no longer in the file)',
      'feeds news: pruned (no longer in the file)',
      'accounts masto: pruned (no longer in the file)',
    ]);
    expect((await accountRows()).map((r) => r.id)).toEqual([tg.id]);
    expect(
      await app
        .get(AccountsService)
        .get(masto.id)
        .catch((e: HttpException) => e.getStatus()),
    ).toBe(404);
    expect(await m.db.selectFrom('feeds').selectAll().execute()).toEqual([]);
    const pauses = await m.db.selectFrom('pauses').select(['config_key', 'resumed_at']).execute();
    expect(pauses).toEqual([{ config_key: 'night', resumed_at: expect.any(Date) }]);
  });

  it('what the API would refuse at apply time is a problem at the path, the rest is applied', async () => {
    const text = `
accounts:
  - key: tg
    platform: mastodon
    name: Same key, another platform
    settings: { apiBaseUrl: "http://127.0.0.1:9" }
    credentials: { accessToken: "\${MASTO_TOKEN}" }
  - key: extra
    platform: mastodon
    name: Extra
    settings: { apiBaseUrl: "http://127.0.0.1:9" }
    credentials: { accessToken: "\${MASTO_TOKEN}" }
feeds:
  - key: unreadable
    url: http://127.0.0.1:9/nothing-here.xml
    accounts: [extra]
`;
    const report = await apply(text, ENV);
    expect(report.changes).toEqual(['accounts extra: created']);
    expect(report.problems).toEqual([
      { path: ['accounts', 0], message: expect.stringContaining('platform cannot change') },
      { path: ['feeds', 0], message: expect.stringMatching(/^url /) },
    ]);
  });
});
