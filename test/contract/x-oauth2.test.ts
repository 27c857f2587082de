import { XAdapter } from '../../src/platforms/x/x.adapter';
import { AdapterContext } from '../../src/platforms/platform';
import { X_FAULTS, XFake, XFakeOptions } from '../fakes/x.fake';
import {
  ARTICLE_URL,
  CTX,
  PNG_1X1,
  caught,
  ctx,
  expectKind,
  expectNoSecret,
  publishRequest,
  rejectionOf,
} from './contract-support';

/**
 * OAuth 2.0 refresh (docs/PLATFORMS.md §3.9): single-use refresh tokens, refreshed before the post when the token is
 * (nearly) expired, once after a 401, and always through the context's single-flight `refreshCredentials`.
 */

const adapter = new XAdapter();

/**
 * A stand-in for the app's CredentialRefreshService: one stored credentials object and a promise-chained lock.
 * Like the real one, it calls `refresh` only when the stored credentials are still the stale ones.
 */
function memoryRefresher(initial: Record<string, string>) {
  let stored = { ...initial };
  let lock: Promise<unknown> = Promise.resolve();
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
  const refreshCredentials: NonNullable<AdapterContext['refreshCredentials']> = (stale, refresh) => {
    const run = lock.then(async () => {
      if (!same(stored, stale)) return stored;
      stored = await refresh({ ...stored });
      return stored;
    });
    lock = run.catch(() => undefined);
    return run;
  };
  return {
    ctx: ctx(3000, { refreshCredentials }),
    get stored() {
      return stored;
    },
  };
}

