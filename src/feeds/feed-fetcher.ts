import axios, { AxiosResponse } from 'axios';
import { AddressPermit, guardedAgents, isPrivateAddressError, privateAddressMessage } from '../platforms/net-guard';

/**
 * Fetches a feed, bounded in every way a feed URL from a user or a hostile site could abuse: http(s) only, at
 * most `maxRedirects` hops, each hop connecting only to an address the SSRF guard (net-guard.ts) has checked,
 * the body streamed and abandoned past `maxBytes` (after decompression), the whole call cut at `timeoutMs`.
 */

export const FEED_MAX_BYTES = 5 * 1024 * 1024;
export const FEED_MAX_REDIRECTS = 5;

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  allowPrivateAddresses: boolean;
  /** Which addresses may be connected to; default: public ones, or all with allowPrivateAddresses (net-guard.ts). */
  permit?: AddressPermit;
}

export interface Validators {
  etag?: string | null;
  lastModified?: string | null;
}

export type FetchResult =
  | { notModified: true }
  | {
      notModified: false;
      /** Where the body came from, after redirects. */
      url: string;
      body: string;
      contentType: string;
      etag: string | null;
      lastModified: string | null;
      /** The `Link` header (WordPress announces its REST API there). */
      link: string | undefined;
    };

/** Why a feed could not be fetched, in words for the user (never the address it resolved to). */
export class FeedFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedFetchError';
  }
}

const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.5, */*;q=0.1';

export async function fetchFeed(
  url: string,
  limits: FetchLimits,
  validators: Validators = {},
  stop?: AbortSignal,
): Promise<FetchResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new FeedFetchError('is not a valid URL');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new FeedFetchError('must be an http or https URL');
  const headers: Record<string, string> = { Accept: ACCEPT, 'User-Agent': 'Crier/0.1 (feed reader)' };
  if (validators.etag) headers['If-None-Match'] = validators.etag;
  if (validators.lastModified) headers['If-Modified-Since'] = validators.lastModified;
  // One controller per fetch, its timer cleared and its shutdown listener removed when done: nothing outlives
  // the call (AbortSignal.timeout would keep a timer, and AbortSignal.any a link to `stop`, per poll).
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limits.timeoutMs);
  const onStop = () => abort.abort();
  stop?.addEventListener('abort', onStop, { once: true });
  let res: AxiosResponse<ArrayBuffer>;
  try {
    res = await axios.get<ArrayBuffer>(target.toString(), {
      headers,
      responseType: 'arraybuffer',
      timeout: limits.timeoutMs,
      signal: abort.signal,
      maxContentLength: limits.maxBytes,
      maxRedirects: limits.maxRedirects,
      validateStatus: () => true,
      // Every hop connects through these agents only, to addresses the guard checked; no proxy (it would be
      // checked instead of the target).
      ...guardedAgents(limits.allowPrivateAddresses, limits.permit),
      proxy: false,
    });
  } catch (e) {
    throw new FeedFetchError(describeFailure(e, limits));
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener('abort', onStop);
  }
  if (res.status === 304) return { notModified: true };
  if (res.status < 200 || res.status >= 300) throw new FeedFetchError(`answered HTTP ${res.status}`);
  const h = res.headers as Record<string, unknown>;
  const contentType = String(h['content-type'] ?? '');
  return {
    notModified: false,
    url: finalUrl(res) ?? target.toString(),
    body: decodeBody(Buffer.from(res.data), contentType),
    contentType,
    etag: typeof h.etag === 'string' ? h.etag : null,
    lastModified: typeof h['last-modified'] === 'string' ? h['last-modified'] : null,
    link: typeof h.link === 'string' ? h.link : Array.isArray(h.link) ? h.link.join(', ') : undefined,
  };
}

function describeFailure(e: unknown, limits: FetchLimits): string {
  if (isPrivateAddressError(e)) return privateAddressMessage('feed').replace(/^feed URL /, '');
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  const message = String(err?.message ?? '');
  if (/maxContentLength/.test(message))
    return `is larger than ${(limits.maxBytes / 1048576).toFixed(limits.maxBytes % 1048576 ? 1 : 0)} MiB`;
  if (/unsupported protocol/i.test(message) || err?.code === 'ERR_FR_REDIRECTION_FAILURE')
    return 'redirects to something other than http or https';
  if (err?.code === 'ERR_FR_TOO_MANY_REDIRECTS' || /maximum number of redirects/i.test(message))
    return `redirects more than ${limits.maxRedirects} times`;
  if (err?.code === 'ERR_CANCELED' || err?.code === 'ECONNABORTED' || /aborted|timeout/i.test(message)) {
    return `did not answer completely within ${Math.round(limits.timeoutMs / 100) / 10} s`;
  }
  return `could not be reached (${err?.code ?? err?.cause?.code ?? 'network error'})`;
}

function finalUrl(res: AxiosResponse): string | undefined {
  const req = res.request as { res?: { responseUrl?: string } } | undefined;
  return req?.res?.responseUrl;
}

/**
 * The body as text. A byte order mark decides (UTF-8, UTF-16 LE/BE); else the Content-Type charset, else the XML
 * declaration, else UTF-8. A declared UTF-16 without a BOM on a body that starts with ASCII `<` is a wrong label
 * (the declaration was just read as ASCII) and is ignored; a charset TextDecoder does not know means UTF-8.
 */
export function decodeBody(bytes: Buffer, contentType: string): string {
  const bom =
    bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
      ? 'utf-8'
      : bytes[0] === 0xff && bytes[1] === 0xfe
        ? 'utf-16le'
        : bytes[0] === 0xfe && bytes[1] === 0xff
          ? 'utf-16be'
          : null;
  if (bom) return new TextDecoder(bom).decode(bytes);
  const fromHeader = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1];
  const head = bytes.subarray(0, 200).toString('latin1');
  const fromDecl = /^<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1];
  const asciiStart = bytes[0] === 0x3c && bytes[1] !== 0;
  for (const label of [fromHeader, fromDecl]) {
    if (!label) continue;
    let decoder: InstanceType<typeof TextDecoder>;
    try {
      decoder = new TextDecoder(label);
    } catch {
      continue; // unknown to TextDecoder
    }
    if (decoder.encoding.startsWith('utf-16') && asciiStart) continue;
    return decoder.decode(bytes);
  }
  return new TextDecoder('utf-8').decode(bytes);
}
