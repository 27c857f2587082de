import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LeasesRepository } from '../database/leases.repository';
import { ReauthError, TransientError } from '../platforms/platform';
import { AccountsRepository } from './accounts.repository';
import { CredentialCipher, UndecryptableCredentials } from './credential-cipher';

/**
 * Single-flight refresh of rotating credentials (X OAuth 2.0 refresh tokens are single-use). One refresh per
 * account at a time across every process, under a lease in the database; whoever comes second finds the stored credentials
 * already replaced and uses them. The new pair is written (encrypted) before anyone can use it.
 */
@Injectable()
export class CredentialRefreshService {
  constructor(
    private readonly repo: AccountsRepository,
    private readonly cipher: CredentialCipher,
    private readonly leases: LeasesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The `refreshCredentials` of an AdapterContext for one account. */
  forAccount(accountId: string) {
    return (
      stale: Record<string, string>,
      refresh: (current: Record<string, string>) => Promise<Record<string, string>>,
    ) => this.refresh(accountId, stale, refresh);
  }

  async refresh(
    accountId: string,
    stale: Record<string, string>,
    refresh: (current: Record<string, string>) => Promise<Record<string, string>>,
  ): Promise<Record<string, string>> {
    const name = `refresh:${accountId}`;
    const ttl = this.config.httpTimeoutMs * 2 + 5000;
    const deadline = Date.now() + ttl * 2;
    let lease = await this.leases.hold(name, ttl);
    while (!lease) {
      if (Date.now() > deadline) {
        throw new TransientError('another credential refresh of this account is still running');
      }
      await new Promise((r) => setTimeout(r, 100));
      lease = await this.leases.hold(name, ttl);
    }
    try {
      const row = await this.repo.find(accountId);
      if (!row) throw new TransientError('account was deleted during a credential refresh');
      const current = this.readable(row.id, row.credentials_enc);
      if (!sameCredentials(current, stale)) return current;
      const fresh = await refresh(current);
      // Only over the credentials the refresh started from: an editor may have replaced them meanwhile (perhaps
      // with another host's), and the old host's new tokens must neither overwrite those nor be sent there.
      if (!(await this.repo.replaceCredentials(row.id, row.credentials_enc, this.cipher.encrypt(row.id, fresh)))) {
        throw new TransientError("the account's credentials changed during a credential refresh");
      }
      return fresh;
    } finally {
      await lease.release();
    }
  }

  /** Adapters throw only platform errors: credentials no key opens need a person, as refused ones do. */
  private readable(accountId: string, envelope: string): Record<string, string> {
    try {
      return this.cipher.decrypt(accountId, envelope);
    } catch (e) {
      if (e instanceof UndecryptableCredentials) throw new ReauthError(e.message);
      throw e;
    }
  }
}

function sameCredentials(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}
