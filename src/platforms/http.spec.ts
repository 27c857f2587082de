import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchMedia, redact, request, secretForms, trimBaseUrl } from './http';
import * as netGuard from './net-guard';
import { AmbiguousError, PermanentError, PlatformError } from './platform';

describe('redact', () => {
  it('removes bot tokens in paths, Bearer values and listed secrets', () => {
    const text = 'POST https://api.telegram.org/bot123:ABC-def/sendMessage Authorization: Bearer tok.en s3cr3t!';
    expect(redact(text, ['s3cr3t!'])).toBe(
      'POST https://api.telegram.org/bot[redacted]/sendMessage Authorization: Bearer [redacted] [redacted]',
    );
  });

  // A secret with every character class that encodings change: space, slash, quote, plus, percent, non-ASCII.
  const secret = 'pa ss/wo"rd+50%é!';
  it.each([
    ['raw', secret],
    ['percent-encoded (encodeURIComponent)', encodeURIComponent(secret)],
    ['percent-encoded (RFC 3986, as OAuth 1.0a signs)', encodeURIComponent(secret).replace('!', '%21')],
    ['form-encoded', new URLSearchParams({ p: secret }).toString().slice(2)],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['JSON-escaped with \\/ (PHP)', JSON.stringify(secret).slice(1, -1).replace('/', '\\/')],
    ['JSON-escaped as ASCII (\\u00e9)', JSON.stringify(secret).slice(1, -1).replace('é', '\\u00e9')],
  ])('removes a secret written %s', (_name, form) => {
    const out = redact(`{"error":"bad password ${form} given","grant":"password=${form}&x=1"}`, [secret]);
    expect(out).toBe('{"error":"bad password [redacted] given","grant":"password=[redacted]&x=1"}');
  });

  it('removes the longer of two overlapping secrets whole', () => {
    expect(redact('key=abcd1234wxyz', ['abcd', 'abcd1234wxyz'])).toBe('key=[redacted]');
  });

  it('removes HTTP Basic credentials, whatever their case, and leaves the word "basic" in prose', () => {
    const basic = Buffer.from('client-id:client-secret-value').toString('base64');
    expect(redact(`Authorization: Basic ${basic}`, [])).toBe('Authorization: Basic [redacted]');
    expect(redact(`{"authorization":"basic ${basic}"}`, [])).toBe('{"authorization":"basic [redacted]"}');
    expect(redact('the Basic plan allows 10 posts', [])).toBe('the Basic plan allows 10 posts');
  });

  it('removes a user and password written into a URL', () => {
    expect(redact('connect redis://user:hunter2@cache.internal:6379 failed', [])).toBe(
      'connect redis://[redacted]@cache.internal:6379 failed',
    );
    expect(redact('postgres://:only-password@db/crier', [])).toBe('postgres://[redacted]@db/crier');
  });

  it('keeps working on hostile input: long runs and lone surrogates', () => {
    const long = `${'a:'.repeat(50_000)}${'//'.repeat(50_000)}`;
    const started = Date.now();
    expect(redact(long, ['a:a:a:'])).toContain('[redacted]');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(redact('x \ud800yz1234 y', ['\ud800yz1234'])).toBe('x [redacted] y');
  });
});

describe('secretForms', () => {
  it('ignores secrets too short to redact without false matches', () => {
    expect(secretForms('abc')).toEqual([]);
    expect(secretForms('abcd')).toContain('abcd');
  });
});

describe('trimBaseUrl', () => {
  it.each([
    ['https://a.example/', 'https://a.example'],
    ['https://a.example/api//', 'https://a.example/api'],
    [' https://a.example ', 'https://a.example'],
  ])('%j → %j', (input, out) => expect(trimBaseUrl(input)).toBe(out));
});

