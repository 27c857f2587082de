import type { WebhooksRepository } from '../webhooks/webhooks.repository';
import { AccountsRepository } from './accounts.repository';
import { CredentialCipher, UndecryptableCredentials } from './credential-cipher';
import { SecretKeyRepository } from './secret-key.repository';

/** What the start-up check found. */
export type KeyCheck =
  /** The database's key is one this process holds: the current one, or (mid-rotation) a previous one. */
  | { kind: 'ok'; current: boolean; stored: boolean }
  /** The database's key is none of this process's keys: it must not start (the message says what to do). */
  | { kind: 'mismatch'; message: string };

export interface RekeyReport {
  keyId: string;
  reencrypted: number;
  alreadyCurrent: number;
  /** Accounts whose credentials no key given opens: they are left as they are and marked reauth_required. */
  undecryptable: string[];
  /** Webhook signing secrets: re-encrypted, and those no key opens (their webhooks are disabled). */
  webhooks: { reencrypted: number; undecryptable: string[] };
}

/** Thrown where a process must not go on with the key it was given; main prints the message and exits 1. */
export class SecretKeyMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyMismatch';
  }
}

const PAGE = 200;
/** A row rewritten this many times while rekey works on it (a token refresh loop) is reported, not fought over. */
const MAX_TRIES = 5;

/**
 * The encryption key's life (README "The encryption key"): the check at every start, which refuses a key that is
 * not the database's, and the rekey command, which moves every stored credential to the current key and then
 * makes it the database's key, so CRIER_SECRET_KEY_PREVIOUS can be dropped.
 */
export class SecretKeyService {
  constructor(
    private readonly keys: SecretKeyRepository,
    private readonly accounts: AccountsRepository,
    private readonly cipher: CredentialCipher,
    /** Where the current key came from, for the message: the variable, or the dev file it was generated into. */
    private readonly keySource: string | null = null,
    /** The webhooks' signing secrets are under the same key (src/webhooks/). */
    private readonly webhooks: WebhooksRepository | null = null,
  ) {}

  async check(): Promise<KeyCheck> {
    let stored = await this.keys.get();
    let first = false;
    if (!stored) {
      // First start with this table: the key is the one the stored credentials (if any) decrypt with.
      const keyId = await this.keyOfStoredCredentials();
      if (keyId === null) return { kind: 'mismatch', message: this.mismatchMessage(null) };
      await this.keys.insertIfAbsent({ keyId, checkValue: this.cipher.checkValue(keyId) });
      stored = await this.keys.get();
      first = true;
    }
    const keyId = stored ? this.cipher.keyIdOfCheck(stored.checkValue) : null;
    if (!stored || keyId === null) return { kind: 'mismatch', message: this.mismatchMessage(stored?.keyId ?? null) };
    return { kind: 'ok', current: keyId === this.cipher.keyId, stored: first };
  }

  /**
   * Re-encrypts every stored credential under the current key and records it as the database's key. Refuses (like
   * the start) when the database's key is not among the keys given, unless `keyLost` says the old key is gone for
   * good: the current key then becomes the database's, and what it cannot open is marked reauth_required.
   */
  async rekey(opts: { keyLost?: boolean } = {}): Promise<RekeyReport> {
    const check = await this.check();
    if (check.kind === 'mismatch' && !opts.keyLost) throw new SecretKeyMismatch(check.message);
    const report: RekeyReport = {
      keyId: this.cipher.keyId,
      reencrypted: 0,
      alreadyCurrent: 0,
      undecryptable: [],
      webhooks: { reencrypted: 0, undecryptable: [] },
    };
    let after: string | null = null;
    for (;;) {
      const page = await this.accounts.envelopes(after, PAGE);
      for (const row of page) {
        const outcome = await this.rekeyOne(row.id, row.credentials_enc);
        if (outcome === 'reencrypted') report.reencrypted++;
        else if (outcome === 'current') report.alreadyCurrent++;
        else if (outcome !== 'gone') {
          report.undecryptable.push(row.id);
          await this.accounts.markReauthRequired(row.id, outcome.reason);
        }
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1].id;
    }
    if (this.webhooks) await this.rekeyWebhooks(this.webhooks, report.webhooks);
    await this.keys.replace({ keyId: this.cipher.keyId, checkValue: this.cipher.checkValue() });
    return report;
  }

