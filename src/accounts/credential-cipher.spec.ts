import { createCipheriv, randomBytes } from 'node:crypto';
import {
  CredentialCipher,
  keyCheckValueOf,
  keyIdOf,
  maskSecret,
  parseSecretKey,
  UndecryptableCredentials,
} from './credential-cipher';

describe('CredentialCipher', () => {
  const cipher = new CredentialCipher(randomBytes(32));

  it('round-trips credentials and never shows them in the envelope', () => {
    const env = cipher.encrypt('acc-1', { accessToken: 'super-secret-token-123' });
    expect(env).not.toContain('super-secret');
    expect(env.startsWith(`v2.${cipher.keyId}.`)).toBe(true);
    expect(cipher.decrypt('acc-1', env)).toEqual({ accessToken: 'super-secret-token-123' });
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt('a', { t: 'x' })).not.toEqual(cipher.encrypt('a', { t: 'x' }));
  });

  it('refuses an envelope moved to another account or tampered with', () => {
    const env = cipher.encrypt('acc-1', { accessToken: 'abc' });
    expect(() => cipher.decrypt('acc-2', env)).toThrow();
    const parts = env.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => cipher.decrypt('acc-1', parts.join('.'))).toThrow(UndecryptableCredentials);
    // A shortened authentication tag is refused, not checked on fewer bytes.
    const short = env.split('.');
    short[3] = Buffer.from(short[3], 'base64url').subarray(0, 4).toString('base64url');
    expect(() => cipher.decrypt('acc-1', short.join('.'))).toThrow(UndecryptableCredentials);
  });

  it('refuses a key of the wrong size', () => {
    expect(() => new CredentialCipher(randomBytes(16))).toThrow(/32 bytes/);
  });
});

/** A `v1` envelope as Crier wrote them before envelopes named their key. */
function v1Envelope(key: Buffer, accountId: string, credentials: Record<string, string>): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(accountId));
  const body = Buffer.concat([c.update(JSON.stringify(credentials), 'utf8'), c.final()]);
  return ['v1', iv, c.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

describe('CredentialCipher key rotation', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const before = new CredentialCipher(oldKey);
  const rotating = new CredentialCipher(newKey, [oldKey]);
  const after = new CredentialCipher(newKey);

  it('names the key in the envelope by an id that is not the key', () => {
    expect(rotating.keyId).toBe(keyIdOf(newKey));
    expect(keyIdOf(oldKey)).not.toBe(keyIdOf(newKey));
    const id = rotating.keyId;
    expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);
    for (const form of [newKey.toString('base64'), newKey.toString('hex'), newKey.toString('base64url')]) {
      expect(form).not.toContain(id);
    }
  });

  it('reads envelopes of the previous key and writes only under the current one', () => {
    const old = before.encrypt('acc-1', { botToken: 'old-token' });
    expect(rotating.decrypt('acc-1', old)).toEqual({ botToken: 'old-token' });
    expect(rotating.isCurrent(old)).toBe(false);
    expect(rotating.keyIdFor('acc-1', old)).toBe(keyIdOf(oldKey));
    const rewritten = rotating.encrypt('acc-1', rotating.decrypt('acc-1', old));
    expect(rotating.isCurrent(rewritten)).toBe(true);
    expect(after.decrypt('acc-1', rewritten)).toEqual({ botToken: 'old-token' });
  });

  it('still reads v1 envelopes (no key id) with the current or the previous key', () => {
    expect(rotating.decrypt('acc-1', v1Envelope(newKey, 'acc-1', { t: 'a' }))).toEqual({ t: 'a' });
    expect(rotating.decrypt('acc-1', v1Envelope(oldKey, 'acc-1', { t: 'b' }))).toEqual({ t: 'b' });
    expect(rotating.keyIdFor('acc-1', v1Envelope(oldKey, 'acc-1', { t: 'b' }))).toBe(keyIdOf(oldKey));
    expect(rotating.isCurrent(v1Envelope(newKey, 'acc-1', { t: 'a' }))).toBe(false);
    expect(() => after.decrypt('acc-1', v1Envelope(oldKey, 'acc-1', { t: 'b' }))).toThrow(
      /do not decrypt with CRIER_SECRET_KEY: set the key they were written with as CRIER_SECRET_KEY_PREVIOUS/,
    );
  });

  it('without the old key, says which key is missing and what to do, and shows no key', () => {
    const old = before.encrypt('acc-1', { botToken: 'old-token' });
    let error: Error | undefined;
    try {
      after.decrypt('acc-1', old);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(UndecryptableCredentials);
    expect(error?.message).toContain(`key id ${keyIdOf(oldKey)}`);
    expect(error?.message).toContain('CRIER_SECRET_KEY_PREVIOUS');
    for (const k of [oldKey, newKey]) {
      expect(error?.message).not.toContain(k.toString('base64'));
      expect(error?.message).not.toContain(k.toString('hex'));
    }
    expect(error?.message).not.toContain('old-token');
  });

  it('recognises the check value of its current and previous keys, and no other', () => {
    expect(rotating.keyIdOfCheck(keyCheckValueOf(newKey))).toBe(rotating.keyId);
    expect(rotating.keyIdOfCheck(keyCheckValueOf(oldKey))).toBe(keyIdOf(oldKey));
    expect(after.keyIdOfCheck(keyCheckValueOf(oldKey))).toBeNull();
    expect(rotating.checkValue()).toBe(keyCheckValueOf(newKey));
    expect(rotating.checkValue(keyIdOf(oldKey))).toBe(keyCheckValueOf(oldKey));
    expect(keyCheckValueOf(newKey)).not.toContain(newKey.toString('base64url'));
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