describe('request', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/big') res.end('x'.repeat(2048));
      else if (req.url === '/hang') setTimeout(() => res.end('late'), 2000).unref();
      else res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"error":"down"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const call = (path: string, extra: Partial<Parameters<typeof request>[0]> = {}) =>
    request({
      method: 'POST',
      url: `http://127.0.0.1:${port}${path}`,
      label: 'test call',
      timeoutMs: 1000,
      secrets: ['tok-secret'],
      allowPrivateAddresses: true,
      ...extra,
    });

  it('returns any status as data, with parsed JSON', async () => {
    await expect(call('/x')).resolves.toMatchObject({ status: 503, json: { error: 'down' } });
  });

  it('treats a failed TLS handshake as not sent (transient), even though TCP connected', async () => {
    let sentCalled = false;
    const onSent = () => ((sentCalled = true), new AmbiguousError('sent'));
    const e = await call('/x', { url: `https://127.0.0.1:${port}/bottok-secret/x`, onSent }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PlatformError);
    expect((e as PlatformError).kind).toBe('transient');
    expect((e as Error).message).not.toContain('tok-secret');
    expect(sentCalled).toBe(false);
  });

  it('lets the caller classify a timeout after the request was sent', async () => {
    const e = await call('/hang', {
      timeoutMs: 200,
      onSent: (f, m) => new AmbiguousError(`${m} sent=${f.sent}`),
    }).catch((x: unknown) => x);
    expect((e as PlatformError).kind).toBe('ambiguous');
    expect((e as Error).message).toMatch(/^test call: no answer after sending .* sent=true$/);
  });

  it('bounds the response size', async () => {
    const e = await call('/big', { maxBodyBytes: 100 }).catch((x: unknown) => x);
    expect((e as PlatformError).kind).toBe('transient');
  });

  describe('address policy (CRIER_PLATFORMS_ALLOW_PRIVATE)', () => {
    afterEach(() => jest.restoreAllMocks());
    const refusal = (url: string) =>
      call('/x', { url, allowPrivateAddresses: undefined, headers: { Authorization: 'Bearer tok-secret' } }).then(
        () => undefined,
        (e: unknown) => e,
      );
    /** Resolves names from `table` only, as a DNS server of the attacker's would. */
    const fakeDns = (table: Record<string, string[]>) => {
      const { guardedAgents } = netGuard;
      jest
        .spyOn(netGuard, 'guardedAgents')
        .mockImplementation((allow) =>
          guardedAgents(allow, undefined, (host) =>
            Promise.resolve((table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))),
          ),
        );
    };

    it.each([
      ['a literal loopback', () => `http://127.0.0.1:${port}/bottok-secret/sendMessage`, () => `127.0.0.1:${port}`],
      ['localhost (resolved)', () => `http://localhost:${port}/x`, () => `localhost:${port}`],
      ['IPv6 loopback', () => `http://[::1]:${port}/x`, () => `[::1]:${port}`],
      ['a private network address', () => 'http://10.20.30.40/x', () => '10.20.30.40'],
      ['cloud metadata (link-local)', () => 'https://169.254.169.254/latest', () => '169.254.169.254'],
    ])('refuses %s by default: permanent, naming the host, nothing sent', async (_name, url, host) => {
      const before = hits;
      const e = await refusal(url());
      expect(e).toBeInstanceOf(PermanentError);
      const message = (e as Error).message;
      expect(message).toBe(
        `test call: refused to connect to ${host()}: it is or resolves to a loopback, private or link-local ` +
          'address; set CRIER_PLATFORMS_ALLOW_PRIVATE=true to allow (check apiBaseUrl)',
      );
      expect(message).not.toContain('tok-secret');
      expect(hits).toBe(before);
    });

    it('refuses a name that resolves to a private address, even when it also has a public one', async () => {
      fakeDns({ 'api.attacker.test': ['93.184.215.14', '127.0.0.1'] });
      const before = hits;
      const e = await refusal(`http://api.attacker.test:${port}/x`);
      expect(e).toBeInstanceOf(PermanentError);
      expect((e as Error).message).toContain(`refused to connect to api.attacker.test:${port}`);
      expect(hits).toBe(before);
    });

    it('connects to the address it checked, when private addresses are allowed', async () => {
      // `pinned.test` exists only in this fake DNS: reaching the server proves the socket used the checked answer.
      fakeDns({ 'pinned.test': ['127.0.0.1'] });
      const before = hits;
      const res = await call('/x', { url: `http://pinned.test:${port}/x`, allowPrivateAddresses: true });
      expect(res.status).toBe(503);
      expect(hits).toBe(before + 1);
    });
  });

  describe('fence (the claim check before the irreversible call)', () => {
    it('is awaited before the request is sent, and its time does not count against the timeout', async () => {
      const before = hits;
      const fence = jest.fn(async () => {
        expect(hits).toBe(before);
        await new Promise((r) => setTimeout(r, 300));
      });
      await expect(call('/x', { fence, timeoutMs: 250 })).resolves.toMatchObject({ status: 503 });
      expect(fence).toHaveBeenCalledTimes(1);
      expect(hits).toBe(before + 1);
    });

    it('passes its rejection through unchanged (not mapped to a PlatformError) and sends nothing', async () => {
      class ClaimLostForTest extends Error {}
      const lost = new ClaimLostForTest('claim lost');
      const before = hits;
      let sentCalled = false;
      const onSent = () => ((sentCalled = true), new AmbiguousError('sent'));
      const e = await call('/x', { fence: () => Promise.reject(lost), onSent }).catch((x: unknown) => x);
      expect(e).toBe(lost);
      expect(e).not.toBeInstanceOf(PlatformError);
      expect(sentCalled).toBe(false);
      expect(hits).toBe(before);
    });
  });
});

