import { matchCredentialSet } from '../../src/platforms/credential-sets';
import { MindsAdapter } from '../../src/platforms/minds/minds.adapter';
import { MemoryCredentialStore, apiKeyAccount, passwordAccount, storedTokens } from '../fakes/minds-accounts';
import { V3_UNAUTHORIZED } from '../fakes/minds-fake.rules';
import { DEFAULT_API_KEY, MindsFake, PUBLISH_KEY, TOKEN_KEY, oauthError } from '../fakes/minds.fake';
import { CTX, caught, expectKind, expectNoSecret, publishRequest, rejectionOf } from './contract-support';

/** Minds sign-in: password grant, rotating refresh tokens, single-flight storage, 401 recovery, API keys. */

const adapter = new MindsAdapter();
const HOUR = 3600_000;

describe('minds sign-in and token refresh', () => {
  let fake: MindsFake;
  beforeEach(async () => (fake = await MindsFake.start()));
  afterEach(async () => fake.stop());

  const bearerOf = (prefix: string) => fake.requestsTo(prefix).map((r) => String(r.headers.authorization));
  /** A store holding a token pair the fake issued, expiring at `expiresAt` as far as the adapter knows. */
  const seeded = (expiresAt: Date, serverTtlSeconds?: number) => {
    const tokens = fake.issueTokens(serverTtlSeconds);
    const store = new MemoryCredentialStore(
      passwordAccount(fake, { extra: storedTokens(tokens, expiresAt) }).credentials,
    );
    return { tokens, store, account: store.account(passwordAccount(fake)) };
  };

  it('signs in once on a first publish and stores the tokens through refreshCredentials', async () => {
    const store = new MemoryCredentialStore(passwordAccount(fake).credentials);
    const before = Date.now();
    await adapter.publish(publishRequest(), store.account(passwordAccount(fake)), store.context());

    expect(fake.tokenCalls).toMatchObject([{ grant: 'password', ok: true }]);
    const body = fake.requestsTo(TOKEN_KEY)[0].body as Record<string, string>;
    expect(body).toEqual({
      grant_type: 'password',
      client_id: 'mobile',
      username: fake.username,
      password: fake.password,
    });
    expect(String(fake.requestsTo(TOKEN_KEY)[0].headers['content-type'])).toContain(
      'application/x-www-form-urlencoded',
    );

    const stored = store.credentials;
    expect(Object.keys(stored).sort()).toEqual(['accessToken', 'expiresAt', 'password', 'refreshToken', 'username']);
    expect(bearerOf(PUBLISH_KEY)).toEqual([`Bearer ${stored.accessToken}`]);
    const expiresAt = Date.parse(stored.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 72 * HOUR - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 72 * HOUR);
    // The stored shape is one the account validation accepts on a later PATCH.
    expect(matchCredentialSet(adapter.credentialSets, Object.keys(stored), 'stored')?.name).toBe('password');

    // The next publish uses the stored token: no sign-in.
    await adapter.publish(publishRequest({ text: 'second' }), store.account(passwordAccount(fake)), store.context());
    expect(fake.tokenCallCount()).toBe(1);
    expect(fake.activities).toHaveLength(2);
  });

  it.each([
    ['already expired', -HOUR],
    ['expiring within 60 s', 30_000],
  ])('refreshes an access token %s before the post (one refresh call)', async (_name, offset) => {
    const { tokens, store, account } = seeded(new Date(Date.now() + offset));
    await adapter.publish(publishRequest(), account, store.context());

    expect(fake.tokenCalls).toMatchObject([{ grant: 'refresh_token', ok: true }]);
    expect(fake.requestsTo(TOKEN_KEY)[0].body).toMatchObject({
      refresh_token: tokens.refreshToken,
      client_id: 'mobile',
    });
    // The post went out once, with the new token, and nothing was refused first.
    expect(bearerOf(PUBLISH_KEY)).toEqual([`Bearer ${store.credentials.accessToken}`]);
    expect(store.credentials.accessToken).not.toBe(tokens.accessToken);
    expect(store.credentials.refreshToken).not.toBe(tokens.refreshToken);
  });

  it('on a 401, refreshes, retries once and succeeds', async () => {
    const { tokens, store, account } = seeded(new Date(Date.now() + HOUR));
    fake.revokeAccessTokens();
    const result = await adapter.publish(publishRequest(), account, store.context());

    expect(bearerOf(PUBLISH_KEY)).toEqual([`Bearer ${tokens.accessToken}`, `Bearer ${store.credentials.accessToken}`]);
    expect(fake.tokenCalls).toMatchObject([{ grant: 'refresh_token', ok: true }]);
    expect(fake.activities.map((a) => a.guid)).toEqual([result.remoteId]);
  });

  it('awaits the claim fence after the renewal and again before the activity is resent after a 401', async () => {
    const { store, account } = seeded(new Date(Date.now() + HOUR));
    fake.revokeAccessTokens();
    const seen: string[][] = [];
    const assertClaimed = jest.fn(async () => {
      seen.push(fake.requests.map((r) => `${r.method} ${r.path}`));
    });
    await adapter.publish(publishRequest(), account, { ...store.context(), assertClaimed });

    expect(seen).toEqual([[], [PUBLISH_KEY, TOKEN_KEY]]);
    expect(fake.activities).toHaveLength(1);
  });

  it('sends nothing more when the claim was lost during the renewal, and lets that error through unchanged', async () => {
    const { store, account } = seeded(new Date(Date.now() + HOUR));
    fake.revokeAccessTokens();
    class ClaimLostForTest extends Error {}
    const lost = new ClaimLostForTest('claim lost during the renewal');
    let calls = 0;
    const assertClaimed = jest.fn(async () => {
      if (++calls > 1) throw lost;
    });
    const e = await rejectionOf(() =>
      adapter.publish(publishRequest(), account, { ...store.context(), assertClaimed }),
    );
    expect(e).toBe(lost);
    expect(fake.requestsTo(PUBLISH_KEY)).toHaveLength(1);
    expect(fake.activities).toHaveLength(0);
  });

  it('signs in with the password again when the refresh token was revoked', async () => {
    const { store, account } = seeded(new Date(Date.now() - HOUR));
    fake.revokeAll();
    await adapter.publish(publishRequest(), account, store.context());

    expect(fake.tokenCalls).toMatchObject([
      { grant: 'refresh_token', ok: false, reason: 'revoked' },
      { grant: 'password', ok: true },
    ]);
    expect(fake.activities).toHaveLength(1);
    expect(store.refreshCalls).toBe(1);
  });

  it('signs in with the password when the stored refresh token was already spent (single use)', async () => {
    const { tokens, store, account } = seeded(new Date(Date.now() - HOUR));
    // Someone spent it (e.g. a refresh whose answer was lost).
    const spent = await fetch(`${fake.baseUrl}${TOKEN_KEY.split(' ')[1]}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'mobile',
        refresh_token: tokens.refreshToken,
      }),
    });
    expect(spent.status).toBe(200);
    await adapter.publish(publishRequest(), account, store.context());
    expect(fake.tokenCalls.slice(1)).toMatchObject([
      { grant: 'refresh_token', ok: false, reason: 'reused' },
      { grant: 'password', ok: true },
    ]);
  });

  it('reports a wrong password as reauth, posts nothing and stores nothing', async () => {
    const account = passwordAccount(fake, { token: 'wrong-password-that-must-not-leak' });
    const store = new MemoryCredentialStore(account.credentials);
    const e = await caught(() => adapter.publish(publishRequest(), account, store.context()));
    expectKind(e, 'reauth');
    expectNoSecret(e, account);
    expect(e.message).toContain('credentials were incorrect');
    expect(fake.activities).toHaveLength(0);
    expect(fake.requestsTo(PUBLISH_KEY)).toHaveLength(0);
    expect(store.credentials).toEqual(account.credentials);
  });

  it('a 401 that survives a fresh sign-in is reauth after exactly two sends', async () => {
    fake.failNext(PUBLISH_KEY, V3_UNAUTHORIZED, 2);
    const e = await caught(() => adapter.publish(publishRequest(), passwordAccount(fake), CTX));
    expectKind(e, 'reauth');
    expect(fake.requestsTo(PUBLISH_KEY)).toHaveLength(2);
    // First publish signs in; the 401 renews with the refresh token just issued.
    expect(fake.tokenCalls.map((c) => c.grant)).toEqual(['password', 'refresh_token']);
  });

  it('two concurrent publishes through one single-flight store sign in once and both post', async () => {
    const store = new MemoryCredentialStore(passwordAccount(fake).credentials);
    const account = store.account(passwordAccount(fake));
    const results = await Promise.all([
      adapter.publish(publishRequest({ text: 'first' }), account, store.context()),
      adapter.publish(publishRequest({ text: 'second' }), account, store.context()),
    ]);

    expect(fake.tokenCallCount()).toBe(1);
    expect(store.refreshCalls).toBe(1);
    expect(fake.activities.map((a) => a.message).sort()).toEqual(['first', 'second']);
    expect(new Set(results.map((r) => r.remoteId)).size).toBe(2);
    expect(new Set(bearerOf(PUBLISH_KEY))).toEqual(new Set([`Bearer ${store.credentials.accessToken}`]));
  });

  it('two concurrent publishes with an expired token spend the single-use refresh token once', async () => {
    const { store, account } = seeded(new Date(Date.now() - HOUR));
    await Promise.all([
      adapter.publish(publishRequest({ text: 'a' }), account, store.context()),
      adapter.publish(publishRequest({ text: 'b' }), account, store.context()),
    ]);
    expect(fake.tokenCalls).toMatchObject([{ grant: 'refresh_token', ok: true }]);
    expect(fake.activities).toHaveLength(2);
  });

  it('verify signs in with the password even when a token is stored, and stores the new pair', async () => {
    const { tokens, store, account } = seeded(new Date(Date.now() + HOUR));
    const result = await adapter.verify(account, store.context());
    expect(result).toEqual({
      ok: true,
      checked: true,
      remoteAccount: { id: fake.userGuid, username: fake.username, name: fake.name },
    });
    expect(fake.tokenCalls).toMatchObject([{ grant: 'password', ok: true }]);
    expect(store.credentials.accessToken).not.toBe(tokens.accessToken);

    fake.password = 'changed-on-minds';
    const stale = await adapter.verify(store.account(account), store.context());
    expect(stale).toMatchObject({ ok: false, checked: true, reason: expect.stringContaining('incorrect') });
  });

  it('a legacy route refusing an expired token (403 loggedin:false) gets one fresh sign-in', async () => {
    const { store, account } = seeded(new Date(Date.now() + HOUR));
    fake.revokeAccessTokens();
    const found = await adapter.reconcile(publishRequest(), account, store.context());
    expect(found).toBeNull();
    expect(fake.requestsTo('GET /api/v1/channel/me')).toHaveLength(2);
    expect(fake.tokenCalls).toMatchObject([{ grant: 'refresh_token', ok: true }]);
  });

  it('works without a credential store: signs in for the call, stores nothing', async () => {
    await adapter.publish(publishRequest(), passwordAccount(fake), CTX);
    await adapter.publish(publishRequest({ text: 'again' }), passwordAccount(fake), CTX);
    expect(fake.tokenCallCount('password')).toBe(2);
    expect(fake.activities).toHaveLength(2);
  });

  it('an access token Minds issued for a short time is refreshed before the next post', async () => {
    fake.accessTtlSeconds = 1;
    const store = new MemoryCredentialStore(passwordAccount(fake).credentials);
    await adapter.publish(publishRequest(), store.account(passwordAccount(fake)), store.context());
    // Minds says 1 s; the adapter renews within 60 s of expiry, so the next publish refreshes first.
    fake.accessTtlSeconds = 3600;
    await adapter.publish(publishRequest({ text: 'later' }), store.account(passwordAccount(fake)), store.context());
    expect(fake.tokenCalls.map((c) => c.grant)).toEqual(['password', 'refresh_token']);
    expect(fake.requestsTo(PUBLISH_KEY)).toHaveLength(2);
  });

  it('a token the server expired before its stored expiry goes 401 → refresh → retry', async () => {
    const { tokens, store, account } = seeded(new Date(Date.now() + HOUR), 0);
    await adapter.publish(publishRequest(), account, store.context());
    expect(bearerOf(PUBLISH_KEY)).toEqual([`Bearer ${tokens.accessToken}`, `Bearer ${store.credentials.accessToken}`]);
    expect(fake.tokenCalls).toMatchObject([{ grant: 'refresh_token', ok: true }]);
    expect(fake.activities).toHaveLength(1);
  });

  it('a refresh answered 400 then a refused password is reauth, without a post', async () => {
    const { store, account } = seeded(new Date(Date.now() - HOUR));
    fake.failNext(TOKEN_KEY, oauthError(400, 'invalid_grant', 'The refresh token is invalid.'));
    fake.password = 'changed-on-minds';
    const e = await caught(() => adapter.publish(publishRequest(), account, store.context()));
    expectKind(e, 'reauth');
    expectNoSecret(e, store.account(account));
    expect(fake.requestsTo(PUBLISH_KEY)).toHaveLength(0);
  });
});

describe('minds personal API keys', () => {
  let fake: MindsFake;
  beforeEach(async () => (fake = await MindsFake.start()));
  afterEach(async () => fake.stop());

  it('never call the token endpoint: publish, verify and reconcile send the key as Bearer', async () => {
    const store = new MemoryCredentialStore(apiKeyAccount(fake).credentials);
    const req = publishRequest();
    await adapter.publish(req, apiKeyAccount(fake), store.context());
    expect(await adapter.verify(apiKeyAccount(fake), store.context())).toMatchObject({ ok: true });
    expect(await adapter.reconcile(req, apiKeyAccount(fake), store.context())).not.toBeNull();

    expect(fake.tokenCallCount()).toBe(0);
    expect(store.refreshCalls).toBe(0);
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${DEFAULT_API_KEY}`)).toBe(true);
    expect(fake.activities[0].auth).toBe('apiKey');
  });

  it('a refused key is reauth at once, sent once', async () => {
    const account = apiKeyAccount(fake, { token: 'pak_revoked_key_that_must_not_leak' });
    const e = await caught(() => adapter.publish(publishRequest(), account, CTX));
    expectKind(e, 'reauth');
    expectNoSecret(e, account);
    expect(fake.requestsTo(PUBLISH_KEY)).toHaveLength(1);
    expect(fake.tokenCallCount()).toBe(0);
  });
});
