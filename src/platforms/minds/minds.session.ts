import { baseUrl, credential, secretsOf } from '../adapter-helpers';
import { HttpResponse, NetworkFailure, request } from '../http';
import { AccountRef, AdapterContext, PlatformError, ReauthError, TransientError } from '../platform';
import { isAuthFailure } from './minds.errors';
import { GrantRejected, TokenGrant, requestToken, tokenUsable } from './minds.tokens';

export const DEFAULT_BASE = 'https://www.minds.com';

/**
 * One account's conversation with Minds for the length of one adapter call.
 *
 * `{apiKey}` accounts send the personal key (`pak_…`) as a Bearer token, nothing else. `{username, password}`
 * accounts carry the tokens Crier obtained (`accessToken`, `refreshToken`, `expiresAt`) in the same credentials:
 * a missing or nearly expired access token is renewed before the call, a 401 renews it once and the call is
 * retried once. Renewal goes through `ctx.refreshCredentials` (one per account at a time, stored before use), so
 * two workers never spend the same single-use refresh token.
 */

/** How a renewal may be satisfied by credentials another caller stored meanwhile. */
type RenewMode =
  /** Any usable access token will do. */
  | 'ensure'
  /** The current token was refused: any other usable token will do. */
  | 'replace'
  /** The password itself must be checked (verify): only our own password grant counts. */
  | 'login';

export interface SendOptions {
  label: string;
  json?: unknown;
  form?: FormData;
  onSent?: (failure: NetworkFailure, message: string) => PlatformError;
  /**
   * `claimFence(ctx)` on the activity create only: awaited after any token renewal, right before each send (the
   * resend after a refused token included).
   */
  fence?: () => Promise<void>;
}

export class MindsSession {
  readonly base: string;
  /** Every credential value, including tokens obtained during this call: scrubbed from all messages. */
  readonly secrets: string[];
  private creds: Record<string, string>;
  /** The token in use; usually `creds.accessToken`, but a grant without a refresh token is kept here only. */
  private token: { value: string; expiresAt?: string } | null = null;
  private readonly apiKey: string | undefined;

  constructor(
    account: AccountRef,
    private readonly ctx: AdapterContext,
  ) {
    this.base = baseUrl(account, 'minds', DEFAULT_BASE);
    this.creds = account.credentials;
    this.secrets = secretsOf(account);
    this.apiKey = account.credentials.apiKey || undefined;
    if (!this.apiKey) {
      if (!account.credentials.username && !account.credentials.password) {
        throw new ReauthError('minds: credentials need username and password, or apiKey');
      }
      credential(account, 'username', 'minds');
      credential(account, 'password', 'minds');
      if (account.credentials.accessToken) {
        this.token = { value: account.credentials.accessToken, expiresAt: account.credentials.expiresAt };
      }
    }
  }

  /**
   * Sends an authenticated request. A refused token (password accounts) is renewed once and the request sent once
   * more; whatever the second answer is, it is returned as is for the caller to classify.
   */
  async send(method: 'GET' | 'POST' | 'PUT', path: string, opts: SendOptions): Promise<HttpResponse> {
    const bearer = await this.bearer();
    const res = await this.sendWith(bearer, method, path, opts);
    if (this.apiKey || !isAuthFailure(res)) return res;
    // A refused token proves nothing was done, so sending again cannot duplicate.
    await this.renew('replace', bearer);
    return this.sendWith(this.token!.value, method, path, opts);
  }

  /** Signs in with the password even if a token is stored, proving the password (verify). No-op for API keys. */
  async login(): Promise<void> {
    if (!this.apiKey) await this.renew('login');
  }

  private async bearer(): Promise<string> {
    if (this.apiKey) return this.apiKey;
    if (!this.token || !tokenUsable(this.token.value, this.token.expiresAt)) await this.renew('ensure');
    return this.token!.value;
  }

  private sendWith(bearer: string, method: 'GET' | 'POST' | 'PUT', path: string, opts: SendOptions) {
    const headers: Record<string, string> = { Authorization: `Bearer ${bearer}` };
    if (opts.json !== undefined) headers['Content-Type'] = 'application/json';
    return request({
      method,
      url: this.base + path,
      label: `minds ${opts.label}`,
      timeoutMs: this.ctx.timeoutMs,
      allowPrivateAddresses: this.ctx.allowPrivateApiAddresses,
      headers,
      body: opts.json ?? opts.form,
      secrets: this.secrets,
      onSent: opts.onSent,
      fence: opts.fence,
    });
  }

  /**
   * Obtains a new access token, through the single-flight store when there is one. If another caller already
   * replaced the stored credentials, theirs are used when they satisfy `mode`; otherwise one more round runs
   * against the credentials now stored.
   */
  private async renew(mode: RenewMode, refused?: string): Promise<void> {
    for (let round = 0; round < 2; round++) {
      let grant: TokenGrant | undefined;
      const refresh = async (current: Record<string, string>) => {
        grant = await this.obtain(current, mode === 'login');
        this.remember(grant);
        // Without a refresh token there is nothing worth storing: the token serves this call only.
        if (!grant.refreshToken) return current;
        return {
          ...current,
          accessToken: grant.accessToken,
          refreshToken: grant.refreshToken,
          expiresAt: grant.expiresAt,
        };
      };
      const stale = this.creds;
      this.creds = this.ctx.refreshCredentials
        ? await this.ctx.refreshCredentials(stale, refresh)
        : await refresh(stale);
      this.remember(this.creds);
      if (grant) {
        this.token = { value: grant.accessToken, expiresAt: grant.expiresAt };
        return;
      }
      const stored = this.creds.accessToken;
      if (mode !== 'login' && stored && stored !== refused && tokenUsable(stored, this.creds.expiresAt)) {
        this.token = { value: stored, expiresAt: this.creds.expiresAt };
        return;
      }
    }
    throw new TransientError('minds: the stored credentials kept changing during sign-in; will try again');
  }

  /** Refresh grant when there is a refresh token (and the password is not to be proven), else the password. */
  private async obtain(current: Record<string, string>, forcePassword: boolean): Promise<TokenGrant> {
    const opts = {
      timeoutMs: this.ctx.timeoutMs,
      secrets: this.secrets,
      allowPrivateAddresses: this.ctx.allowPrivateApiAddresses,
    };
    if (current.refreshToken && !forcePassword) {
      try {
        return await requestToken(
          this.base,
          { grant_type: 'refresh_token', refresh_token: current.refreshToken },
          opts,
        );
      } catch (e) {
        // Revoked, expired or already spent (single-use): signing in again with the password is the documented way.
        if (!(e instanceof GrantRejected)) throw e;
      }
    }
    const username = current.username ?? '';
    const password = current.password ?? '';
    if (!username || !password) throw new ReauthError('minds: credentials need username and password, or apiKey');
    try {
      return await requestToken(this.base, { grant_type: 'password', username, password }, opts);
    } catch (e) {
      if (e instanceof GrantRejected) {
        throw new ReauthError(
          `${e.message} (check username and password; an account with two-factor sign-in needs an apiKey instead)`,
          e.statusCode,
        );
      }
      throw e;
    }
  }

  private remember(values: TokenGrant | Record<string, string>): void {
    for (const v of Object.values(values))
      if (typeof v === 'string' && v && !this.secrets.includes(v)) this.secrets.push(v);
  }
}
