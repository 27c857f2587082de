import { XFake } from '../fakes/x.fake';
import { CrierProcess } from '../support/crier-process';
import { E2EStack, inSeconds, waitForDelivery } from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

/**
 * X refresh tokens are single-use. Two workers (and a verify from the API) that find the same expired token must
 * end with ONE refresh: the new pair is stored before anyone else uses credentials.
 */
describe('X OAuth 2.0 refresh across processes', () => {
  let stack: E2EStack;
  let api: CrierProcess;
  let x: XFake;

  beforeAll(async () => {
    stack = await E2EStack.create();
    x = await XFake.start({ oauth2: { clientSecret: null } });
    api = await stack.start('api');
    await Promise.all([stack.start('worker'), stack.start('worker')]);
  });

  afterAll(async () => {
    await stack?.close();
    await x?.stop();
  });

  it('refreshes once while two workers publish two posts of the account at the same moment', async () => {
    const client = api.api();
    const expired = x.oauth2Credentials(-60_000);
    const account = await client
      .post('/api/v1/accounts')
      .send({ platform: 'x', name: 'X', credentials: expired, settings: { apiBaseUrl: x.baseUrl } })
      .expect(201);
    expect(account.body.credentials.refreshToken).toMatch(/^••••/);
    expect(account.body.credentials.clientId).toBe(expired.clientId);

    const at = inSeconds(2);
    const [a, b] = await Promise.all([
      client
        .post('/api/v1/posts')
        .send({ text: 'First post of the morning', accountIds: [account.body.id], scheduledAt: at })
        .expect(201),
      client
        .post('/api/v1/posts')
        .send({ text: 'Second post of the morning', accountIds: [account.body.id], scheduledAt: at })
        .expect(201),
    ]);
    // The API verifies the account at the same moment: a third would-be refresher.
    await waitFor(() => Date.now() >= new Date(at).getTime(), { what: 'the scheduled time' });
    const verify = await client.post(`/api/v1/accounts/${account.body.id}/verify`).expect(200);
    expect(verify.body).toMatchObject({ ok: true, checked: true });

    await waitForDelivery(client, a.body.id, a.body.deliveries[0].id, ['published'], 30_000);
    await waitForDelivery(client, b.body.id, b.body.deliveries[0].id, ['published'], 30_000);
    expect(x.refreshCalls).toBe(1);
    expect(x.tweets.map((t) => t.text).sort()).toEqual(['First post of the morning', 'Second post of the morning']);

    // The rotated pair is what is stored: the stored refresh token is no longer the one given.
    const after = await client.get(`/api/v1/accounts/${account.body.id}`).expect(200);
    expect(after.body.credentials.refreshToken).not.toBe(account.body.credentials.refreshToken);
    expect(new Date(after.body.credentials.expiresAt).getTime()).toBeGreaterThan(Date.now());
  });
});
