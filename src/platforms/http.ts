import axios, { AxiosRequestConfig } from 'axios';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { guardedAgents, isPrivateAddressError, privateAddressMessage } from './net-guard';
import { PermanentError, PlatformError, ReauthError, TransientError } from './platform';

/**
 * The one way adapters talk HTTP. It never lets an axios error (whose config holds the URL and the
 * Authorization header) escape: statuses come back as data, network failures become PlatformErrors, and every
 * message is scrubbed of the given secrets.
 */

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Raw body text (HTML error pages stay inspectable). */
  text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
}

/** A failure before any answer. `sent` = the connection was up, so the platform may have received the request. */
export interface NetworkFailure {
  sent: boolean;
  code: string;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Already-trimmed base URL plus path; may contain a secret (Telegram token): never put into messages. */
  url: string;
  /** What the call is, for messages ("telegram sendMessage"). */
  label: string;
  timeoutMs: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Strings to scrub from any message. */
  secrets: readonly string[];
  /**
   * Maps a network failure after the connection was up. Defaults to TransientError, right for verify, reads and
   * uploads (rule 4); publish calls pass their own rule (ambiguous, or transient inside an idempotency window).
   */
  onSent?: (failure: NetworkFailure, message: string) => PlatformError;
  /**
   * Awaited right before the request is sent, every time this call is made (a resend after a token refresh is
   * fenced again). Publish passes `claimFence(ctx)` (ctx.assertClaimed) on the call that creates the post only. Its
   * rejection passes through unchanged (it is not a PlatformError: the worker lost its claim), and nothing is sent.
   */
  fence?: () => Promise<void>;
  maxBodyBytes?: number;
  /**
   * Pass `ctx.allowPrivateApiAddresses` (CRIER_PLATFORMS_ALLOW_PRIVATE). Default false: a host that is, or resolves
   * to, a loopback, private or link-local address (net-guard.ts) is refused before any byte is sent, so an account
   * pointed at an internal service cannot hand it the account's credentials (PermanentError naming the host).
   */
  allowPrivateAddresses?: boolean;
}

const DEFAULT_MAX_BODY = 5 * 1024 * 1024;

/**
 * Removes every secret, in each form a request or an echoing error body carries it (see `secretForms`), and any
 * `/bot<token>` path segment, Bearer or Basic value and `user:password@` of a URL from a text.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text
    .replace(/\/bot[^/\s]+/g, '/bot[redacted]')
    .replace(/(Bearer\s+)\S+/gi, '$1[redacted]')
    .replace(/(Basic\s+)([A-Za-z0-9+/]+={0,2})/gi, (m, scheme: string, value: string) =>
      isBasicCredentials(value) ? `${scheme}[redacted]` : m,
    )
    // Anchored on `//` and stopped by `/`, `@` or a space: linear on any input.
    .replace(/\/\/[^\s/@:]*:[^\s/@]*@/g, '//[redacted]@');
  // Longest first, so a secret that contains another is removed whole.
  const forms = [...new Set(secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  for (const f of forms) out = out.split(f).join('[redacted]');
  return out;
}

/** `user:password` in base64, as HTTP Basic sends it; plain words after "basic" (decoded without a colon) stay. */
function isBasicCredentials(value: string): boolean {
  return Buffer.from(value, 'base64').toString('latin1').includes(':');
}

/**
 * A secret as it appears raw, percent-encoded (a query, an OAuth 1.0a header: `encodeURIComponent` and its RFC 3986
 * variant), form-encoded (spaces as `+`) and JSON-escaped (also with `\/` and `\uXXXX`, as PHP writes it). Shorter
 * than 4 characters is no secret worth a false match.
 */
export function secretForms(secret: string): string[] {
  if (typeof secret !== 'string' || secret.length < 4) return [];
  const uri = percentEncoded(secret);
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    secret,
    uri,
    uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    new URLSearchParams({ s: secret }).toString().slice(2),
    json,
    json.replace(/\//g, '\\/'),
    json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  ];
}

/** `encodeURIComponent`, total: a lone surrogate (which it refuses) leaves the text as it is. */
function percentEncoded(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Strips trailing slashes so `${base}/api/...` never has a double slash. */
export function trimBaseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * Agents that check every address they connect to (net-guard.ts: the address actually connected to, so a DNS answer
 * that changes between check and connect cannot slip through) and remember whether a connection (TLS included) was
 * established: the line between sent and not.
 */
function trackingAgents(state: { connected: boolean }, allowPrivateAddresses: boolean | undefined) {
  const track = <A extends http.Agent>(agent: A, event: string): A => {
    const create = agent.createConnection.bind(agent);
    agent.createConnection = (opts, cb) => {
      const socket = create(opts, cb) as Duplex | null | undefined;
      socket?.once(event, () => (state.connected = true));
      return socket;
    };
    return agent;
  };
  const { httpAgent, httpsAgent } = guardedAgents(allowPrivateAddresses);
  return { httpAgent: track(httpAgent, 'connect'), httpsAgent: track(httpsAgent, 'secureConnect') };
}

function errorCode(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; cause?: { code?: unknown } };
    if (typeof o.code === 'string') return o.code;
    if (typeof o.cause?.code === 'string') return o.cause.code;
  }
  return 'ERR_NETWORK';
}

