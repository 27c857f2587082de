import { baseUrl, credential, scrub, secretsOf } from '../adapter-helpers';
import { HttpResponse, request } from '../http';
import { AccountRef, AdapterContext, AmbiguousError, ReauthError, TransientError } from '../platform';
import { GraphFailureContext, classifyFacebook, graphErrorOf } from './facebook.errors';

export const DEFAULT_BASE = 'https://graph.facebook.com';
export const DEFAULT_GRAPH_VERSION = 'v27.0';

export type GraphParams = Record<string, string | number | undefined>;

/** One Page's Graph API session for one adapter call: base URL, version, Page token and timeout bound together. */
export class GraphApi {
  constructor(
    private readonly root: string,
    private readonly token: string,
    readonly pageId: string,
    private readonly timeoutMs: number,
    readonly secrets: readonly string[],
    /** `ctx.allowPrivateApiAddresses` (see HttpCall.allowPrivateAddresses). */
    private readonly allowPrivateAddresses = false,
  ) {}

  /** Builds the session from the account; a missing or malformed setting is an account problem (rule 2). */
  static forAccount(account: AccountRef, ctx: AdapterContext): GraphApi {
    const token = credential(account, 'pageAccessToken', 'facebook');
    const pageId = account.settings.pageId?.trim();
    if (!pageId) throw new ReauthError('facebook: setting pageId is missing');
    if (!/^\d+$/.test(pageId)) throw new ReauthError('facebook: pageId must be the numeric Page id');
    const version = (account.settings.graphVersion?.trim() || DEFAULT_GRAPH_VERSION).replace(/^\/+|\/+$/g, '');
    if (!/^v\d+\.\d+$/.test(version)) throw new ReauthError('facebook: graphVersion must look like v27.0');
    const root = `${baseUrl(account, 'facebook', DEFAULT_BASE)}/${version}`;
    return new GraphApi(root, token, pageId, ctx.timeoutMs, secretsOf(account), ctx.allowPrivateApiAddresses);
  }

  /** GET with the token as the `access_token` query parameter. */
  get(path: string, params: GraphParams, ctx: GraphFailureContext): Promise<Record<string, unknown>> {
    const query = new URLSearchParams(defined({ ...params, access_token: this.token }));
    return this.call('GET', `${this.root}${path}?${query}`, undefined, ctx);
  }

  /**
   * A real form POST (no method override) with `access_token` in the body, where no log line shows it. `fence`:
   * the claim fence (`claimFence(ctx)`) on the post create, awaited right before the request is sent.
   */
  post(
    path: string,
    params: GraphParams,
    ctx: GraphFailureContext,
    fence?: () => Promise<void>,
  ): Promise<Record<string, unknown>> {
    const body = new URLSearchParams(defined({ ...params, access_token: this.token }));
    return this.call('POST', `${this.root}${path}`, body, ctx, fence);
  }

  private async call(
    method: 'GET' | 'POST',
    url: string,
    body: URLSearchParams | undefined,
    ctx: GraphFailureContext,
    fence?: () => Promise<void>,
  ): Promise<Record<string, unknown>> {
    const res = await request({
      method,
      // The token is in this URL's query: request() only ever reports `label`.
      url,
      label: `facebook ${ctx.phase}`,
      timeoutMs: this.timeoutMs,
      allowPrivateAddresses: this.allowPrivateAddresses,
      headers: body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : undefined,
      body: body?.toString(),
      secrets: this.secrets,
      // No idempotency on the Graph API: a post whose answer was lost may exist.
      onSent: ctx.phase === 'publish' ? (_f, message) => new AmbiguousError(message) : undefined,
      fence,
    });
    return this.unwrap(res, ctx);
  }

  private unwrap(res: HttpResponse, ctx: GraphFailureContext): Record<string, unknown> {
    const ok = res.status >= 200 && res.status < 300;
    if (!ok || graphErrorOf(res.json)) throw scrub(classifyFacebook(res, ctx), this.secrets);
    if (res.json && typeof res.json === 'object' && !Array.isArray(res.json)) {
      return res.json as Record<string, unknown>;
    }
    // A 2xx that is not a JSON object proves nothing: maybe posted (publish) or simply unreadable.
    const what = `facebook ${ctx.phase}: HTTP ${res.status} without a JSON object`;
    throw ctx.phase === 'publish' ? new AmbiguousError(what, res.status) : new TransientError(what, res.status);
  }
}

function defined(params: GraphParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') out[k] = String(v);
  return out;
}

/** Graph ids are strings; a number would lose digits in JSON.parse, so only strings count. */
export function stringField(json: Record<string, unknown>, key: string): string | null {
  const v = json[key];
  return typeof v === 'string' && v ? v : null;
}
