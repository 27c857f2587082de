import { isCloudflarePage, tokenBudgetKey } from '../adapter-helpers';
import { countGraphemesUrl23 } from '../counting';
import { HttpResponse } from '../http';
import { MastodonApi, MastodonFamilyAdapter } from '../mastodon-family/mastodon-family.base';
import { FailureContext, describeFailure } from '../mastodon-family/mastodon-family.errors';
import {
  AccountRef,
  AmbiguousError,
  PermanentError,
  PlatformError,
  RateBudget,
  RateLimitedError,
  ReauthError,
  RemoteAccount,
  TransientError,
} from '../platform';

/** `status_limit_validator.rb` windows, named as in its messages; "Hourly" must not match inside "Semi-hourly". */
const CAPS: Array<[RegExp, number]> = [
  [/minute by minute/i, 60_000],
  [/semi-hourly/i, 30 * 60_000],
  [/(^|[^-\w])hourly/i, 3600_000],
  [/daily/i, 24 * 3600_000],
];

/** Longest window named in a "… status limit reached" message (several are joined by ", "), or null. */
export function gabCapDelayMs(error: string): number | null {
  if (!/status limit reached/i.test(error)) return null;
  const hits = CAPS.filter(([re]) => re.test(error)).map(([, ms]) => ms);
  return hits.length ? Math.max(...hits) : 60_000;
}

export const GAB_DEFAULT_BASE = 'https://gab.com';

/**
 * Gab's caps per account (docs/PLATFORMS.md §3.3, `status_limit_validator.rb`): 20 statuses / min, 100 / 30 min,
 * 250 / h, 1500 / day, all counting the same statuses, so one key. Gab TV posts on the same account with the same
 * token, and spends the same caps.
 */
export function gabBudgets(account: AccountRef): RateBudget[] {
  const key = tokenBudgetKey(account, 'accessToken', GAB_DEFAULT_BASE);
  return [
    { scope: 'account', key, max: 20, windowMs: 60_000 },
    { scope: 'account', key, max: 100, windowMs: 30 * 60_000 },
    { scope: 'account', key, max: 250, windowMs: 3600_000 },
    { scope: 'account', key, max: 1500, windowMs: 24 * 3600_000 },
  ];
}

const ACCOUNT_403 =
  /unauthorized app|outside the authorized scopes|login is currently disabled|pending approval|(account|login)[^.]*flagged as spam/i;

/** Gab (§3.3): a Mastodon fork with per-window caps answered as 422, no idempotency and no v2 media. */
export class GabAdapter extends MastodonFamilyAdapter {
  constructor() {
    super({
      id: 'gab',
      name: 'Gab',
      kind: 'Unofficial Mastodon fork (first-party web token)',
      defaultBaseUrl: GAB_DEFAULT_BASE,
      defaultMaxLength: 5000,
      counting: 'graphemes-url23',
      maxImages: 8,
      maxImageBytes: 40 * 1024 * 1024,
      mediaPath: '/api/v1/media',
      idempotent: false,
    });
  }

  measure(text: string): number {
    return countGraphemesUrl23(text);
  }

  /** Gab's own caps replace the Mastodon baseline (no rate headers, no other limit documented). */
  override budgets(account: AccountRef): RateBudget[] {
    return gabBudgets(account);
  }

  protected override postUrl(base: string, username: string, id: string): string {
    return `${base}/${username}/posts/${id}`;
  }

  /** The flags gabtv will need (media upload is limited to PRO/Verified/Donor/Investor accounts). */
  protected override async accountFacts(
    _api: MastodonApi,
    me: Record<string, unknown>,
  ): Promise<Partial<RemoteAccount>> {
    const flags = ['is_pro', 'is_verified', 'is_donor', 'is_investor'] as const;
    return Object.fromEntries(flags.map((f) => [f, me[f] === true]));
  }

  protected override classifySpecific(res: HttpResponse, ctx: FailureContext): PlatformError | undefined {
    const status = res.status;
    const error = errorText(res.json);
    const message = describeFailure(res, ctx);
    if ((status === 403 || status === 429) && isCloudflarePage(res.text, res.headers)) {
      return new TransientError(message, status);
    }
    if (status === 422) {
      const cap = gabCapDelayMs(error);
      // The caps count this account's statuses: only this account waits.
      if (cap !== null) return new RateLimitedError(message, cap, status, 'account');
      if (/requires an authenticated user/i.test(error)) return new ReauthError(message, status);
      return new PermanentError(message, status);
    }
    if (status === 403) {
      if (/copy and paste/i.test(error)) {
        // Rule 6: after an ambiguous attempt the "duplicate" may be our own earlier post.
        return ctx.req?.previousAmbiguous ? new AmbiguousError(message, status) : new PermanentError(message, status);
      }
      if (/link[^.]*flagged as spam/i.test(error)) return new PermanentError(message, status);
      if (ACCOUNT_403.test(error)) return new ReauthError(message, status);
      return new PermanentError(message, status);
    }
    if (status === 404) return new PermanentError(message, status);
    if (status === 503 && /remote data could not be fetched/i.test(error)) return new TransientError(message, status);
    return undefined;
  }
}

function errorText(json: unknown): string {
  const e = json && typeof json === 'object' ? (json as { error?: unknown }).error : undefined;
  return typeof e === 'string' ? e : '';
}
