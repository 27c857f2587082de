import { matchCredentialSet, missingFields } from './credential-sets';
import type { CredentialSet } from './platform';

const sets: CredentialSet[] = [
  { name: 'oauth1', fields: ['appKey', 'appSecret', 'accessToken', 'accessSecret'] },
  { name: 'oauth2', fields: ['clientId', 'accessToken', 'refreshToken'], optional: ['clientSecret', 'expiresAt'] },
  { name: 'password', fields: ['username', 'password'], managed: ['sessionToken'] },
];

describe('matchCredentialSet', () => {
  it('matches a complete set, with or without its optional fields', () => {
    expect(matchCredentialSet(sets, ['appKey', 'appSecret', 'accessToken', 'accessSecret'], 'user')?.name).toBe(
      'oauth1',
    );
    expect(matchCredentialSet(sets, ['clientId', 'accessToken', 'refreshToken'], 'user')?.name).toBe('oauth2');
    expect(
      matchCredentialSet(sets, ['clientId', 'accessToken', 'refreshToken', 'clientSecret', 'expiresAt'], 'user')?.name,
    ).toBe('oauth2');
  });
  it('refuses a mix of two kinds and an incomplete set', () => {
    expect(
      matchCredentialSet(sets, ['appKey', 'appSecret', 'accessToken', 'accessSecret', 'refreshToken'], 'user'),
    ).toBeUndefined();
    expect(matchCredentialSet(sets, ['accessToken', 'refreshToken'], 'user')).toBeUndefined();
  });
  it('lets only Crier store managed fields', () => {
    expect(matchCredentialSet(sets, ['username', 'password', 'sessionToken'], 'user')).toBeUndefined();
    expect(matchCredentialSet(sets, ['username', 'password', 'sessionToken'], 'stored')?.name).toBe('password');
  });
  it('names what is missing from the nearest set', () => {
    expect(missingFields(sets, ['clientId', 'accessToken'])).toEqual(['refreshToken']);
  });
});
