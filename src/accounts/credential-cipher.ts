import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Stored credentials that no key of this process opens: written under a key Crier was not given (lost, or not set
 * as CRIER_SECRET_KEY_PREVIOUS during a rotation), damaged, or copied from another account. The message names no
 * secret: it becomes the account's status reason and its held deliveries' error.
 */
export class UndecryptableCredentials extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndecryptableCredentials';
  }
}

/** A short public name of a key (a keyed hash, not the key): envelopes and the key check say which key they need. */
export function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('crier key id').digest().subarray(0, 6).toString('base64url');
}

/** What the database keeps to recognise its key at start-up (migration 0008): a keyed hash of a fixed text. */
export function keyCheckValueOf(key: Buffer): string {
  return createHmac('sha256', key).update('crier secret key check v1').digest('base64url');
}

/**
 * AES-256-GCM for credentials at rest. The envelope is `v2.<key id>.<iv>.<tag>.<ciphertext>` (base64url); the
 * account id is the additional authenticated data, so a ciphertext copied onto another account row does not
 * decrypt. Writes always use the current key; reads also accept the previous keys (a rotation in progress,
 * README "The encryption key") and the older `v1.<iv>.<tag>.<ciphertext>` envelopes, which name no key.
 */
export class CredentialCipher {
  /** The current key's id: what every new envelope names. */
  readonly keyId: string;
  /** Every key this process can read with, current first. */
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(key: Buffer, previous: readonly Buffer[] = []) {
    if (key.length !== 32) throw new Error('CRIER_SECRET_KEY must decode to exactly 32 bytes');
    if (previous.some((k) => k.length !== 32)) throw new Error('CRIER_SECRET_KEY_PREVIOUS must decode to 32 bytes');
    this.keyId = keyIdOf(key);
    const keys = new Map<string, Buffer>([[this.keyId, key]]);
    for (const k of previous) if (!keys.has(keyIdOf(k))) keys.set(keyIdOf(k), k);
    this.keys = keys;
  }

  encrypt(accountId: string, credentials: Record<string, string>): string {
    const key = this.keys.get(this.keyId) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(accountId));
    const body = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
    return ['v2', this.keyId, ...[iv, cipher.getAuthTag(), body].map((p) => p.toString('base64url'))].join('.');
  }

  /** Throws UndecryptableCredentials when no key of this process opens the envelope. */
  decrypt(accountId: string, envelope: string): Record<string, string> {
    return this.open(accountId, envelope).credentials;
  }

  /**
   * A keyed hash (HMAC-SHA256 under the current key) of credentials, for telling whether given values changed
   * without storing them (the config file's apply, migration 0015). Field order does not matter.
   */
  fingerprint(scope: string, credentials: Record<string, string>): string {
    const sorted = Object.keys(credentials)
      .sort()
      .map((k) => [k, credentials[k]]);
    const key = this.keys.get(this.keyId) as Buffer;
    return createHmac('sha256', key)
      .update(`crier credentials fingerprint v1\0${scope}\0`)
      .update(JSON.stringify(sorted))
      .digest('base64url');
  }

  /** Whether the envelope is already under the current key (rekey leaves it alone). */
  isCurrent(envelope: string): boolean {
    return envelope.startsWith(`v2.${this.keyId}.`);
  }

  /** The id of the key that opens the envelope; throws UndecryptableCredentials when none does. */
  keyIdFor(accountId: string, envelope: string): string {
    return this.open(accountId, envelope).keyId;
  }

  /** The id of the key (current or previous) whose check value this is, or null when it is none of them. */
  keyIdOfCheck(checkValue: string): string | null {
    const given = Buffer.from(checkValue);
    for (const [id, key] of this.keys) {
      const mine = Buffer.from(keyCheckValueOf(key));
      if (mine.length === given.length && timingSafeEqual(mine, given)) return id;
    }
    return null;
  }

  /** The check value of a key this process holds (by id). */
  checkValue(keyId = this.keyId): string {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`no key with id ${keyId}`);
    return keyCheckValueOf(key);
  }

  private open(accountId: string, envelope: string): { credentials: Record<string, string>; keyId: string } {
    const parts = envelope.split('.');
    if (parts[0] === 'v2' && parts.length === 5) {
      const [, id, iv, tag, body] = parts;
      const key = this.keys.get(id);
      if (!key) {
        throw new UndecryptableCredentials(
          `stored credentials were encrypted with a key this process was not given (key id ${id}; ` +
            `CRIER_SECRET_KEY has key id ${this.keyId}): set that key as CRIER_SECRET_KEY_PREVIOUS, ` +
            'or enter the credentials again',
        );
      }
      const credentials = attempt(key, accountId, iv, tag, body);
      if (!credentials) {
        throw new UndecryptableCredentials(
          `stored credentials do not decrypt with their key (key id ${id}): damaged, or copied from another ` +
            'account; enter the credentials again',
        );
      }
      return { credentials, keyId: id };
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      const [, iv, tag, body] = parts;
      for (const [id, key] of this.keys) {
        const credentials = attempt(key, accountId, iv, tag, body);
        if (credentials) return { credentials, keyId: id };
      }
      throw new UndecryptableCredentials(
        'stored credentials do not decrypt with CRIER_SECRET_KEY' +
          (this.keys.size > 1 ? ' or CRIER_SECRET_KEY_PREVIOUS' : '') +
          ': set the key they were written with as CRIER_SECRET_KEY_PREVIOUS, or enter the credentials again',
      );
    }
    throw new UndecryptableCredentials('stored credentials are not in a known envelope format');
  }
}

/** One AES-GCM open; null when the key or the account id does not fit (the tag does not verify). */
function attempt(key: Buffer, accountId: string, iv: string, tag: string, body: string): Record<string, string> | null {
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(accountId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  } catch {
    return null;
  }
  return JSON.parse(plain.toString('utf8')) as Record<string, string>;
}

/** Accepts 64 hex characters or base64 (standard or url-safe) of exactly 32 bytes. */
export function parseSecretKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return b.length === 32 ? b : null;
  }
  return null;
}

/** `••••` + the last 4 characters (fewer for short values), as API.md shows secret fields. */
export function maskSecret(value: string): string {
  const tail = value.length > 8 ? value.slice(-4) : '';
  return `••••${tail}`;
}
