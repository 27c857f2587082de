import { randomUUID } from 'node:crypto';
import { AccountsRepository } from '../../src/accounts/accounts.repository';
import { CredentialCipher } from '../../src/accounts/credential-cipher';
import { CredentialRefreshService } from '../../src/accounts/credential-refresh.service';
import { LeasesRepository } from '../../src/database/leases.repository';
import { TransientError } from '../../src/platforms/platform';
import { mediumConfig, mediumDb, MediumDb, testCipher, uniquePrefix } from './medium-env';

/** The single-flight credential refresh against a real Postgres: it never writes over credentials it did not start from. */
describe('CredentialRefreshService (medium)', () => {
  let m: MediumDb;
  let repo: AccountsRepository;
  let cipher: CredentialCipher;
  let refresher: CredentialRefreshService;

  beforeAll(async () => {
    m = await mediumDb();
    repo = new AccountsRepository(m.db);
    cipher = testCipher();
    refresher = new CredentialRefreshService(
      repo,
      cipher,
      new LeasesRepository(m.db),
      mediumConfig(uniquePrefix('refresh')),
    );
  });

  afterAll(async () => {
    await m?.close();
  });

  async function account(credentials: Record<string, string>) {
    const id = randomUUID();
    await repo.insert({
      id,
      platform: 'x',
      name: 'X account',
      status: 'active',
      settings: JSON.stringify({}),
      credentials_enc: cipher.encrypt(id, credentials),
    });
    return id;
  }
  const stored = async (id: string) => cipher.decrypt(id, (await repo.find(id))!.credentials_enc);

  it('stores the refreshed pair when the credentials are still the ones it started from', async () => {
    const old = { accessToken: 'a1', refreshToken: 'r1' };
    const id = await account(old);
    const fresh = await refresher.refresh(id, old, () => Promise.resolve({ accessToken: 'a2', refreshToken: 'r2' }));
    expect(fresh).toEqual({ accessToken: 'a2', refreshToken: 'r2' });
    expect(await stored(id)).toEqual(fresh);
  });

  it('an editor who replaces the credentials mid-refresh (e.g. moving the account to another host) keeps them', async () => {
    const old = { accessToken: 'a1', refreshToken: 'r1' };
    const id = await account(old);
    const edited = { accessToken: 'new-host-token', refreshToken: 'new-host-refresh' };
    const refresh = async () => {
      // The PATCH lands while the old host answers the refresh.
      await repo.update(id, { credentials_enc: cipher.encrypt(id, edited) });
      return { accessToken: 'old-host-a2', refreshToken: 'old-host-r2' };
    };
    await expect(refresher.refresh(id, old, refresh)).rejects.toBeInstanceOf(TransientError);
    expect(await stored(id)).toEqual(edited);
  });
});
