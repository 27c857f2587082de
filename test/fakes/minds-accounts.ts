import type { AccountRef, AdapterContext } from '../../src/platforms/platform';
import { DEFAULT_API_KEY, MindsFake } from './minds.fake';

/** Accounts for the Minds fake, and an in-memory stand-in for the app's single-flight credential store. */

export interface MindsAccountOptions {
  /** A wrong password (password accounts) or a wrong key (API-key accounts). */
  token?: string;
  baseUrl?: string;
  /** Extra stored fields (accessToken, refreshToken, expiresAt). */
  extra?: Record<string, string>;
  remote?: AccountRef['remote'];
}

export function passwordAccount(fake: MindsFake, opts: MindsAccountOptions = {}): AccountRef {
  return {
    accountId: 'acc-minds',
    credentials: { username: fake.username, password: opts.token ?? fake.password, ...opts.extra },
    settings: { apiBaseUrl: opts.baseUrl ?? fake.baseUrl },
    remote: opts.remote ?? null,
  };
}

export function apiKeyAccount(fake: MindsFake, opts: MindsAccountOptions = {}): AccountRef {
  return {
    accountId: 'acc-minds-key',
    credentials: { apiKey: opts.token ?? DEFAULT_API_KEY },
    settings: { apiBaseUrl: opts.baseUrl ?? fake.baseUrl },
    remote: opts.remote ?? null,
  };
}

/** Stored tokens as the adapter writes them: `expiresAt` in ISO 8601. */
export function storedTokens(
  tokens: { accessToken: string; refreshToken: string },
  expiresAt: Date,
): Record<string, string> {
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: expiresAt.toISOString() };
}

/**
 * What CredentialRefreshService does, in memory: refreshes run one at a time (a promise chain), a caller whose
 * `stale` credentials were already replaced gets the stored ones without refreshing, and the new credentials are
 * stored before anyone sees them.
 */
export class MemoryCredentialStore {
  refreshCalls = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(public credentials: Record<string, string>) {}

  readonly refreshCredentials: NonNullable<AdapterContext['refreshCredentials']> = (stale, refresh) => {
    const run = this.chain.then(async () => {
      if (!sameCredentials(this.credentials, stale)) return this.credentials;
      this.refreshCalls++;
      this.credentials = await refresh({ ...this.credentials });
      return this.credentials;
    });
    this.chain = run.catch(() => undefined);
    return run;
  };

  /** The account as the worker would build it from what is stored now. */
  account(base: AccountRef): AccountRef {
    return { ...base, credentials: { ...this.credentials } };
  }

  context(timeoutMs = 3000): AdapterContext {
    // The fake listens on 127.0.0.1, refused by default (CRIER_PLATFORMS_ALLOW_PRIVATE).
    return { timeoutMs, refreshCredentials: this.refreshCredentials, allowPrivateApiAddresses: true };
  }
}

function sameCredentials(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}
