import axios from 'axios';
import { createWriteStream, openAsBlob } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { guardedAgents, isPrivateAddressError, privateAddressMessage } from './net-guard';
import { PermanentError, PlatformError, PublishArticle, TransientError } from './platform';

/**
 * Video platforms (rumble, gabtv) upload the article's video themselves: it is streamed to a private temp file
 * (never held whole in memory), bounded in size and time, then streamed from that file into a multipart upload.
 */

export interface DownloadedVideo {
  path: string;
  size: number;
  /** Lower-case MIME type without parameters, e.g. `video/mp4`. */
  contentType: string;
  /** A name whose extension matches the type (Gab's Paperclip checks both). */
  filename: string;
  /** Removes the temp file and its directory; safe to call twice. */
  cleanup(): Promise<void>;
}

export interface VideoDownloadOptions {
  /** Names the platform in messages ("rumble"). */
  label: string;
  /** Largest accepted video: a bigger one is refused as soon as Content-Length or the streamed bytes show it. */
  maxBytes: number;
  /** The whole download, first byte of the request to last byte of the body. */
  timeoutMs: number;
  /** No byte (or no headers) for this long = a stalled host. Defaults to `timeoutMs`. */
  idleTimeoutMs?: number;
  maxRedirects?: number;
  /** Accepted MIME types; by default any `video/*`. */
  allowedTypes?: readonly string[];
  /** Parent of the private temp directory; defaults to the OS temp dir. */
  tempDir?: string;
  /** Pass `ctx.allowPrivateAddresses`: by default (false) a host on a non-public address is refused (net-guard.ts). */
  allowPrivateAddresses?: boolean;
}

/** Construction options shared by the video adapters (the registry uses the defaults). */
export interface VideoAdapterOptions {
  /** Crier's cap on a downloaded video (each adapter has its own default). */
  maxVideoBytes?: number;
  /** Where videos are staged (a large volume in production); default the OS temp dir. */
  tempDir?: string;
}

/** Every staged video lives in a directory of its own named so (removeOrphanedVideos finds them by it). */
const TEMP_PREFIX = 'crier-video-';

/** The slowest transfer we still wait for (1 MiB/s): time budgets grow with the bytes instead of a fixed multiple. */
export const MIN_TRANSFER_BYTES_PER_SECOND = 1024 * 1024;

/** Time to move `bytes` at the slowest accepted rate, plus the usual per-request timeout for the answer. */
export function transferTimeoutMs(requestTimeoutMs: number, bytes: number): number {
  return requestTimeoutMs + Math.ceil((bytes / MIN_TRANSFER_BYTES_PER_SECOND) * 1000);
}

/** Both video platforms refuse articles without a video the same way (docs/PLATFORMS.md §0). */
export function videoNotApplicable(article: PublishArticle | null): string | null {
  return article?.videoUrl ? null : 'article has no video';
}

const EXTENSIONS: Record<string, string> = {
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
  'video/ogg': 'ogv',
  'video/3gpp': '3gp',
  'video/x-matroska': 'mkv',
  'video/x-msvideo': 'avi',
  'video/mpeg': 'mpeg',
  'video/x-flv': 'flv',
  'video/x-ms-wmv': 'wmv',
};
const BY_EXTENSION: Record<string, string> = {
  ...Object.fromEntries(Object.entries(EXTENSIONS).map(([type, ext]) => [ext, type])),
  m4v: 'video/mp4',
  ogg: 'video/ogg',
  mpg: 'video/mpeg',
};
/** Types that say nothing: the URL's extension decides (object stores often serve video like this). */
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

