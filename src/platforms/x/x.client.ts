import { baseUrl, scrub } from '../adapter-helpers';
import { HttpResponse, NetworkFailure, request } from '../http';
import { AccountRef, AdapterContext, PlatformError, PublishRequest, ReauthError } from '../platform';
import { XAuthKind, authKind, authorization, exchangeRefreshToken, expiresSoon } from './x.auth';
import { XPhase, classifyX } from './x.errors';

export const X_DEFAULT_BASE = 'https://api.x.com';

export interface XCall {
  phase: XPhase;
  /** Query parameters (GET); signed into OAuth 1.0a, so keep them free of spaces. */
  query?: Record<string, string>;
  json?: unknown;
  form?: FormData;
  onSent?: (failure: NetworkFailure, message: string) => PlatformError;
  /** `claimFence(ctx)` on the tweet create only: awaited before each send, the resend after a refresh included. */
  fence?: () => Promise<void>;
}

/** RFC 3986 encoding, the one OAuth 1.0a signs: encodeURIComponent plus !'()*. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * One adapter call's session with the X API: base URL, credentials and timeout. For OAuth 2.0 it owns the
 * refresh rule: before the first call when the token is (nearly) expired, else once after a 401, never more
 * than once per session; always through `ctx.refreshCredentials` when the context offers it.
 */
export class XClient {
  readonly kind: XAuthKind;
  private creds: Record<string, string>;
  private refreshed = false;

  private constructor(
    readonly base: string,
    private readonly account: AccountRef,
    private readonly ctx: AdapterContext,
  ) {
    this.creds = account.credentials;
    this.kind = authKind(this.creds);
  }

  /** Opens a session and refreshes a (nearly) expired OAuth 2.0 token up front, not after a failed call. */
  static async open(account: AccountRef, ctx: AdapterContext): Promise<XClient> {
    const client = new XClient(baseUrl(account, 'x', X_DEFAULT_BASE), account, ctx);
    if (client.kind === 'oauth2' && expiresSoon(client.creds)) await client.refresh();
    return client;
  }

  /** Every credential value this session has seen (the given ones and any refreshed pair): never in messages. */
  get secrets(): string[] {
    return [...new Set([...Object.values(this.account.credentials), ...Object.values(this.creds)])].filter(Boolean);
  }

  /**
   * Sends one request; on a 401 with OAuth 2.0 (and no refresh yet in this session) refreshes and sends it once
   * more. A 401 is a refusal before anything happened, so even the publish call is safe to repeat.
   */
  async send(method: 'GET' | 'POST', path: string, call: XCall): Promise<HttpResponse> {
    const res = await this.once(method, path, call);
    if (res.status !== 401 || this.kind !== 'oauth2' || this.refreshed) return res;
    await this.refresh();
    return this.once(method, path, call);
  }

  /** Classifies a failed answer, scrubbed of every credential this session holds. */
  fail(res: HttpResponse, phase: XPhase, req?: PublishRequest): PlatformError {
    const e = classifyX(res, { phase, req });
    if (res.status === 401 && this.kind === 'oauth2' && e instanceof ReauthError) {
      Object.defineProperty(e, 'message', {
        value: `${e.message} (still refused after refreshing the OAuth 2.0 token)`,
      });
    }
    return scrub(e, this.secrets);
  }

  private async once(method: 'GET' | 'POST', path: string, call: XCall): Promise<HttpResponse> {
    const qs = call.query
      ? Object.entries(call.query)
          .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
          .join('&')
      : '';
    const url = `${this.base}${path}${qs ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { Authorization: authorization(this.creds, method, url) };
    if (call.json !== undefined) headers['Content-Type'] = 'application/json';
    return request({
      method,
      url,
      label: `x ${call.phase}`,
      timeoutMs: this.ctx.timeoutMs,
      allowPrivateAddresses: this.ctx.allowPrivateApiAddresses,
      headers,
      body: call.json ?? call.form,
      secrets: this.secrets,
      onSent: call.onSent,
      fence: call.fence,
    });
  }

  private async refresh(): Promise<void> {
    const stale = this.creds;
    const exchange = (current: Record<string, string>) =>
      exchangeRefreshToken(this.base, current, this.ctx.timeoutMs, this.ctx.allowPrivateApiAddresses);
    // The context's refresher is single-flight across processes and stores the new pair before anyone uses it;
    // without one (unit tests, previews) the pair lives only in this session.
    this.creds = this.ctx.refreshCredentials
      ? await this.ctx.refreshCredentials(stale, exchange)
      : await exchange(stale);
    this.refreshed = true;
  }
}
