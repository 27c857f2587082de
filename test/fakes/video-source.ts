import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { closeServer, listenOnLoopback } from './fake-server';

/**
 * A tiny host for article videos: serves bytes with or without Content-Length, slowly, stalled, with a lying
 * length, as an error status or a redirect, so the video download can be tested against every way a host fails.
 */

export interface VideoSpec {
  /** Exact content (for integrity checks). Without it, `size` bytes of a repeated random block are streamed. */
  bytes?: Buffer;
  size?: number;
  /** Content-Type; null sends none. Default video/mp4. */
  type?: string | null;
  /** false = chunked, no Content-Length (the size is only known by streaming). Default true. */
  withLength?: boolean;
  /** Announce this Content-Length whatever is actually sent (a header that gives a huge file away early). */
  claimLength?: number;
  /** Wait this long before sending the headers. */
  headerDelayMs?: number;
  /** Send this many body bytes, then hang without closing. */
  stallAfterBytes?: number;
  /** Answer with this status (and a small text body) instead of the video. */
  status?: number;
  /** 302 to this location instead of the video. */
  redirectTo?: string;
}

const CHUNK = 64 * 1024;

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class VideoSource {
  baseUrl = '';
  /** Paths requested, in order. */
  readonly requests: string[] = [];
  private readonly videos = new Map<string, VideoSpec>();
  private readonly block = randomBytes(CHUNK);
  private server: http.Server | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  static async start(): Promise<VideoSource> {
    const source = new VideoSource();
    await source.start();
    return source;
  }

  /** Serves `spec` at `path`; returns its absolute URL. */
  serve(path: string, spec: VideoSpec): string {
    this.videos.set(path, spec);
    return this.baseUrl + path;
  }

  /** Serves `bytes` random bytes of an mp4 at `path`; returns the URL and the content's hash. */
  serveRandom(path: string, size: number, type = 'video/mp4'): { url: string; bytes: Buffer; sha256: string } {
    const bytes = randomBytes(size);
    return { url: this.serve(path, { bytes, type }), bytes, sha256: sha256(bytes) };
  }

  /** How many times `path` was requested. */
  hits(path: string): number {
    return this.requests.filter((p) => p === path).length;
  }

  async start(): Promise<string> {
    if (this.server) return this.baseUrl;
    const server = http.createServer((req, res) => this.handle(req, res));
    this.baseUrl = await listenOnLoopback(server);
    this.server = server;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await closeServer(server, this.timers);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://video').pathname;
    this.requests.push(path);
    const spec = this.videos.get(path);
    if (!spec) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    this.later(spec.headerDelayMs ?? 0, () => this.answer(spec, res));
  }

  private answer(spec: VideoSpec, res: http.ServerResponse): void {
    if (res.destroyed) return;
    if (spec.redirectTo) {
      res.writeHead(302, { Location: spec.redirectTo }).end();
      return;
    }
    if (spec.status) {
      res.writeHead(spec.status, { 'Content-Type': 'text/plain' }).end(`status ${spec.status}`);
      return;
    }
    const size = spec.bytes?.length ?? spec.size ?? 0;
    const headers: Record<string, string> = {};
    if (spec.type !== null) headers['Content-Type'] = spec.type ?? 'video/mp4';
    if (spec.claimLength !== undefined) headers['Content-Length'] = String(spec.claimLength);
    else if (spec.withLength !== false) headers['Content-Length'] = String(size);
    res.writeHead(200, headers);
    // Headers go out now even if no body byte ever follows (a stalled host still said how big it is).
    res.flushHeaders();
    this.pump(spec, res, 0, Math.min(size, spec.stallAfterBytes ?? Infinity), size);
  }

  /** Writes chunk after chunk, honouring back-pressure (a big video never sits in memory here either). */
  private pump(spec: VideoSpec, res: http.ServerResponse, from: number, until: number, size: number): void {
    let pos = from;
    while (pos < until) {
      if (res.destroyed) return;
      const n = Math.min(CHUNK, until - pos);
      const chunk = spec.bytes ? spec.bytes.subarray(pos, pos + n) : this.block.subarray(0, n);
      pos += n;
      if (!res.write(chunk)) {
        res.once('drain', () => this.pump(spec, res, pos, until, size));
        return;
      }
    }
    // A stalled host keeps the connection open with nothing more to say; a lying length ends in a cut connection.
    if (until < size) return;
    if ((spec.claimLength ?? size) > size) res.write('', () => res.destroy());
    else res.end();
  }
}
