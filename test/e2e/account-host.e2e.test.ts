import type { RecordedRequest } from '../fakes/fake-server';
import { MastodonFake } from '../fakes/mastodon.fake';
import { createMastodonAccount, publishText, useCrier, waitForDelivery } from '../support/e2e-stack';

jest.setTimeout(60_000);

/** Everything a request carried, as one string to search for a secret. */
const wire = (r: RecordedRequest) => JSON.stringify({ path: r.path, query: r.query, headers: r.headers, body: r.body });

/**
 * Credentials stay with their host (docs/API.md "Account"): moving an account's apiBaseUrl to another origin needs
 * the new host's credentials in the same request, so whoever holds the API token cannot have the stored secrets
 * sent to a host of their own. "home" is the platform the account was made for; "attacker" is another server.
 */
describe('an account moved to another host never takes its stored credentials along', () => {
  const e2e = useCrier();
  let home: MastodonFake;
  let attacker: MastodonFake;

  beforeEach(async () => {
    [home, attacker] = await Promise.all([
      MastodonFake.start({ flavour: 'mastodon', accessToken: 'home-secret-token-0123456789abcdef' }),
      MastodonFake.start({ flavour: 'mastodon', accessToken: 'attacker-issued-token-9876543210' }),
    ]);
  });

  afterEach(async () => {
    await Promise.all([home?.stop(), attacker?.stop()]);
  });

  it('refuses the move without credentials (400 naming credentials); verify and publish stay at home', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, home);

    const moved = await api.patch(`/api/v1/accounts/${accountId}`).send({ settings: { apiBaseUrl: attacker.baseUrl } });
    expect(moved.status).toBe(400);
    expect(moved.body.message).toMatch(/^credentials are required when settings\.apiBaseUrl moves to another host/);
    // Another name for the same server is another origin too.
    const renamed = await api
      .patch(`/api/v1/accounts/${accountId}`)
      .send({ name: 'renamed', settings: { apiBaseUrl: home.baseUrl.replace('127.0.0.1', 'localhost') } });
    expect(renamed.status).toBe(400);

    const account = await api.get(`/api/v1/accounts/${accountId}`).expect(200);
    expect(account.body).toMatchObject({ name: 'Mastodon', settings: { apiBaseUrl: home.baseUrl } });

    const verified = await api.post(`/api/v1/accounts/${accountId}/verify`).expect(200);
    expect(verified.body).toMatchObject({ ok: true, checked: true });
    const { postId, deliveryId } = await publishText(api, accountId, 'Still posted at home');
    await waitForDelivery(api, postId, deliveryId, ['published']);

    expect(home.statuses.map((s) => s.text)).toEqual(['Still posted at home']);
    expect(attacker.requests).toEqual([]);
  });

  it('moves with the new host’s credentials, and only those ever reach it', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, home);
    await api.post(`/api/v1/accounts/${accountId}/verify`).expect(200);

    const moved = await api
      .patch(`/api/v1/accounts/${accountId}`)
      .send({ settings: { apiBaseUrl: attacker.baseUrl }, credentials: { accessToken: attacker.accessToken } })
      .expect(200);
    expect(moved.body).toMatchObject({
      settings: { apiBaseUrl: attacker.baseUrl },
      credentials: { accessToken: `••••${attacker.accessToken.slice(-4)}` },
      // What verify learned described the old host.
      remoteAccount: null,
    });

    const verified = await api.post(`/api/v1/accounts/${accountId}/verify`).expect(200);
    expect(verified.body).toMatchObject({ ok: true, checked: true });
    const { postId, deliveryId } = await publishText(api, accountId, 'Posted at the new host');
    await waitForDelivery(api, postId, deliveryId, ['published']);

    expect(attacker.statuses.map((s) => s.text)).toEqual(['Posted at the new host']);
    expect(attacker.requests.length).toBeGreaterThanOrEqual(2);
    for (const r of attacker.requests) {
      expect(wire(r)).not.toContain(home.accessToken);
      expect(r.headers.authorization).toBe(`Bearer ${attacker.accessToken}`);
    }
  });

  it('takes no stored field along a move: partial credentials that would be merged at home are refused', async () => {
    const api = e2e.crier.api();
    const oauth1 = {
      appKey: 'app-key-000-0123',
      appSecret: 'app-secret-000-0123',
      accessToken: 'access-token-0123',
      accessSecret: 'access-secret-0123',
    };
    const created = await api
      .post('/api/v1/accounts')
      .send({ platform: 'x', name: 'X', credentials: oauth1 }) // the default host, https://api.x.com
      .expect(201);
    const url = `/api/v1/accounts/${created.body.id}`;
    const userTokens = { accessToken: 'access-token-4567', accessSecret: 'access-secret-4567' };

    // Elsewhere, the app's key and secret would have to come from the store: refused, nothing changes.
    const moved = await api.patch(url).send({ settings: { apiBaseUrl: attacker.baseUrl }, credentials: userTokens });
    expect(moved.status).toBe(400);
    expect(moved.body.message).toMatch(/^credentials must be one kind for x/);
    const kept = await api.get(url).expect(200);
    expect(kept.body.settings.apiBaseUrl).toBe('https://api.x.com');
    expect(kept.body.credentials.accessToken).toBe('••••0123');

    // At the same host the same fields are merged with the stored app key and secret, as before.
    const merged = await api.patch(url).send({ credentials: userTokens }).expect(200);
    expect(merged.body.credentials).toMatchObject({ appKey: '••••0123', accessToken: '••••4567' });
    expect(attacker.requests).toEqual([]);
  });
});

/** CRIER_PLATFORMS_ALLOW_PRIVATE=false (the default): an apiBaseUrl on loopback is refused before anything is sent. */
describe('platform calls to a loopback address are refused unless allowed', () => {
  const e2e = useCrier('all', { CRIER_PLATFORMS_ALLOW_PRIVATE: 'false' });
  let fake: MastodonFake;

  beforeAll(async () => {
    fake = await MastodonFake.start({ flavour: 'mastodon', accessToken: 'loopback-secret-token-0123456789' });
  });

  afterAll(async () => {
    await fake?.stop();
  });

  it('fails the delivery permanently and answers verify ok:false, both naming the host; the fake gets nothing', async () => {
    const api = e2e.crier.api();
    const accountId = await createMastodonAccount(api, fake);
    const host = new URL(fake.baseUrl).host;
    const refused = `refused to connect to ${host}: it is or resolves to a loopback, private or link-local address`;

    const { postId, deliveryId } = await publishText(api, accountId, 'Never sent');
    const failed = await waitForDelivery(api, postId, deliveryId, ['failed']);
    expect(String(failed.error)).toContain(refused);
    expect(String(failed.error)).toContain('CRIER_PLATFORMS_ALLOW_PRIVATE');
    expect(failed.attempts).toBe(1);

    const verified = await api.post(`/api/v1/accounts/${accountId}/verify`).expect(200);
    expect(verified.body).toMatchObject({ ok: false, checked: true, reason: expect.stringContaining(refused) });

    // A problem of this delivery, not an account to hold: the account stays active.
    const account = await api.get(`/api/v1/accounts/${accountId}`).expect(200);
    expect(account.body.status).toBe('active');
    expect(fake.requests).toEqual([]);
  });
});