  /** A webhook's secret never changes after it is made, so one conditional write each suffices. */
  private async rekeyWebhooks(repo: WebhooksRepository, out: RekeyReport['webhooks']): Promise<void> {
    let after: string | null = null;
    for (;;) {
      const page = await repo.envelopes(after, PAGE);
      for (const row of page) {
        let secret: Record<string, string>;
        try {
          secret = this.cipher.decrypt(row.id, row.secret_enc);
        } catch (e) {
          if (!(e instanceof UndecryptableCredentials)) throw e;
          out.undecryptable.push(row.id);
          await repo.disable(row.id, 'its signing secret cannot be read with CRIER_SECRET_KEY: register it again');
          continue;
        }
        if (this.cipher.isCurrent(row.secret_enc)) continue;
        if (await repo.replaceSecret(row.id, row.secret_enc, this.cipher.encrypt(row.id, secret))) out.reencrypted++;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1].id;
    }
  }

  private async rekeyOne(
    id: string,
    envelope: string,
  ): Promise<'reencrypted' | 'current' | 'gone' | { reason: string }> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      let credentials: Record<string, string>;
      try {
        credentials = this.cipher.decrypt(id, envelope);
      } catch (e) {
        if (e instanceof UndecryptableCredentials) return { reason: e.message };
        throw e;
      }
      if (this.cipher.isCurrent(envelope)) return 'current';
      if (await this.accounts.replaceCredentials(id, envelope, this.cipher.encrypt(id, credentials))) {
        return 'reencrypted';
      }
      // Written meanwhile (a token refresh, new credentials): look again at what is there now.
      const fresh = await this.accounts.find(id);
      if (!fresh) return 'gone';
      envelope = fresh.credentials_enc;
    }
    throw new Error(`the credentials of account ${id} kept changing while they were re-encrypted; run rekey again`);
  }

  /** The key that opens the first stored credentials it can open; the current key when there are none. */
  private async keyOfStoredCredentials(): Promise<string | null> {
    const sample = await this.accounts.envelopes(null, PAGE);
    if (sample.length === 0) return this.cipher.keyId;
    for (const row of sample) {
      try {
        return this.cipher.keyIdFor(row.id, row.credentials_enc);
      } catch (e) {
        if (!(e instanceof UndecryptableCredentials)) throw e;
      }
    }
    return null;
  }

  private mismatchMessage(expectedKeyId: string | null): string {
    const source = this.keySource ? `, ${this.keySource}` : '';
    const what =
      expectedKeyId === null
        ? `none of the stored credentials decrypt with CRIER_SECRET_KEY (key id ${this.cipher.keyId}${source})`
        : `CRIER_SECRET_KEY (key id ${this.cipher.keyId}${source}) is not the key this database's credentials are ` +
          `encrypted with (key id ${expectedKeyId})`;
    return [
      `Crier will not start: ${what}.`,
      'What to do:',
      `  - restore the original key as CRIER_SECRET_KEY${this.keySource ? ' (or in that file)' : ''}; keep a copy of it ` +
        'with every backup of the database, or',
      '  - to change the key: set the original key as CRIER_SECRET_KEY_PREVIOUS and the new one as CRIER_SECRET_KEY,',
      '    start Crier, then run `npm run rekey` (node dist/main.js rekey); afterwards CRIER_SECRET_KEY_PREVIOUS can go.',
      '  - only if the original key is lost for good: `npm run rekey -- --key-lost` makes CRIER_SECRET_KEY the key;',
      "    every account's credentials must then be entered again (PATCH /api/v1/accounts/:id).",
    ].join('\n');
  }
}
