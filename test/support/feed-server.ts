import { createHash } from 'node:crypto';
import http, { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local feed server for tests and benchmarks: RSS 2.0, Atom and WordPress REST feeds whose items can be added
 * or changed while it runs, with ETag/Last-Modified and 304s, and the hostile answers a fetcher must survive:
 * redirect chains, huge bodies, bodies that trickle, arbitrary raw answers.
 */

export type FeedServerKind = 'rss' | 'atom' | 'wordpress';

export interface TestItem {
  guid: string;
  link: string;
  title: string;
  html?: string;
  imageUrl?: string;
  categories?: string[];
  date?: Date;
}

interface Feed {
  kind: FeedServerKind;
  title: string;
  items: TestItem[];
  modified: Date;
  /** The rendered document, until the feed changes (so a benchmark measures Crier, not this server). */
  cache?: { body: string; type: string; etag: string };
}

type Special = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface FeedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  at: Date;
}

export class FeedServer {
  baseUrl = '';
  readonly requests: FeedRequest[] = [];
  /** Answer conditional requests with 304 when nothing changed (on by default). */
  conditional = true;
  private readonly feeds = new Map<string, Feed>();
  private readonly specials = new Map<string, Special>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server!: http.Server;

  static async start(): Promise<FeedServer> {
    const s = new FeedServer();
    s.server = http.createServer((req, res) => s.handle(req, res));
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    s.baseUrl = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Creates (or replaces) a feed at `path`; returns its URL. */
  feed(path: string, kind: FeedServerKind, items: TestItem[] = [], title = `Test ${kind} feed`): string {
    this.specials.delete(path);
    this.feeds.set(path, { kind, title, items: [...items], modified: new Date() });
    return this.baseUrl + path;
  }

  /** Adds items at the top (newest first, as feeds list them). */
  addItems(path: string, ...items: TestItem[]): void {
    const f = this.get(path);
    f.items.unshift(...items);
    f.modified = new Date();
    f.cache = undefined;
  }

  updateItem(path: string, guid: string, patch: Partial<TestItem>): void {
    const f = this.get(path);
    const i = f.items.findIndex((x) => x.guid === guid);
    if (i < 0) throw new Error(`no item ${guid} in ${path}`);
    f.items[i] = { ...f.items[i], ...patch };
    f.modified = new Date();
    f.cache = undefined;
  }

  items(path: string): TestItem[] {
    return [...this.get(path).items];
  }

  /** `hops` redirects in a row from `path`, ending at `target` (a path or a URL). */
  redirectChain(path: string, hops: number, target: string): string {
    for (let i = 0; i < hops; i++) {
      const next = i === hops - 1 ? target : `${path}/hop${i + 1}`;
      this.special(i === 0 ? path : `${path}/hop${i}`, (_q, res) => res.writeHead(302, { Location: next }).end());
    }
    return this.baseUrl + path;
  }

  /** A body of `bytes` bytes, streamed in 64 KiB chunks, with no Content-Length (so only streaming can stop it). */
  huge(path: string, bytes: number): string {
    return this.special(path, (_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
      const chunk = Buffer.alloc(65536, ' ');
      let sent = 0;
      const pump = () => {
        while (sent < bytes) {
          sent += chunk.length;
          if (!res.write(sent === chunk.length ? Buffer.from('<rss><channel>' + ' '.repeat(65536 - 14)) : chunk))
            return void res.once('drain', pump);
        }
        res.end('</channel></rss>');
      };
      res.on('error', () => undefined);
      pump();
    });
  }

  /** A valid but empty feed sent one byte every `intervalMs`. */
  slow(path: string, intervalMs: number): string {
    return this.special(path, (_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
      const body = Buffer.from('<rss version="2.0"><channel><title>slow</title></channel></rss>');
      let i = 0;
      const t = setInterval(() => {
        if (i >= body.length || res.destroyed) {
          clearInterval(t);
          this.timers.delete(t);
          return void res.end();
        }
        res.write(body.subarray(i, ++i));
      }, intervalMs);
      this.timers.add(t);
    });
  }

  raw(path: string, status: number, body: string, headers: Record<string, string> = {}): string {
    return this.special(path, (_q, res) =>
      res.writeHead(status, { 'Content-Type': 'text/plain', ...headers }).end(body),
    );
  }

  /** An answer of raw bytes (charset tests need bytes that no JavaScript string carries). */
  rawBytes(path: string, body: Buffer, contentType: string): string {
    return this.special(path, (_q, res) => res.writeHead(200, { 'Content-Type': contentType }).end(body));
  }

  hits(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  private special(path: string, fn: Special): string {
    this.specials.set(path, fn);
    return this.baseUrl + path;
  }

  private get(path: string): Feed {
    const f = this.feeds.get(path);
    if (!f) throw new Error(`no feed at ${path}`);
    return f;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    this.requests.push({ path, headers: req.headers, at: new Date() });
    const special = this.specials.get(path);
    if (special) return special(req, res);
    const feed = this.feeds.get(path);
    if (!feed) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    if (!feed.cache) {
      const { body, type } = render(feed, this.baseUrl + path);
      feed.cache = { body, type, etag: `"${createHash('sha1').update(body).digest('hex')}"` };
    }
    const { body, type, etag } = feed.cache;
    const lastModified = feed.modified.toUTCString();
    if (this.conditional && req.headers['if-none-match'] === etag) return void res.writeHead(304, { ETag: etag }).end();
    res.writeHead(200, { 'Content-Type': type, ETag: etag, 'Last-Modified': lastModified }).end(body);
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function render(f: Feed, self: string): { body: string; type: string } {
  switch (f.kind) {
    case 'rss':
      return { type: 'application/rss+xml; charset=utf-8', body: rss(f, self) };
    case 'atom':
      return { type: 'application/atom+xml; charset=utf-8', body: atom(f, self) };
    case 'wordpress':
      return { type: 'application/json; charset=UTF-8', body: JSON.stringify(f.items.map(wpPost)) };
  }
}

function rss(f: Feed, self: string): string {
  const items = f.items.map(
    (
      i,
    ) => `<item><title>${esc(i.title)}</title><link>${esc(i.link)}</link><guid isPermaLink="false">${esc(i.guid)}</guid>
<pubDate>${(i.date ?? new Date()).toUTCString()}</pubDate>${(i.categories ?? []).map((c) => `<category><![CDATA[${c}]]></category>`).join('')}
<description>${esc((i.html ?? '').slice(0, 200))}</description><content:encoded><![CDATA[${i.html ?? ''}]]></content:encoded>
${i.imageUrl ? `<media:content url="${esc(i.imageUrl)}" medium="image"/>` : ''}</item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>${esc(f.title)}</title><link>${esc(self)}</link><atom:link href="${esc(self)}" rel="self"/>
${items.join('\n')}</channel></rss>`;
}

function atom(f: Feed, self: string): string {
  const entries = f.items.map(
    (
      i,
    ) => `<entry><id>${esc(i.guid)}</id><title type="html">${esc(esc(i.title))}</title><link rel="alternate" href="${esc(i.link)}"/>
<updated>${(i.date ?? new Date()).toISOString()}</updated>${(i.categories ?? []).map((c) => `<category term="${esc(c)}"/>`).join('')}
${i.imageUrl ? `<link rel="enclosure" type="image/jpeg" href="${esc(i.imageUrl)}"/>` : ''}<content type="html">${esc(i.html ?? '')}</content></entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>${esc(f.title)}</title><id>${esc(self)}</id><updated>${f.modified.toISOString()}</updated>
${entries.join('\n')}</feed>`;
}

function wpPost(i: TestItem) {
  return {
    id: parseInt(createHash('md5').update(i.guid).digest('hex').slice(0, 7), 16),
    date_gmt: (i.date ?? new Date()).toISOString().slice(0, 19),
    guid: { rendered: i.guid },
    link: i.link,
    title: { rendered: esc(i.title) },
    content: { rendered: i.html ?? '', protected: false },
    excerpt: { rendered: '' },
    _embedded: {
      ...(i.imageUrl ? { 'wp:featuredmedia': [{ id: 5, source_url: i.imageUrl }] } : {}),
      'wp:term': [(i.categories ?? []).map((name, k) => ({ id: k + 1, name: esc(name), taxonomy: 'category' })), []],
    },
  };
}
