import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AccountRef,
  AdapterContext,
  AmbiguousError,
  NotApplicableError,
  PermanentError,
  PlatformError,
  PlatformErrorKind,
  PublishRequest,
  RateLimitedError,
  ReauthError,
  TransientError,
} from '../../src/platforms/platform';

/** Small helpers shared by the contract suite and the per-platform contract tests. */

/** A 1×1 transparent PNG: a real image for upload paths. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

export const ARTICLE_URL = 'https://news.example/2024/05/crier-launch?ref=feed';

/**
 * Context of an adapter call in these tests. The fakes and media hosts listen on 127.0.0.1, so API calls and media
 * downloads must be allowed to reach a private address (refused by default, net-guard.ts; http.spec.ts and its own
 * tests cover the refusal).
 */
export function ctx(timeoutMs = 3000, more: Partial<AdapterContext> = {}): AdapterContext {
  return { timeoutMs, allowPrivateAddresses: true, allowPrivateApiAddresses: true, ...more };
}

export const CTX: AdapterContext = ctx();

export const ERROR_CLASSES: Record<PlatformErrorKind, abstract new (...args: never[]) => PlatformError> = {
  'rate-limited': RateLimitedError,
  transient: TransientError,
  reauth: ReauthError,
  permanent: PermanentError,
  ambiguous: AmbiguousError,
  'not-applicable': NotApplicableError,
};

export function publishRequest(over: Partial<PublishRequest> = {}): PublishRequest {
  return {
    deliveryId: randomUUID(),
    text: 'Crier launches today https://news.example/x',
    article: { url: ARTICLE_URL, title: 'Crier launches', imageUrl: null, videoUrl: null, description: null },
    attempt: 1,
    firstAttemptAt: new Date(),
    previousAmbiguous: false,
    ...over,
  };
}

/** Runs `fn`, expects it to reject with a PlatformError, returns it. */
export async function caught(fn: () => Promise<unknown>): Promise<PlatformError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof PlatformError) return e;
    throw new Error(`expected a PlatformError, got ${String(e)}`);
  }
  throw new Error('expected a rejection, but it resolved');
}

/** A request-log predicate for one "METHOD path" (the path exactly, without the query). */
export function isRequest(key: string): (r: { method: string; path: string }) => boolean {
  return (r) => `${r.method} ${r.path}` === key;
}

/** Runs `fn`, expects it to reject, returns the rejection exactly as it came (whatever its class). */
export async function rejectionOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, but it resolved');
}

/** No credential value may appear in anything a caller could log or store. */
export function expectNoSecret(e: unknown, account: AccountRef): void {
  const surfaces = [String((e as Error)?.message), String((e as Error)?.stack), JSON.stringify(e)];
  for (const secret of Object.values(account.credentials)) {
    for (const s of surfaces) expect(s).not.toContain(secret);
  }
}

export function expectKind(e: PlatformError, kind: PlatformErrorKind): void {
  expect({ kind: e.kind, message: e.message }).toEqual({ kind, message: expect.any(String) });
  expect(e).toBeInstanceOf(ERROR_CLASSES[kind]);
}

/** A base URL where nothing listens (a port that was just free). */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

/** Builds text of a target length from a prefix, filler and one URL, filler sized by the adapter's own measure. */
export function textOfLength(
  n: number,
  measure: (t: string) => number,
  parts: { prefix: string; filler: string; url: string },
): string {
  const build = (k: number) => `${parts.prefix}${parts.filler.repeat(k)} ${parts.url}`;
  let k = Math.max(0, n - measure(build(0)));
  // One filler unit may count as more than one (emoji in graphemes vs code points): walk to the exact size.
  while (measure(build(k)) > n && k > 0) k--;
  const text = build(k);
  if (measure(text) !== n) throw new Error(`cannot build a text of length ${n} (got ${measure(text)})`);
  return text;
}
