import http, { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Shared plumbing of the fake platform servers: a real HTTP server on 127.0.0.1, a request log, routing with
 * `:params`, body parsing (JSON, urlencoded, multipart) and scripted faults for the next matching requests.
 */

export interface UploadedFile {
  filename: string;
  type: string;
  size: number;
  bytes: Buffer;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, exactly as received (a Telegram path holds the token). */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, urlencoded or multipart text fields; raw text for anything else. */
  body: unknown;
  files: Record<string, UploadedFile>;
  at: Date;
}

export interface FakeRequest extends RecordedRequest {
  params: Record<string, string>;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  /** Sent as is instead of JSON (HTML error pages); content type text/html unless headers say otherwise. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/**
 * What to do with the next matching request. Without `status` the fake handles the request for real (the post
 * is stored) and then applies `delayMs`/`drop`: that is "it reached the platform but the answer got lost".
 * With `status` the request is answered with that instead and nothing is stored, unless `accept` is set.
 */
export interface Fault {
  status?: number;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (or dropping). */
  delayMs?: number;
  /** Run the real handler (store the post) even though `status` overrides the answer. */
  accept?: boolean;
  /** Destroy the connection instead of answering. */
  drop?: boolean;
}

type Handler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

/** Listens on 127.0.0.1 on a free port; resolves with the base URL. Shared by every test server. */
export async function listenOnLoopback(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Cancels pending delayed answers, drops open connections and closes the server. */
export async function closeServer(server: http.Server | null, timers: Set<NodeJS.Timeout>): Promise<void> {
  for (const t of timers) clearTimeout(t);
  timers.clear();
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export abstract class FakeServer {
  readonly requests: RecordedRequest[] = [];
  baseUrl = '';
  private readonly routes: Route[] = [];
  private readonly faults: Array<{ key: string; fault: Fault; remaining: number }> = [];
  private readonly statics = new Map<string, { bytes: Buffer; type: string }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: http.Server | null = null;

  /** Answer for a path no route knows, in the platform's own shape. */
  protected abstract notFound(req: FakeRequest): FakeReply;

  /** More names a test may use in `failNext` for this request (Telegram: the bare method name). */
  protected extraKeys(_req: FakeRequest): string[] {
    return [];
  }

  /** Registers a handler; `pattern` may hold `:name` segments. Method '*' matches any. */
  protected route(method: string, pattern: string, handler: Handler): void {
    const names: string[] = [];
    const source = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, n: string) => {
      names.push(n);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern, regex: new RegExp(`^${source}$`), names, handler });
  }

  /** Scripts the next `times` requests matching `key` ("POST /api/v1/statuses", a concrete path, or an extra key). */
  failNext(key: string, fault: Fault, times = 1): this {
    this.faults.push({ key, fault, remaining: times });
    return this;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Forgets requests and faults (subclasses also drop what was posted), keeping the server and its URL. */
  reset(): void {
    this.requests.length = 0;
    this.clearFaults();
  }

  /** Serves bytes at `path` (e.g. an article image to upload); returns its absolute URL. */
  hostFile(path: string, bytes: Buffer, type: string): string {
    this.statics.set(path, { bytes, type });
    return this.baseUrl + path;
  }

  /** Requests whose "METHOD path" starts with `prefix` (e.g. "POST /api/v1/statuses"). */
  requestsTo(prefix: string): RecordedRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path}`.startsWith(prefix));
  }

  async start(): Promise<string> {
    if (this.server) return this.baseUrl;
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`fake crashed: ${String(e)}`);
      });
    });
    this.baseUrl = await listenOnLoopback(server);
    this.server = server;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await closeServer(server, this.timers);
  }

  /** Resolves once `predicate` holds; rejects after `timeoutMs` (tests never sleep blindly). */
  async waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const { body, files } = await parseBody(raw, String(req.headers['content-type'] ?? ''));
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      files,
      at: new Date(),
    };
    this.requests.push(recorded);

    const file = this.statics.get(url.pathname);
    if (file && recorded.method === 'GET') {
      res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.bytes.length }).end(file.bytes);
      return;
    }
    const { route, params } = this.match(recorded.method, url.pathname);
    const fakeReq: FakeRequest = { ...recorded, params };
    if (!route) return send(res, this.notFound(fakeReq));

    const keys = [
      `${recorded.method} ${route.pattern}`,
      `${recorded.method} ${url.pathname}`,
      ...this.extraKeys(fakeReq),
    ];
    const fault = this.takeFault(keys);
    let reply: FakeReply;
    if (!fault) reply = await route.handler(fakeReq);
    else {
      const handled = fault.status === undefined || fault.accept ? await route.handler(fakeReq) : undefined;
      reply =
        fault.status === undefined && handled
          ? handled
          : { status: fault.status ?? 500, body: fault.body, rawBody: fault.rawBody, headers: fault.headers };
      if (fault.delayMs) await this.sleep(fault.delayMs);
      if (fault.drop) {
        req.socket.destroy();
        return;
      }
    }
    send(res, reply);
  }

  private match(method: string, path: string): { route?: Route; params: Record<string, string> } {
    for (const route of this.routes) {
      if (route.method !== '*' && route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    return { params: {} };
  }

  private takeFault(keys: string[]): Fault | undefined {
    const i = this.faults.findIndex((f) => keys.includes(f.key));
    if (i < 0) return undefined;
    const entry = this.faults[i];
    if (--entry.remaining <= 0) this.faults.splice(i, 1);
    return entry.fault;
  }
}

function send(res: http.ServerResponse, reply: FakeReply): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.rawBody !== undefined) {
    payload = reply.rawBody;
    headers['Content-Type'] ??= 'text/html; charset=utf-8';
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['Content-Type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(reply.status, headers).end(payload);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function parseBody(
  raw: Buffer,
  contentType: string,
): Promise<{ body: unknown; files: Record<string, UploadedFile> }> {
  const files: Record<string, UploadedFile> = {};
  if (raw.length === 0) return { body: undefined, files };
  if (contentType.includes('application/json')) {
    try {
      return { body: JSON.parse(raw.toString('utf8')) as unknown, files };
    } catch {
      return { body: raw.toString('utf8'), files };
    }
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return { body: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), files };
  }
  if (contentType.includes('multipart/form-data')) {
    // undici's Response parses multipart for us: no dependency needed.
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const fields: Record<string, string> = {};
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else {
        const bytes = Buffer.from(await value.arrayBuffer());
        files[name] = { filename: value.name, type: value.type, size: bytes.length, bytes };
      }
    }
    return { body: fields, files };
  }
  return { body: raw.toString('utf8'), files };
}
