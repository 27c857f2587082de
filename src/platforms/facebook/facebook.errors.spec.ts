import { HttpResponse } from '../http';
import { PublishRequest } from '../platform';
import { classifyFacebook, describeGraphError, regainAccessMs } from './facebook.errors';
import { pagePostMatches } from './facebook.reconcile';

function res(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, headers, text, json: typeof body === 'string' ? undefined : body };
}

const graph = (code: number, extra: Record<string, unknown> = {}) => ({
  error: { message: `(#${code}) Something`, type: 'OAuthException', code, fbtrace_id: 'Atrace123', ...extra },
});

describe('regainAccessMs (X-Business-Use-Case-Usage)', () => {
  const header = (entries: unknown) => ({ 'x-business-use-case-usage': JSON.stringify(entries) });

  it('reads minutes and takes the longest wait over every business and entry', () => {
    const h = header({
      '111': [{ type: 'pages', call_count: 100, estimated_time_to_regain_access: 3 }],
      '222': [
        { type: 'pages', call_count: 40, estimated_time_to_regain_access: 0 },
        { type: 'pages', call_count: 100, estimated_time_to_regain_access: 12 },
      ],
    });
    expect(regainAccessMs(h)).toBe(12 * 60_000);
  });

  it.each([
    ['absent', {}],
    ['not JSON', { 'x-business-use-case-usage': 'oops' }],
    ['zero', header({ '1': [{ estimated_time_to_regain_access: 0 }] })],
    ['no field', header({ '1': [{ call_count: 99 }] })],
  ])('is null when %s', (_name, h) => {
    expect(regainAccessMs(h)).toBeNull();
  });

  it('caps an absurd wait at 24 h', () => {
    expect(regainAccessMs(header({ '1': [{ estimated_time_to_regain_access: 1e9 }] }))).toBe(24 * 3600_000);
  });
});

describe('classifyFacebook', () => {
  const publish = { phase: 'publish' as const };

  it('names code, subcode, user message and fbtrace_id in the message', () => {
    const r = res(400, graph(190, { error_subcode: 463, error_user_msg: 'Please log in again' }));
    expect(describeGraphError(r, 'publish', (r.json as { error: never }).error)).toBe(
      'facebook publish: (#190/463) Something — Please log in again [fbtrace_id Atrace123]',
    );
    expect(classifyFacebook(r, publish).message).toContain('the token expired; get a new Page access token');
  });

  it('a 368 policy block holds the account and asks for a human', () => {
    const e = classifyFacebook(res(400, graph(368)), publish);
    expect(e.kind).toBe('reauth');
    expect(e.message).toMatch(/a human must look at the Page/);
  });

  it.each([
    ['code 1', 'publish', 'ambiguous', res(500, graph(1))],
    ['code 1', 'read', 'transient', res(500, graph(1))],
    ['code 2', 'verify', 'transient', res(503, graph(2))],
    ['a 503 without a body', 'publish', 'ambiguous', res(503, '')],
    ['an unnamed code marked is_transient', 'publish', 'transient', res(400, graph(9007, { is_transient: true }))],
    ['an unnamed code', 'publish', 'permanent', res(400, graph(9007))],
    ['a 404 HTML page (wrong apiBaseUrl)', 'verify', 'reauth', res(404, '<html><title>Not Found</title></html>')],
    ['a 429 without a Graph body', 'publish', 'transient', res(429, '')],
  ] as const)('%s on %s → %s', (_name, phase, kind, r) => {
    expect(classifyFacebook(r, { phase }).kind).toBe(kind);
  });

  it('a throttling code follows the header wait, even on a 403', () => {
    const r = res(403, graph(32), {
      'x-business-use-case-usage': JSON.stringify({ '9': [{ estimated_time_to_regain_access: 2 }] }),
    });
    expect(classifyFacebook(r, publish)).toMatchObject({ kind: 'rate-limited', retryAfterMs: 120_000 });
  });

  it.each([
    [4, 'app'],
    [17, 'page'],
    [32, 'page'],
    [341, 'page'],
    [613, 'page'],
    [80001, 'page'],
  ] as const)('throttling code %i waits for the %s', (code, scope) => {
    const r = res(400, graph(code), {
      'x-business-use-case-usage': JSON.stringify({ '9': [{ estimated_time_to_regain_access: 5 }] }),
    });
    expect(classifyFacebook(r, publish)).toMatchObject({ kind: 'rate-limited', retryAfterMs: 300_000, scope });
  });
});

describe('pagePostMatches', () => {
  const req = (text: string, url: string | null = 'https://news.example/a/'): PublishRequest => ({
    deliveryId: 'd',
    text,
    article: url ? { url, title: 't', imageUrl: null, videoUrl: null, description: null } : null,
    attempt: 2,
    firstAttemptAt: new Date(),
    previousAmbiguous: true,
  });

  it('matches the message with whitespace and line endings normalised', () => {
    expect(pagePostMatches({ message: 'Hello\r\n  world ' }, req('Hello\nworld'))).toBe(true);
  });

  it('matches the article link inside the message (trailing slash ignored)', () => {
    expect(pagePostMatches({ message: 'other words https://news.example/a' }, req('x'))).toBe(true);
  });

  it('does not match a post without a message, or other text without the link', () => {
    expect(pagePostMatches({}, req('x'))).toBe(false);
    expect(pagePostMatches({ message: 'unrelated' }, req('x', null))).toBe(false);
  });
});