describe('fetchMedia (SSRF guard)', () => {
  let server: http.Server;
  let port: number;
  let hits: string[];
  const PRIVATE = 'image URL points to a private address; set CRIER_FEEDS_ALLOW_PRIVATE=true to allow';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      const to = /^\/redirect\/(.+)$/.exec(req.url ?? '');
      if (to) res.writeHead(302, { Location: decodeURIComponent(to[1]) }).end();
      else res.writeHead(200, { 'Content-Type': 'image/png' }).end('png');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (hits = []));
  afterEach(() => jest.restoreAllMocks());

  const fetchError = (url: string, allowPrivateAddresses?: boolean) =>
    fetchMedia(url, { timeoutMs: 2000, maxBytes: 1024, allowPrivateAddresses }).then(
      () => undefined,
      (e: unknown) => e,
    );

  it.each([
    ['127.0.0.1', () => `http://127.0.0.1:${port}/a.png`],
    ['localhost', () => `http://localhost:${port}/a.png`],
    ['[::1]', () => `http://[::1]:${port}/a.png`],
    ['10.x', () => 'http://10.20.30.40/a.png'],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
  ])('refuses %s by default, permanently and without naming it', async (_name, url) => {
    const e = await fetchError(url());
    expect(e).toBeInstanceOf(PlatformError);
    expect(e).toMatchObject({ kind: 'permanent', message: PRIVATE });
    expect(hits).toEqual([]);
  });

  it('re-checks a redirect from an allowed host to a private one', async () => {
    // The first hop stands for a public host: exactly one connection is permitted, then the real rule applies.
    const { guardedAgents, isPublicAddress } = netGuard;
    jest.spyOn(netGuard, 'guardedAgents').mockImplementation(() => {
      let first = true;
      return guardedAgents(false, (a) => (first ? !(first = false) : isPublicAddress(a)));
    });
    for (const target of [`http://localhost:${port}/b.png`, 'http://169.254.169.254/latest/meta-data/']) {
      hits = [];
      const e = await fetchError(`http://127.0.0.1:${port}/redirect/${encodeURIComponent(target)}`);
      expect(e).toMatchObject({ kind: 'permanent', message: PRIVATE });
      expect(hits).toHaveLength(1);
    }
  });

  it('fetches from loopback, redirects included, when private addresses are allowed', async () => {
    const target = `http://localhost:${port}/b.png`;
    const media = await fetchMedia(`http://127.0.0.1:${port}/redirect/${encodeURIComponent(target)}`, {
      timeoutMs: 2000,
      maxBytes: 1024,
      allowPrivateAddresses: true,
    });
    expect(media).toMatchObject({ contentType: 'image/png', filename: 'image.png' });
    expect(media.bytes.toString()).toBe('png');
  });
});
