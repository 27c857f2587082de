import {
  baseUrl,
  budgetKey,
  claimFence,
  credential,
  scrub,
  secretsOf,
  tokenKey,
  verifyOutcome,
} from '../adapter-helpers';
import { HttpResponse, request } from '../http';
import {
  AccountRef,
  AdapterContext,
  AmbiguousError,
  FieldSpec,
  PlatformAdapter,
  PlatformError,
  PlatformLimits,
  PublishRequest,
  PublishResult,
  RateBudget,
  TransientError,
  VerifyResult,
} from '../platform';
import { gettrHeaders, gettrPostContent, gettrPostUrl, gettrUid } from './gettr.content';
import { GettrPhase, publishedPostId, readResult } from './gettr.errors';
import { scanUserPosts } from './gettr.match';

const DEFAULT_BASE = 'https://api.gettr.com';
/** 777 from a secondary source; the unit is UNCONFIRMED, UTF-16 units are the cautious reading (§3.6). */
const MAX_LENGTH = 777;
const PAGE_SIZE = 20;
const RECONCILE_PAGES = 3;
/** Tolerated clock difference: `cdate` is our own clock, but a previous attempt may have run on another host. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** One account's GETTR session for one adapter call. */
class GettrApi {
  constructor(
    private readonly base: string,
    readonly uid: string,
    private readonly token: string,
    private readonly timeoutMs: number,
    readonly secrets: readonly string[],
    /** `ctx.allowPrivateApiAddresses` (see HttpCall.allowPrivateAddresses). */
    private readonly allowPrivateAddresses = false,
  ) {}

  /** `fence`: the claim fence (`claimFence(ctx)`) on the post create, awaited right before the request is sent. */
  send(
    method: 'GET' | 'POST',
    path: string,
    phase: GettrPhase,
    form?: URLSearchParams,
    fence?: () => Promise<void>,
  ): Promise<HttpResponse> {
    return request({
      method,
      url: this.base + path,
      label: `gettr ${phase}`,
      timeoutMs: this.timeoutMs,
      allowPrivateAddresses: this.allowPrivateAddresses,
      headers: {
        ...gettrHeaders(this.uid, this.token),
        ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form?.toString(),
      secrets: this.secrets,
      // No idempotency: a post whose answer was lost may exist (rule 3).
      onSent: phase === 'publish' ? (_f, message) => new AmbiguousError(message) : undefined,
      fence,
    });
  }

  /** `result` of an `rc:"OK"` read, or throws the classified error. */
  async read(path: string, phase: GettrPhase): Promise<Record<string, unknown>> {
    const out = readResult(await this.send('GET', path, phase), phase);
    if (out instanceof PlatformError) throw scrub(out, this.secrets);
    return out;
  }
}

/** GETTR (§3.6): unofficial, reverse-engineered web API; text posts with the article as link preview. */
export class GettrAdapter implements PlatformAdapter {
  readonly id = 'gettr' as const;
  readonly name = 'GETTR';
  readonly kind = 'Unofficial, reverse-engineered web API';
  readonly credentialFields: readonly FieldSpec[] = [
    { name: 'username', secret: false, required: true, description: 'GETTR username (without @)' },
    { name: 'token', secret: true, required: true, description: 'Session token from a logged-in browser' },
  ];
  readonly settingsFields: readonly FieldSpec[] = [
    { name: 'apiBaseUrl', secret: false, required: false, description: 'GETTR API host', default: DEFAULT_BASE },
  ];

  /**
   * Crier's choice: GETTR publishes no limits (docs/PLATFORMS.md §3.6, rate headers UNCONFIRMED), and an unofficial
   * client should stay far below what a person could do by hand: the old queue-wide 10 / min, now per account, and
   * 100 / h. The account is its username (the token is re-copied from a browser now and then), digested.
   */
  budgets(account: AccountRef): RateBudget[] {
    const username = account.credentials.username;
    const who = username ? tokenKey(gettrUid(username)) : `account:${account.accountId}`;
    const key = budgetKey(account.settings.apiBaseUrl || DEFAULT_BASE, who);
    return [
      { scope: 'account', key, max: 10, windowMs: 60_000 },
      { scope: 'account', key, max: 100, windowMs: 3600_000 },
    ];
  }

  /**
   * Images are not uploaded (maxImages 0): the upload flow (§3.6 Media) is a 2025 secondary source with a
   * separate host and signed GCS URLs. The article image still shows, as the link preview's `previmg`.
   */
  limits(): PlatformLimits {
    return { maxLength: MAX_LENGTH, counting: 'utf16', maxImages: 0, video: false };
  }

  measure(text: string): number {
    return text.length;
  }

  async publish(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult> {
    const api = this.session(account, ctx);
    const form = new URLSearchParams({ content: gettrPostContent(req, api.uid, Date.now()) });
    // The fence before the irreversible call, right before POST /u/post (there is nothing to prepare).
    const res = await api.send('POST', '/u/post', 'publish', form, claimFence(ctx));
    const id = publishedPostId(res, req);
    if (id instanceof PlatformError) throw scrub(id, api.secrets);
    return { remoteId: id, remoteUrl: gettrPostUrl(id) };
  }

  /** GETTR has no read that proves a token: this proves the user exists, and says the token went unchecked. */
  async verify(account: AccountRef, ctx: AdapterContext): Promise<VerifyResult> {
    return verifyOutcome(async () => {
      const api = this.session(account, ctx);
      const result = await api.read(`/s/uinf/${encodeURIComponent(api.uid)}`, 'verify');
      const data = (result.data ?? {}) as { _id?: unknown; nickname?: unknown; username?: unknown };
      if (typeof data._id !== 'string' || !data._id) {
        throw new TransientError('gettr verify: user info without an _id');
      }
      return {
        ok: true,
        checked: false,
        reason: 'GETTR has no call that proves a token; the user exists',
        remoteAccount: {
          id: data._id,
          name: typeof data.nickname === 'string' ? data.nickname : undefined,
          username: typeof data.username === 'string' ? data.username : api.uid,
        },
      };
    });
  }

  async reconcile(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult | null> {
    const api = this.session(account, ctx);
    const sinceMs = req.firstAttemptAt.getTime() - CLOCK_SKEW_MS;
    for (let page = 0; page < RECONCILE_PAGES; page++) {
      const query = `offset=${page * PAGE_SIZE}&max=${PAGE_SIZE}&dir=fwd&incl=posts&fp=f_uo`;
      const result = await api.read(`/u/user/${encodeURIComponent(api.uid)}/posts?${query}`, 'read');
      if (!Array.isArray((result.data as { list?: unknown } | undefined)?.list)) {
        throw new TransientError('gettr read: posts answer without result.data.list');
      }
      const scan = scanUserPosts(result, req, api.uid, sinceMs);
      if (scan.found) return { remoteId: scan.found, remoteUrl: gettrPostUrl(scan.found) };
      if (scan.size < PAGE_SIZE || scan.reachedOlder) return null;
    }
    // Over 60 posts since the first attempt without a match: call it not found.
    return null;
  }

  private session(account: AccountRef, ctx: AdapterContext): GettrApi {
    const uid = gettrUid(credential(account, 'username', 'gettr'));
    const token = credential(account, 'token', 'gettr');
    const base = baseUrl(account, 'gettr', DEFAULT_BASE);
    return new GettrApi(base, uid, token, ctx.timeoutMs, secretsOf(account), ctx.allowPrivateApiAddresses);
  }
}