function mediaType(header: unknown, url: URL): string {
  const declared = String(header ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (!GENERIC_TYPES.has(declared)) return declared;
  const ext = path.extname(url.pathname).slice(1).toLowerCase();
  return BY_EXTENSION[ext] ?? declared;
}

function filenameFor(type: string): string {
  const ext = EXTENSIONS[type] ?? (type.replace(/^video\//, '').replace(/[^a-z0-9]/g, '') || 'bin');
  return `video.${ext}`;
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / 1048576) * 10) / 10} MB`;
}

function errorCode(e: unknown): string {
  const o = (e ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  return typeof o.code === 'string' ? o.code : typeof o.cause?.code === 'string' ? o.cause.code : 'ERR_NETWORK';
}

/**
 * Downloads `url` to a fresh temp file. Network trouble, 5xx/429 and time-outs are transient (the host may
 * recover); a missing or forbidden resource, a non-video, a bad URL and a video over `maxBytes` are permanent.
 * On any failure the temp file is already gone. Messages name the host only: signed URLs carry secrets.
 * Every connection, redirects included, is refused on a non-public address unless `allowPrivateAddresses`.
 */
export async function downloadVideo(url: string, opts: VideoDownloadOptions): Promise<DownloadedVideo> {
  const what = `${opts.label} video`;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new PermanentError(`${what}: not a valid URL`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new PermanentError(`${what}: only http(s) URLs can be downloaded (got ${target.protocol})`);
  }
  const from = `${what} from ${target.host}`;
  const idleMs = opts.idleTimeoutMs ?? opts.timeoutMs;
  const controller = new AbortController();
  let body: Readable | undefined;
  let failure: PlatformError | undefined;
  const fail = (e: PlatformError) => {
    failure ??= e;
    controller.abort();
    body?.destroy(e);
  };
  const deadline = setTimeout(
    () => fail(new TransientError(`${from}: not complete after ${Math.round(opts.timeoutMs / 1000)} s`)),
    opts.timeoutMs,
  );
  let idle: NodeJS.Timeout | undefined;
  const stillAlive = () => {
    clearTimeout(idle);
    idle = setTimeout(() => fail(new TransientError(`${from}: stalled for ${Math.round(idleMs / 1000)} s`)), idleMs);
  };
  let dir: string | undefined;
  try {
    stillAlive();
    const res = await axios.get<Readable>(target.href, {
      responseType: 'stream',
      maxRedirects: opts.maxRedirects ?? 5,
      // follow-redirects only speaks http(s), so a redirect cannot reach file: or other schemes.
      validateStatus: () => true,
      // No axios `timeout`: the idle timer above covers the wait for headers and for every chunk, with one message.
      signal: controller.signal,
      headers: { Accept: 'video/*, application/octet-stream;q=0.5, */*;q=0.1' },
      // Every hop connects through these agents only, to an address the guard has checked (no proxy: it would be
      // checked instead of the target).
      ...guardedAgents(opts.allowPrivateAddresses),
      proxy: false,
    });
    body = res.data;
    if (failure) throw failure;
    if (res.status !== 200) {
      const kind = res.status >= 500 || res.status === 429 || res.status === 408 ? TransientError : PermanentError;
      throw new kind(`${from}: HTTP ${res.status}`, res.status);
    }
    // With a Content-Encoding, the length counts compressed bytes: the streamed count is what matters then.
    const encoded = !/^(identity)?$/i.test(String(res.headers['content-encoding'] ?? '').trim());
    const declared = encoded ? NaN : Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      throw new PermanentError(`${what} is too large: ${megabytes(declared)} (limit ${megabytes(opts.maxBytes)})`);
    }
    const contentType = mediaType(res.headers['content-type'], target);
    const accepted = opts.allowedTypes ? opts.allowedTypes.includes(contentType) : contentType.startsWith('video/');
    if (!accepted) {
      const allowed = opts.allowedTypes ? ` (accepted: ${opts.allowedTypes.join(', ')})` : '';
      throw new PermanentError(`${what}: unsupported type ${contentType || '(none)'}${allowed}`);
    }

    dir = await mkdtemp(path.join(opts.tempDir ?? os.tmpdir(), TEMP_PREFIX));
    const file = path.join(dir, filenameFor(contentType));
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        stillAlive();
        if (size > opts.maxBytes) {
          done(new PermanentError(`${what} is too large: over ${megabytes(opts.maxBytes)} (limit) while streaming`));
        } else done(null, chunk);
      },
    });
    await pipeline(body, counter, createWriteStream(file, { mode: 0o600 }));
    if (failure) throw failure;
    if (Number.isFinite(declared) && size !== declared) {
      throw new TransientError(`${from}: got ${size} of ${declared} bytes`);
    }
    if (size === 0) throw new PermanentError(`${what} is empty`);
    const owned = dir;
    let removed = false;
    const cleanup = async () => {
      if (removed) return;
      removed = true;
      await rm(owned, { recursive: true, force: true });
    };
    dir = undefined;
    return { path: file, size, contentType, filename: path.basename(file), cleanup };
  } catch (e) {
    if (failure) throw failure;
    if (e instanceof PlatformError) throw e;
    if (isPrivateAddressError(e)) throw new PermanentError(privateAddressMessage(what));
    const code = errorCode(e);
    if (code === 'ERR_FR_TOO_MANY_REDIRECTS') throw new PermanentError(`${from}: too many redirects`);
    // follow-redirects raises this synchronously for a Location it cannot request (another scheme, a bad URL).
    if (code === 'ERR_FR_REDIRECTION_FAILURE') throw new PermanentError(`${from}: redirected to a non-http(s) URL`);
    throw new TransientError(`${from}: download failed (${code})`);
  } finally {
    clearTimeout(deadline);
    clearTimeout(idle);
    body?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** Downloads, hands the file to `use`, and removes it whatever happens. */
export async function withDownloadedVideo<T>(
  url: string,
  opts: VideoDownloadOptions,
  use: (video: DownloadedVideo) => Promise<T>,
): Promise<T> {
  const video = await downloadVideo(url, opts);
  try {
    return await use(video);
  } finally {
    await video.cleanup();
  }
}

/**
 * The file as a Blob that reads from disk lazily, for a multipart `FormData` part. It streams only because
 * http.ts sends with `maxRedirects: 0`: follow-redirects would buffer the whole body to be able to replay it.
 */
export function videoBlob(video: DownloadedVideo): Promise<Blob> {
  return openAsBlob(video.path, { type: video.contentType });
}

/**
 * Removes staged video directories last touched before `before`: a process that died while downloading or
 * uploading (SIGKILL, power loss) never ran its cleanup. Only our own directories (named TEMP_PREFIX, real
 * directories, not links) are touched. Returns how many were removed.
 */
export async function removeOrphanedVideos(before: Date, tempDir: string = os.tmpdir()): Promise<number> {
  const names = (await readdir(tempDir).catch(() => [] as string[])).filter((n) => n.startsWith(TEMP_PREFIX));
  let removed = 0;
  for (const name of names) {
    const dir = path.join(tempDir, name);
    if (!(await lastTouched(dir).then((t) => t !== null && t < before.getTime()))) continue;
    await rm(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** The newest mtime of a staging directory and its files (the file's grows while it is written); null if not ours. */
async function lastTouched(dir: string): Promise<number | null> {
  const stat = await lstat(dir).catch(() => null);
  if (!stat?.isDirectory()) return null;
  let newest = stat.mtimeMs;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = await lstat(path.join(dir, name)).catch(() => null);
    if (file) newest = Math.max(newest, file.mtimeMs);
  }
  return newest;
}
