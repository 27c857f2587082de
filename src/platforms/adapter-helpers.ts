import { createHash } from 'node:crypto';
import { AccountRef, AdapterContext, PlatformError, ReauthError, VerifyResult } from './platform';
import { redact, trimBaseUrl } from './http';

/** Small pieces every adapter needs: reading the account, wording errors, turning failures into verify results. */

/** A required credential; its absence is an account problem a human must fix. */
export function credential(account: AccountRef, name: string, platform: string): string {
  const v = account.credentials[name];
  if (!v) throw new ReauthError(`${platform}: credential ${name} is missing`);
  return v;
}

/**
 * The fence before the irreversible call, as `HttpCall.fence` for the request that creates the post:
 * `await ctx.assertClaimed?.()` right before that request is sent (each time it is sent). Its rejection (the worker
 * lost its claim; not a PlatformError) passes through unchanged, and then nothing is sent.
 */
export function claimFence(ctx: AdapterContext): () => Promise<void> {
  return async () => {
    await ctx.assertClaimed?.();
  };
}

/** The account's base URL (settings, else the platform default) without trailing slashes. */
export function baseUrl(account: AccountRef, platform: string, fallback?: string): string {
  const v = account.settings.apiBaseUrl || fallback;
  if (!v) throw new ReauthError(`${platform}: setting apiBaseUrl is required`);
  if (!/^https?:\/\//i.test(v)) throw new ReauthError(`${platform}: apiBaseUrl must start with http:// or https://`);
  return trimBaseUrl(v);
}

/** Every non-empty credential value: scrubbed from all messages. */
export function secretsOf(account: AccountRef): string[] {
  return Object.values(account.credentials).filter((v) => typeof v === 'string' && v.length > 0);
}

/** The platform's own words from an error body (`error`, `description`, `error_message`), shortened. */
export function platformSays(json: unknown, text: string, status: number): string {
  if (json && typeof json === 'object') {
    const o = json as Record<string, unknown>;
    for (const key of ['error', 'description', 'error_message', 'message']) {
      if (typeof o[key] === 'string' && o[key]) return truncate(o[key] as string);
    }
  }
  if (looksLikeHtml(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    return `HTTP ${status} HTML page${title ? ` "${truncate(title)}"` : ''}`;
  }
  return text.trim() ? `HTTP ${status}: ${truncate(text.trim())}` : `HTTP ${status}`;
}

function truncate(s: string, max = 300): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function looksLikeHtml(text: string): boolean {
  return /^\s*<(!doctype|html|head|body)/i.test(text);
}

/** Cloudflare's interstitial or block page (rule 7: transient unless the platform says otherwise). */
export function isCloudflarePage(text: string, headers: Record<string, string>): boolean {
  if (!looksLikeHtml(text)) return false;
  return (
    /just a moment|you have been blocked|attention required|cloudflare/i.test(text) ||
    headers['server']?.toLowerCase() === 'cloudflare' ||
    'cf-ray' in headers
  );
}

/** Builds an error whose message is scrubbed of every secret of the account. */
export function scrub<E extends PlatformError>(error: E, secrets: readonly string[]): E {
  const clean = redact(error.message, secrets);
  if (clean !== error.message) Object.defineProperty(error, 'message', { value: clean });
  return error;
}

/**
 * Verify answers "is this credential good?": account-level and request-level rejections become `ok:false`;
 * failures that prevent the check (network, 5xx, rate limit) propagate so the caller can retry.
 */
export async function verifyOutcome(run: () => Promise<VerifyResult>): Promise<VerifyResult> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof PlatformError && (e.kind === 'reauth' || e.kind === 'permanent')) {
      return { ok: false, checked: true, reason: e.message };
    }
    throw e;
  }
}

/**
 * A budget key for a secret (a bot token, an app key): a one-way digest, so counters can be keyed by token without
 * the token ever being stored or logged. 16 bytes of SHA-256 is far beyond guessing for tokens of this length.
 */
export function tokenKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 32);
}

/**
 * A budget key: the origin of the account's base URL (the same token on another instance is another counter) and
 * `parts`, which must be non-secret ids or `tokenKey` digests. Never throws: a malformed base URL is digested too,
 * and publish reports it as the account problem it is.
 */
export function budgetKey(base: string | undefined, ...parts: string[]): string {
  let origin: string;
  try {
    origin = base ? new URL(base).origin : 'default';
  } catch {
    origin = `base:${tokenKey(base ?? '')}`;
  }
  return [origin, ...parts].join('#');
}

/**
 * The per-account key of a token-based platform: the digest of credential `field` on the account's instance. Without
 * that credential (publish will hold the account for it) the counter falls back to Crier's own account id.
 */
export function tokenBudgetKey(account: AccountRef, field: string, defaultBase?: string): string {
  const secret = account.credentials[field];
  return budgetKey(
    account.settings.apiBaseUrl || defaultBase,
    secret ? tokenKey(secret) : `account:${account.accountId}`,
  );
}