describe('x OAuth 2.0 refresh', () => {
  let fake: XFake;
  const start = async (opts: XFakeOptions = {}) => (fake = await XFake.start(opts));
  afterEach(async () => fake?.stop());

  const bearerOf = (i: number) => String(fake.requestsTo('POST /2/tweets')[i]?.headers.authorization);

  it('refreshes an expired token before the post, once, and hands the new pair to refreshCredentials', async () => {
    await start();
    const account = fake.account('oauth2', { credentials: fake.oauth2Credentials(-1000) });
    const store = memoryRefresher(account.credentials);
    const before = Date.now();
    const result = await adapter.publish(publishRequest(), account, store.ctx);

    expect(fake.refreshCalls).toBe(1);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /2/oauth2/token', 'POST /2/tweets']);
    expect(result.remoteId).toBe(fake.tweets[0].id);
    const fresh = store.stored;
    expect(fresh.accessToken).not.toBe(account.credentials.accessToken);
    expect(fresh.refreshToken).not.toBe(account.credentials.refreshToken);
    expect(Date.parse(fresh.expiresAt) - before).toBeGreaterThan(7100_000);
    expect(fresh).toMatchObject({ clientId: fake.clientId, clientSecret: fake.clientSecret });
    expect(bearerOf(0)).toBe(`Bearer ${fresh.accessToken}`);
  });

  it('refreshes a token that expires within 60 s, but not one good for 10 minutes', async () => {
    await start();
    const soon = fake.account('oauth2', { credentials: fake.oauth2Credentials(30_000) });
    await adapter.publish(publishRequest({ text: 'first' }), soon, CTX);
    expect(fake.refreshCalls).toBe(1);

    const later = fake.account('oauth2', { credentials: fake.oauth2Credentials(10 * 60_000) });
    await adapter.publish(publishRequest({ text: 'second' }), later, CTX);
    expect(fake.refreshCalls).toBe(1);
    expect(fake.tweets.map((t) => t.text)).toEqual(['first', 'second']);
  });

  it('on a 401 refreshes once and retries once, then posts', async () => {
    await start();
    const account = fake.account('oauth2');
    fake.expireAccessTokens();
    const store = memoryRefresher(account.credentials);
    await adapter.publish(publishRequest(), account, store.ctx);
    expect(fake.refreshCalls).toBe(1);
    expect(fake.requestsTo('POST /2/tweets')).toHaveLength(2);
    expect(bearerOf(1)).toBe(`Bearer ${store.stored.accessToken}`);
    expect(fake.tweets).toHaveLength(1);
  });

  it('without an expiresAt, learns of expiry from the 401', async () => {
    await start();
    const { expiresAt: _unknown, ...credentials } = fake.oauth2Credentials(-1000);
    await adapter.publish(publishRequest(), fake.account('oauth2', { credentials }), CTX);
    expect(fake.requestsTo('POST /2/tweets')).toHaveLength(2);
    expect(fake.refreshCalls).toBe(1);
    expect(fake.tweets).toHaveLength(1);
  });

  it('is reauth when the 401 persists after one refresh, with no second refresh', async () => {
    await start();
    const account = fake.account('oauth2');
    fake.failNext('POST /2/tweets', X_FAULTS.unauthorized(), 2);
    const store = memoryRefresher(account.credentials);
    const e = await caught(() => adapter.publish(publishRequest(), account, store.ctx));
    expectKind(e, 'reauth');
    expect(fake.refreshCalls).toBe(1);
    expect(fake.requestsTo('POST /2/tweets')).toHaveLength(2);
    expectNoSecret(e, { ...account, credentials: store.stored });
  });

  it('is reauth when the refresh is refused, and posts nothing', async () => {
    await start();
    const account = fake.account('oauth2', { credentials: fake.oauth2Credentials(-1000) });
    fake.revokeRefreshTokens();
    const e = await caught(() => adapter.publish(publishRequest(), account, memoryRefresher(account.credentials).ctx));
    expectKind(e, 'reauth');
    expect(e.message).toMatch(/invalid_request/);
    expectNoSecret(e, account);
    expect(fake.requestsTo('POST /2/tweets')).toHaveLength(0);
  });

  it('two concurrent publishes through one single-flight refresher: one refresh, both posted', async () => {
    await start();
    const account = fake.account('oauth2', { credentials: fake.oauth2Credentials(-1000) });
    const store = memoryRefresher(account.credentials);
    const results = await Promise.all([
      adapter.publish(publishRequest({ text: 'one' }), account, store.ctx),
      adapter.publish(publishRequest({ text: 'two' }), account, store.ctx),
    ]);
    expect(fake.refreshCalls).toBe(1);
    expect(fake.tweets.map((t) => t.text).sort()).toEqual(['one', 'two']);
    expect(results.map((r) => r.remoteId).sort()).toEqual(fake.tweets.map((t) => t.id).sort());
    expect([bearerOf(0), bearerOf(1)]).toEqual([
      `Bearer ${store.stored.accessToken}`,
      `Bearer ${store.stored.accessToken}`,
    ]);
  });

  it('without single flight, the second refresh with a used token is refused (why the lock exists)', async () => {
    await start();
    const account = fake.account('oauth2', { credentials: fake.oauth2Credentials(-1000) });
    await adapter.publish(publishRequest({ text: 'one' }), account, CTX);
    const e = await caught(() => adapter.publish(publishRequest({ text: 'two' }), account, CTX));
    expectKind(e, 'reauth');
    expect(fake.refreshCalls).toBe(2);
    expect(fake.tweets.map((t) => t.text)).toEqual(['one']);
  });

  it('a confidential client authenticates with Basic; a public one sends client_id', async () => {
    await start();
    await adapter.publish(publishRequest(), fake.account('oauth2', { credentials: fake.oauth2Credentials(-1) }), CTX);
    const [confidential] = fake.requestsTo('POST /2/oauth2/token');
    expect(confidential.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`,
    );
    expect(confidential.body).toEqual({ grant_type: 'refresh_token', refresh_token: expect.any(String) });
    await fake.stop();

    await start({ oauth2: { clientSecret: null } });
    const creds = fake.oauth2Credentials(-1);
    expect(creds.clientSecret).toBeUndefined();
    await adapter.publish(publishRequest(), fake.account('oauth2', { credentials: creds }), CTX);
    const [pub] = fake.requestsTo('POST /2/oauth2/token');
    expect(pub.headers.authorization).toBeUndefined();
    expect(pub.body).toEqual({
      grant_type: 'refresh_token',
      refresh_token: creds.refreshToken,
      client_id: fake.clientId,
    });
    expect(fake.tweets).toHaveLength(1);
  });

  it('a wrong client secret is reauth', async () => {
    await start();
    const credentials = { ...fake.oauth2Credentials(-1), clientSecret: 'not-the-client-secret' };
    const e = await caught(() => adapter.publish(publishRequest(), fake.account('oauth2', { credentials }), CTX));
    expectKind(e, 'reauth');
    expect(e.message).not.toContain('not-the-client-secret');
  });

  it('refreshes for an image upload too, and retries the upload after a 401', async () => {
    await start();
    const account = fake.account('oauth2');
    fake.expireAccessTokens();
    const imageUrl = fake.hostFile('/img.png', PNG_1X1, 'image/png');
    const article = { url: ARTICLE_URL, title: 't', imageUrl, videoUrl: null, description: null };
    await adapter.publish(publishRequest({ article }), account, CTX);
    expect(fake.requestsTo('POST /2/media/upload')).toHaveLength(2);
    expect(fake.refreshCalls).toBe(1);
    expect(fake.tweets[0].mediaIds).toEqual([fake.media[0].id]);
  });

  describe('the claim fence (ctx.assertClaimed) around a refresh', () => {
    /** A fence that logs, at each call, the requests the fake had seen ("METHOD path"). */
    const loggingFence = (base: AdapterContext, fail?: Error) => {
      const seen: string[][] = [];
      const assertClaimed = jest.fn(async () => {
        seen.push(fake.requests.map((r) => `${r.method} ${r.path}`));
        if (fail) throw fail;
      });
      return { seen, assertClaimed, ctx: { ...base, assertClaimed } };
    };

    it('comes after the up-front refresh, right before the tweet', async () => {
      await start();
      const account = fake.account('oauth2', { credentials: fake.oauth2Credentials(-1000) });
      const fence = loggingFence(memoryRefresher(account.credentials).ctx);
      await adapter.publish(publishRequest(), account, fence.ctx);
      expect(fence.seen).toEqual([['POST /2/oauth2/token']]);
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /2/oauth2/token', 'POST /2/tweets']);
    });

    it('is awaited again before the tweet is resent after a 401 and a refresh', async () => {
      await start();
      const account = fake.account('oauth2');
      fake.expireAccessTokens();
      const fence = loggingFence(memoryRefresher(account.credentials).ctx);
      await adapter.publish(publishRequest(), account, fence.ctx);
      expect(fence.seen).toEqual([[], ['POST /2/tweets', 'POST /2/oauth2/token']]);
      expect(fake.tweets).toHaveLength(1);
    });

    it('stops the resend after a refresh when the claim was lost meanwhile, unchanged', async () => {
      await start();
      const account = fake.account('oauth2');
      fake.expireAccessTokens();
      class ClaimLostForTest extends Error {}
      const lost = new ClaimLostForTest('claim lost during the refresh');
      let calls = 0;
      const assertClaimed = jest.fn(async () => {
        if (++calls > 1) throw lost;
      });
      const context = { ...memoryRefresher(account.credentials).ctx, assertClaimed };
      expect(await rejectionOf(() => adapter.publish(publishRequest(), account, context))).toBe(lost);
      expect(assertClaimed).toHaveBeenCalledTimes(2);
      expect(fake.requestsTo('POST /2/tweets')).toHaveLength(1);
      expect(fake.tweets).toHaveLength(0);
    });
  });

  it('verify refreshes an expired token and stores the new pair', async () => {
    await start();
    const account = fake.account('oauth2', { credentials: fake.oauth2Credentials(-1000) });
    const store = memoryRefresher(account.credentials);
    const result = await adapter.verify(account, store.ctx);
    expect(result).toEqual({
      ok: true,
      checked: true,
      remoteAccount: { id: fake.user.id, username: fake.user.username, name: fake.user.name },
    });
    expect(store.stored.accessToken).not.toBe(account.credentials.accessToken);
  });
});
