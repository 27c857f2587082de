import { matchCredentialSet } from '../../src/platforms/credential-sets';
import { XAdapter } from '../../src/platforms/x/x.adapter';
import { RateLimitedError } from '../../src/platforms/platform';
import { XFake, XFakeOptions } from '../fakes/x.fake';
import { renderTweet } from '../fakes/x-fake.rules';
import { parseOAuthHeader } from '../fakes/x-oauth1.verifier';
import { CTX, PNG_1X1, caught, expectKind, expectNoSecret, publishRequest } from './contract-support';

/** X behaviour beyond the shared contract: request shapes, OAuth 1.0a signing, reconcile, fake-enforced limits. */

const adapter = new XAdapter();
const LINK = 'https://news.example.com/2024/05/crier-launch';

describe('x specifics', () => {
  let fake: XFake;
  const start = async (opts: XFakeOptions = {}) => (fake = await XFake.start(opts));
  afterEach(async () => fake?.stop());

  describe('publish', () => {
    it('sends {text} as JSON and links the post by username once verify has stored it', async () => {
      await start();
      const remote = { id: fake.user.id, username: fake.user.username };
      const result = await adapter.publish(
        publishRequest({ text: 'Hello X' }),
        fake.account('oauth1', { remote }),
        CTX,
      );
      const [req] = fake.requestsTo('POST /2/tweets');
      expect(req.body).toEqual({ text: 'Hello X' });
      expect(req.headers['content-type']).toMatch(/application\/json/);
      expect(result).toEqual({
        remoteId: fake.tweets[0].id,
        remoteUrl: `https://x.com/crier_news/status/${fake.tweets[0].id}`,
      });
    });

    it('without a known username links /i/web/status/{id}', async () => {
      await start();
      const result = await adapter.publish(publishRequest(), fake.account('oauth2'), CTX);
      expect(result.remoteUrl).toBe(`https://x.com/i/web/status/${result.remoteId}`);
    });

    it('uploads the image as multipart media (tweet_image) and attaches its string id', async () => {
      await start();
      const imageUrl = fake.hostFile('/photo.png', PNG_1X1, 'image/png');
      const article = { url: LINK, title: 't', imageUrl, videoUrl: null, description: null };
      await adapter.publish(publishRequest({ text: 'With a picture', article }), fake.account('oauth1'), CTX);
      const [upload] = fake.requestsTo('POST /2/media/upload');
      expect(upload.body).toEqual({ media_category: 'tweet_image' });
      expect(upload.files.media).toMatchObject({ type: 'image/png', size: PNG_1X1.length });
      expect(fake.requestsTo('POST /2/tweets')[0].body).toEqual({
        text: 'With a picture',
        media: { media_ids: [fake.media[0].id] },
      });
    });

    it('the fake refuses the same text twice: permanent, or ambiguous after an ambiguous attempt', async () => {
      await start();
      const account = fake.account('oauth1');
      await adapter.publish(publishRequest({ text: 'Same words' }), account, CTX);
      expectKind(
        await caught(() => adapter.publish(publishRequest({ text: 'Same words' }), account, CTX)),
        'permanent',
      );
      const retry = publishRequest({ text: 'Same words', attempt: 2, previousAmbiguous: true });
      expectKind(await caught(() => adapter.publish(retry, account, CTX)), 'ambiguous');
      expect(fake.tweets).toHaveLength(1);
    });

    it("waits out the fake's own 15-minute window from its headers", async () => {
      await start({ postsPerWindow: 2 });
      const account = fake.account('oauth2');
      await adapter.publish(publishRequest({ text: 'one' }), account, CTX);
      await adapter.publish(publishRequest({ text: 'two' }), account, CTX);
      const e = await caught(() => adapter.publish(publishRequest({ text: 'three' }), account, CTX));
      expectKind(e, 'rate-limited');
      expect(Math.abs((e as RateLimitedError).retryAfterMs - 15 * 60_000)).toBeLessThanOrEqual(5000);
    });

    it("the fake's spent app 24-hour budget stops the app ('app'); its 15-minute window only the user", async () => {
      await start({ postsPerDay: { app: 1 } });
      const account = fake.account('oauth1');
      await adapter.publish(publishRequest({ text: 'one' }), account, CTX);
      const e = await caught(() => adapter.publish(publishRequest({ text: 'two' }), account, CTX));
      expectKind(e, 'rate-limited');
      expect(e).toMatchObject({ scope: 'app' });
      expect(Math.abs((e as RateLimitedError).retryAfterMs - 24 * 3600_000)).toBeLessThanOrEqual(5000);
      await fake.stop();

      await start({ postsPerWindow: 1 });
      await adapter.publish(publishRequest({ text: 'one' }), fake.account('oauth1'), CTX);
      const user = await caught(() => adapter.publish(publishRequest({ text: 'two' }), fake.account('oauth1'), CTX));
      expect(user).toMatchObject({ kind: 'rate-limited', scope: 'account' });
    });

    it('a wrong apiBaseUrl path (404) is an account problem', async () => {
      await start();
      const e = await caught(() =>
        adapter.publish(publishRequest(), fake.account('oauth1', { baseUrl: `${fake.baseUrl}/nope` }), CTX),
      );
      expectKind(e, 'reauth');
    });
  });

  describe('OAuth 1.0a', () => {
    it('signs every request with the app and user keys (HMAC-SHA1), checked by an independent verifier', async () => {
      await start();
      const account = fake.account('oauth1');
      await adapter.publish(publishRequest(), account, CTX);
      await adapter.reconcile(publishRequest(), account, CTX);
      for (const r of fake.requests) {
        expect(parseOAuthHeader(r.headers.authorization)).toMatchObject({
          oauth_consumer_key: fake.oauth1.appKey,
          oauth_token: fake.oauth1.accessToken,
          oauth_signature_method: 'HMAC-SHA1',
        });
      }
      expect(fake.requestsTo('GET /2/users/').length).toBe(2);
    });

    it.each([
      ['appSecret', 'wrong-app-secret-0000'],
      ['accessSecret', 'wrong-access-secret-0000'],
    ])('a wrong %s is refused: verify ok:false, publish reauth, nothing posted', async (field, value) => {
      await start();
      const good = fake.oauth1Credentials();
      const account = fake.account('oauth1', { credentials: { ...good, [field]: value } });
      const result = await adapter.verify(account, CTX);
      expect(result).toMatchObject({ ok: false, checked: true });
      expect(JSON.stringify(result)).not.toContain(value);
      const e = await caught(() => adapter.publish(publishRequest(), account, CTX));
      expectKind(e, 'reauth');
      expectNoSecret(e, account);
      expect(fake.tweets).toHaveLength(0);
    });
  });

  describe('verify', () => {
    it('reports id, username and name from /2/users/me', async () => {
      await start({ user: { id: '77', username: 'someone', name: 'Some One' } });
      expect(await adapter.verify(fake.account('oauth1'), CTX)).toEqual({
        ok: true,
        checked: true,
        remoteAccount: { id: '77', username: 'someone', name: 'Some One' },
      });
    });
  });

  describe('reconcile', () => {
    it('finds the post although X rewrote its link to t.co and escaped &, <, >', async () => {
      await start();
      const account = fake.account('oauth2', { remote: { id: fake.user.id } });
      const req = publishRequest({ text: `Fish & <chips> ${LINK} today` });
      expect(renderTweet(req.text, '123456', false).text).toBe('Fish &amp; &lt;chips&gt; https://t.co/1234560x today');
      await adapter.publish(req, account, CTX);
      const listed = await adapter.reconcile(req, account, CTX);
      const [read] = fake.requestsTo(`GET /2/users/${fake.user.id}/tweets`);
      expect(listed).toEqual({
        remoteId: fake.tweets[0].id,
        remoteUrl: `https://x.com/i/web/status/${fake.tweets[0].id}`,
      });
      // remote.id was known: no /2/users/me call; start_time without milliseconds, the fields it needs.
      expect(fake.requestsTo('GET /2/users/me')).toHaveLength(0);
      expect(read.query).toMatchObject({ max_results: '100', 'tweet.fields': 'created_at,entities' });
      expect(read.query.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it('finds the post by the article link in entities when the text differs', async () => {
      await start();
      const account = fake.account('oauth1');
      await adapter.publish(publishRequest({ text: `Edited words ${LINK}/` }), account, CTX);
      const req = publishRequest({
        text: 'Original words',
        article: { url: LINK, title: 't', imageUrl: null, videoUrl: null, description: null },
      });
      expect((await adapter.reconcile(req, account, CTX))?.remoteId).toBe(fake.tweets[0].id);
    });

    it('ignores posts from before the first attempt', async () => {
      await start();
      const account = fake.account('oauth1');
      await adapter.publish(publishRequest({ text: 'Old news' }), account, CTX);
      const req = publishRequest({ text: 'Old news', firstAttemptAt: new Date(Date.now() + 10 * 60_000) });
      expect(await adapter.reconcile(req, account, CTX)).toBeNull();
    });

    it('pages with next_token through a busy account', async () => {
      await start();
      const account = fake.account('oauth1', { remote: { id: fake.user.id } });
      await adapter.publish(publishRequest({ text: 'The one we want' }), account, CTX);
      for (let i = 0; i < 150; i++) {
        fake.tweets.push({
          id: String(2_000_000 + i),
          text: `other ${i}`,
          mediaIds: [],
          createdAt: new Date(),
          auth: 'oauth1',
        });
      }
      const found = await adapter.reconcile(publishRequest({ text: 'The one we want' }), account, CTX);
      expect(found?.remoteId).toBe(fake.tweets[0].id);
      const reads = fake.requestsTo('GET /2/users/');
      expect(reads).toHaveLength(2);
      expect(reads[1].query.pagination_token).toEqual(expect.any(String));
    });
  });

  describe('declarations', () => {
    /** The accounts service rule (matchCredentialSet): one kind complete, nothing from another. */
    const accepted = (fields: string[]) => matchCredentialSet(adapter.credentialSets!, fields, 'user') !== undefined;

    it('takes OAuth 1.0a, or OAuth 2.0 with or without clientSecret and expiresAt, never a mix', () => {
      expect(accepted(['appKey', 'appSecret', 'accessToken', 'accessSecret'])).toBe(true);
      expect(accepted(['clientId', 'accessToken', 'refreshToken'])).toBe(true);
      expect(accepted(['clientId', 'clientSecret', 'accessToken', 'refreshToken'])).toBe(true);
      expect(accepted(['clientId', 'accessToken', 'refreshToken', 'expiresAt'])).toBe(true);
      expect(accepted(['clientId', 'clientSecret', 'accessToken', 'refreshToken', 'expiresAt'])).toBe(true);
      expect(accepted(['appKey', 'appSecret', 'accessToken', 'accessSecret', 'refreshToken'])).toBe(false);
      expect(accepted(['accessToken', 'refreshToken'])).toBe(false);
      for (const set of adapter.credentialSets!) {
        for (const f of [...set.fields, ...(set.optional ?? [])])
          expect(adapter.credentialFields.map((c) => c.name)).toContain(f);
      }
      const visible = adapter.credentialFields.filter((f) => !f.secret).map((f) => f.name);
      expect(visible.sort()).toEqual(['clientId', 'expiresAt']);
    });

    it('limits, counting, pricing and settings as docs/PLATFORMS.md §3.9 says', () => {
      expect(adapter.limits()).toEqual({ maxLength: 280, counting: 'twitter-text-v3', maxImages: 4, video: false });
      expect(adapter.measure(`Hi ${LINK}`)).toBe(26);
      expect(adapter.pricing).toEqual({
        perPostUsd: 0.015,
        perPostWithUrlUsd: 0.2,
        note: 'X pay-per-use API (since 2026-02-06); failed requests are free',
      });
      expect(adapter.settingsFields.map((f) => [f.name, f.default])).toEqual([
        ['apiBaseUrl', 'https://api.x.com'],
        ['maxPostsPerDay', undefined],
      ]);
      expect(adapter.reconcile).toBeDefined();
      expect('idempotencyWindowMs' in adapter).toBe(false);
    });
  });

  describe('budgets', () => {
    const byScope = (budgets: ReturnType<typeof adapter.budgets>) =>
      Object.fromEntries(budgets.map((b) => [`${b.scope} ${b.max}/${b.windowMs}`, b.key] as const));

    it('per user 100 / 15 min and 300 / 3 h, per app 10,000 / 24 h', async () => {
      await start();
      expect(Object.keys(byScope(adapter.budgets(fake.account('oauth1')))).sort()).toEqual([
        'account 100/900000',
        'account 300/10800000',
        'app 10000/86400000',
      ]);
    });

    it('counts the user by remote id once verify learned it, across credential kinds; the app by its id', async () => {
      await start();
      const remote = { id: fake.user.id };
      const o1 = byScope(adapter.budgets(fake.account('oauth1', { remote })));
      const o2 = byScope(adapter.budgets(fake.account('oauth2', { remote })));
      expect(o1['account 100/900000']).toBe(o2['account 100/900000']);
      expect(o1['account 100/900000']).toContain(fake.user.id);
      // Another user of the same app: its own user counter, the same app counter.
      const other = byScope(adapter.budgets(fake.account('oauth1', { remote: { id: '999' } })));
      expect(other['account 100/900000']).not.toBe(o1['account 100/900000']);
      expect(other['app 10000/86400000']).toBe(o1['app 10000/86400000']);
    });

    it('without a remote id, an OAuth 2.0 user keeps its counter across token refreshes', async () => {
      await start();
      const first = fake.account('oauth2');
      const refreshed = { ...first, credentials: { ...first.credentials, ...fake.issueOAuth2Pair() } };
      expect(adapter.budgets(refreshed)).toEqual(adapter.budgets(first));
    });
  });
});
