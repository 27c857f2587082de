import { randomBytes } from 'node:crypto';
import { CredentialCipher, maskSecret, parseSecretKey } from './credential-cipher';

describe('CredentialCipher', () => {
  const cipher = new CredentialCipher(randomBytes(32));

  it('round-trips credentials and never shows them in the envelope', () => {
    const env = cipher.encrypt('acc-1', { accessToken: 'super-secret-token-123' });
    expect(env).not.toContain('super-secret');
    expect(env.startsWith('v1.')).toBe(true);
    expect(cipher.decrypt('acc-1', env)).toEqual({ accessToken: 'super-secret-token-123' });
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt('a', { t: 'x' })).not.toEqual(cipher.encrypt('a', { t: 'x' }));
  });

  it('refuses an envelope moved to another account or tampered with', () => {
    const env = cipher.encrypt('acc-1', { accessToken: 'abc' });
    expect(() => cipher.decrypt('acc-2', env)).toThrow();
    const parts = env.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => cipher.decrypt('acc-1', parts.join('.'))).toThrow();
  });

  it('refuses a key of the wrong size', () => {
    expect(() => new CredentialCipher(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('parseSecretKey', () => {
  const key = randomBytes(32);
  it.each([
    ['hex', key.toString('hex')],
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
  ])('accepts %s', (_n, text) => expect(parseSecretKey(text)?.equals(key)).toBe(true));
  it.each([['short'], ['z'.repeat(64)], [randomBytes(31).toString('base64')], [randomBytes(33).toString('hex')]])(
    'rejects %s',
    (text) => expect(parseSecretKey(text)).toBeNull(),
  );
});

describe('maskSecret', () => {
  it('shows only the last four of long values', () => expect(maskSecret('abcdefghijkl')).toBe('••••ijkl'));
  it('shows nothing of short values', () => expect(maskSecret('abc12')).toBe('••••'));
});
