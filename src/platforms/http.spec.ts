import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { redact, request, trimBaseUrl } from './http';
import { AmbiguousError, PlatformError } from './platform';

describe('redact', () => {
  it('removes bot tokens in paths, Bearer values and listed secrets', () => {
    const text = 'POST https://api.telegram.org/bot123:ABC-def/sendMessage Authorization: Bearer tok.en s3cr3t!';
    expect(redact(text, ['s3cr3t!'])).toBe(
      'POST https://api.telegram.org/bot[redacted]/sendMessage Authorization: Bearer [redacted] [redacted]',
    );
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
  beforeAll(async () => {
    server = http.createServer((req, res) => {
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
});