/**
 * Performs one request. Resolves with any HTTP status; rejects only with a PlatformError, or with the rejection of
 * `call.fence` as is (before anything is sent).
 */
export async function request(call: HttpCall): Promise<HttpResponse> {
  // Outside the try below: the fence's rejection must not become a network error.
  if (call.fence) await call.fence();
  const state = { connected: false };
  const config: AxiosRequestConfig = {
    method: call.method,
    url: call.url,
    headers: { Accept: 'application/json', ...call.headers },
    data: call.body,
    timeout: call.timeoutMs,
    responseType: 'text',
    transformResponse: (d: unknown) => d,
    validateStatus: () => true,
    // API calls never need a redirect; following one could replay a POST somewhere else.
    maxRedirects: 0,
    maxContentLength: call.maxBodyBytes ?? DEFAULT_MAX_BODY,
    maxBodyLength: Infinity,
    // axios's own timeout is socket inactivity once connected; the signal bounds the whole call, connect included.
    signal: AbortSignal.timeout(call.timeoutMs),
    ...trackingAgents(state, call.allowPrivateAddresses),
    // A proxy would be checked instead of the platform's host (net-guard.ts), so none is used.
    proxy: false,
  };
  try {
    const res = await axios.request<string>(config);
    const text = typeof res.data === 'string' ? res.data : '';
    return { status: res.status, headers: flattenHeaders(res.headers), text, json: parseJson(text) };
  } catch (e) {
    if (isPrivateAddressError(e)) throw new PermanentError(redact(refusedHostMessage(call), call.secrets));
    const code = tooLarge(e) ? 'RESPONSE_TOO_LARGE' : errorCode(e);
    if (code === 'ERR_INVALID_URL') throw new ReauthError(`${call.label}: invalid URL (check apiBaseUrl)`);
    // An oversized answer still means the request arrived: same path as any failure after sending.
    const failure: NetworkFailure = { sent: state.connected, code };
    const what = failure.sent ? 'no answer after sending' : 'could not connect';
    const message = redact(`${call.label}: ${what} (${code})`, call.secrets);
    if (!failure.sent) throw new TransientError(message);
    throw call.onSent ? call.onSent(failure, message) : new TransientError(message);
  }
}

/** Names the host (never the URL: Telegram's holds the token) and the setting that allows it. */
function refusedHostMessage(call: HttpCall): string {
  let host = 'the host';
  try {
    host = new URL(call.url).host;
  } catch {
    // request() refuses only after parsing the URL; kept total all the same.
  }
  return (
    `${call.label}: refused to connect to ${host}: it is or resolves to a loopback, private or link-local address; ` +
    'set CRIER_PLATFORMS_ALLOW_PRIVATE=true to allow (check apiBaseUrl)'
  );
}

function tooLarge(e: unknown): boolean {
  return /maxContentLength/.test(String((e as Error | undefined)?.message));
}

function flattenHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (h && typeof h === 'object') {
    for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
      if (v !== undefined && v !== null) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

export interface FetchedMedia {
  bytes: Buffer;
  contentType: string;
  filename: string;
}

export interface FetchMediaOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Pass `ctx.allowPrivateAddresses`: by default (false) a host on a non-public address is refused (net-guard.ts). */
  allowPrivateAddresses?: boolean;
}

/**
 * Downloads an image to upload it. Bounded in size and time; a missing or non-image resource is the article's
 * problem (permanent), a network or 5xx failure may pass (transient). The URL comes from users and feeds: every
 * connection, redirects included, is refused on a loopback/private/link-local address unless allowed.
 */
export async function fetchMedia(url: string, opts: FetchMediaOptions): Promise<FetchedMedia> {
  let res;
  try {
    res = await axios.get<ArrayBuffer>(url, {
      responseType: 'arraybuffer',
      timeout: opts.timeoutMs,
      maxContentLength: opts.maxBytes,
      maxRedirects: 5,
      validateStatus: () => true,
      signal: AbortSignal.timeout(opts.timeoutMs),
      // Each hop connects through these agents only, to an address the guard has checked; a proxy would be
      // checked instead of the target, so none is used.
      ...guardedAgents(opts.allowPrivateAddresses),
      proxy: false,
    });
  } catch (e) {
    if (isPrivateAddressError(e)) throw new PermanentError(privateAddressMessage('image'));
    const code = errorCode(e);
    if (tooLarge(e)) {
      throw new PermanentError(`image is larger than ${Math.round(opts.maxBytes / 1048576)} MB`);
    }
    throw new TransientError(`image download failed (${code})`);
  }
  if (res.status >= 500 || res.status === 429) throw new TransientError(`image download failed: HTTP ${res.status}`);
  if (res.status !== 200) throw new PermanentError(`image could not be fetched: HTTP ${res.status}`, res.status);
  const contentType = String(res.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (!contentType.startsWith('image/'))
    throw new PermanentError(`image URL did not return an image (${contentType || 'no type'})`);
  const ext = contentType
    .slice('image/'.length)
    .replace('jpeg', 'jpg')
    .replace(/[^a-z0-9]/g, '');
  return { bytes: Buffer.from(res.data), contentType, filename: `image.${ext || 'bin'}` };
}
