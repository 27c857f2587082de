import { HttpResponse } from '../http';
import { FALLBACK_RETRY_MS, classifyTokenRefresh, classifyX, xRateLimit, xRetryAfterMs, xSays } from './x.errors';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const at = (seconds: number) => String(NOW / 1000 + seconds);

function res(status: number, json: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, json, text: JSON.stringify(json) };
}

describe('xRetryAfterMs', () => {
  it('uses x-rate-limit-reset (unix seconds) when no 24-hour budget is spent', () => {
    expect(xRetryAfterMs({ 'x-rate-limit-reset': at(90) }, false, NOW)).toBe(90_000);
  });

  it('prefers a spent 24-hour budget, the later of user and app', () => {
    const headers = {
      'x-rate-limit-reset': at(60),
      'x-user-limit-24hour-remaining': '0',
      'x-user-limit-24hour-reset': at(3600),
      'x-app-limit-24hour-remaining': '0',
      'x-app-limit-24hour-reset': at(7200),
    };
    expect(xRetryAfterMs(headers, false, NOW)).toBe(7200_000);
  });

  it('ignores a 24-hour reset whose budget is not spent', () => {
    const headers = {
      'x-rate-limit-reset': at(60),
      'x-user-limit-24hour-remaining': '12',
      'x-user-limit-24hour-reset': at(3600),
    };
    expect(xRetryAfterMs(headers, false, NOW)).toBe(60_000);
  });

  it('usage-capped counts only the 24-hour resets', () => {
    expect(xRetryAfterMs({ 'x-rate-limit-reset': at(60) }, true, NOW)).toBeNull();
    expect(xRetryAfterMs({ 'x-app-limit-24hour-reset': at(600) }, true, NOW)).toBe(600_000);
  });

  it("measures against the server's Date header, so clock skew cancels out", () => {
    const date = new Date(NOW - 30_000).toUTCString();
    expect(xRetryAfterMs({ 'x-rate-limit-reset': at(90), date }, false, NOW)).toBe(120_000);
  });

  it('waits at least 1 s and at most 25 h; null without a usable header', () => {
    expect(xRetryAfterMs({ 'x-rate-limit-reset': at(-30) }, false, NOW)).toBe(1000);
    expect(xRetryAfterMs({ 'x-rate-limit-reset': at(10 * 86400) }, false, NOW)).toBe(25 * 3600_000);
    expect(xRetryAfterMs({ 'x-rate-limit-reset': 'soon' }, false, NOW)).toBeNull();
  });
});

describe('xRateLimit (whose budget the wait is for)', () => {
  it.each([
    ['the 15-minute window', { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': at(90) }, false, 90, 'account'],
    [
      'the user 24-hour budget',
      { 'x-rate-limit-reset': at(60), 'x-user-limit-24hour-remaining': '0', 'x-user-limit-24hour-reset': at(3600) },
      false,
      3600,
      'account',
    ],
    [
      'the app 24-hour budget',
      { 'x-rate-limit-reset': at(60), 'x-app-limit-24hour-remaining': '0', 'x-app-limit-24hour-reset': at(7200) },
      false,
      7200,
      'app',
    ],
    [
      'both, the app resetting later',
      {
        'x-user-limit-24hour-remaining': '0',
        'x-user-limit-24hour-reset': at(3600),
        'x-app-limit-24hour-remaining': '0',
        'x-app-limit-24hour-reset': at(7200),
      },
      false,
      7200,
      'app',
    ],
    [
      'both, the user resetting later',
      {
        'x-user-limit-24hour-remaining': '0',
        'x-user-limit-24hour-reset': at(9000),
        'x-app-limit-24hour-remaining': '0',
        'x-app-limit-24hour-reset': at(7200),
      },
      false,
      9000,
      'account',
    ],
    ['a usage cap with no spent counter (the project cap)', { 'x-app-limit-24hour-reset': at(600) }, true, 600, 'app'],
    [
      'a usage cap with the user counter spent',
      { 'x-user-limit-24hour-remaining': '0', 'x-user-limit-24hour-reset': at(600) },
      true,
      600,
      'account',
    ],
  ] as const)('%s', (_name, headers, capped, seconds, scope) => {
    expect(xRateLimit(headers, capped, NOW)).toEqual({ ms: seconds * 1000, scope });
  });

  it('classifyX carries the scope on the RateLimitedError', () => {
    const app = { 'x-app-limit-24hour-remaining': '0', 'x-app-limit-24hour-reset': at(7200) };
    expect(classifyX(res(429, { title: 'Too Many Requests' }, app), { phase: 'publish' })).toMatchObject({
      kind: 'rate-limited',
      scope: 'app',
    });
    expect(classifyX(res(429, { title: 'Too Many Requests' }), { phase: 'publish' })).toMatchObject({
      kind: 'rate-limited',
      scope: 'account',
    });
  });
});

describe('classifyX', () => {
  it('falls back to one 15-minute window for a bare 429', () => {
    const e = classifyX(res(429, { title: 'Too Many Requests' }), { phase: 'publish' });
    expect(e).toMatchObject({ kind: 'rate-limited', retryAfterMs: FALLBACK_RETRY_MS });
  });

  it('maps 5xx to ambiguous on publish, transient elsewhere', () => {
    for (const phase of ['media', 'verify', 'read', 'token'] as const) {
      expect(classifyX(res(503, {}), { phase }).kind).toBe('transient');
    }
    expect(classifyX(res(503, {}), { phase: 'publish' }).kind).toBe('ambiguous');
  });

  it('treats other account-level 403 problem types as reauth', () => {
    for (const type of ['unsupported-authentication', 'oauth1-permissions', 'client-forbidden']) {
      const body = { title: 'Forbidden', type: `https://api.twitter.com/2/problems/${type}` };
      expect(classifyX(res(403, body), { phase: 'publish' }).kind).toBe('reauth');
    }
  });

  it('words the message from title, detail and errors[]', () => {
    expect(
      xSays(res(400, { title: 'Invalid Request', detail: 'bad', errors: [{ message: 'too long', code: 186 }] })),
    ).toBe('HTTP 400 Invalid Request: bad: too long (code 186)');
  });
});

describe('classifyTokenRefresh', () => {
  it('a refused refresh token or client is reauth; 5xx transient; 429 rate-limited', () => {
    const refused = { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' };
    expect(classifyTokenRefresh(res(400, refused))).toMatchObject({ kind: 'reauth' });
    expect(classifyTokenRefresh(res(401, { error: 'unauthorized_client' })).kind).toBe('reauth');
    expect(classifyTokenRefresh(res(502, {})).kind).toBe('transient');
    expect(classifyTokenRefresh(res(429, {})).kind).toBe('rate-limited');
    expect(classifyTokenRefresh(res(400, refused)).message).toContain('Value passed for the token was invalid.');
  });
});
