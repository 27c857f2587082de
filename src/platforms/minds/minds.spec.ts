import { HttpResponse } from '../http';
import { PublishRequest } from '../platform';
import { classifyMinds, isAuthFailure } from './minds.errors';
import { activityBody, activityMatches, guidOf, shieldPercent } from './minds.match';
import { expiryMs, tokenUsable } from './minds.tokens';

const res = (status: number, json?: unknown, text = json === undefined ? '' : JSON.stringify(json)): HttpResponse => ({
  status,
  headers: {},
  text,
  json,
});

const req = (over: Partial<PublishRequest> = {}): PublishRequest => ({
  deliveryId: 'd',
  text: 'Crier launches https://news.example/a',
  article: { url: 'https://news.example/a', title: 'T', imageUrl: null, videoUrl: null, description: null },
  attempt: 1,
  firstAttemptAt: new Date(),
  previousAmbiguous: false,
  ...over,
});

describe('tokenUsable', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['no token', undefined, '2026-01-02T00:00:00Z', false],
    ['valid for a day', 't', '2026-01-02T00:00:00Z', true],
    ['61 s left', 't', '2026-01-01T00:01:01Z', true],
    ['within the 60 s margin', 't', '2026-01-01T00:00:59Z', false],
    ['expired', 't', '2025-12-31T00:00:00Z', false],
    ['no expiry recorded: try it', 't', undefined, true],
    ['unreadable expiry: renew', 't', 'soon', false],
    ['epoch seconds', 't', String(now / 1000 + 3600), true],
  ])('%s', (_name, token, expiresAt, usable) => expect(tokenUsable(token, expiresAt, now)).toBe(usable));

  it('reads epoch seconds and milliseconds alike', () => {
    expect(expiryMs('1767225600')).toBe(1767225600_000);
    expect(expiryMs('1767225600000')).toBe(1767225600_000);
  });
});

describe('shieldPercent', () => {
  // PHP rawurldecode, as the engine applies it to message, url, link_title and link_description.
  const rawurldecode = (s: string) =>
    Buffer.from(
      Buffer.from(s, 'utf8')
        .toString('latin1')
        .replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');

  it.each(['100%', 'https://a.example/a%20b?q=%E2%9C%93', '%%41', 'café ☕ 😀 no percent', '%zz %4'])(
    'survives rawurldecode unchanged: %j',
    (text) => expect(rawurldecode(shieldPercent(text))).toBe(text),
  );
});

describe('activityBody', () => {
  it('adds a link card from the article, strings only', () => {
    expect(activityBody(req(), [])).toEqual({
      message: 'Crier launches https://news.example/a',
      access_id: 2,
      url: 'https://news.example/a',
      link_title: 'T',
      link_description: '',
      link_thumbnail: '',
    });
  });

  it('attachments replace the card', () => {
    expect(activityBody(req(), ['9'])).toEqual({
      message: 'Crier launches https://news.example/a',
      access_id: 2,
      attachment_guids: ['9'],
    });
  });
});

describe('guidOf', () => {
  it('keeps string guids and reads big numeric ones from the raw text', () => {
    expect(guidOf({ guid: '1650000000000000001' }, '')).toBe('1650000000000000001');
    const raw = '{"guid":1650000000000000001,"ownerObj":{"guid":1234567890123456789}}';
    expect(guidOf(JSON.parse(raw), raw)).toBe('1650000000000000001');
    expect(guidOf({ guid: 42 }, '')).toBe('42');
    expect(guidOf({ status: 'success' }, '')).toBeNull();
  });
});

describe('activityMatches', () => {
  it('matches the text (whitespace and NFC aside), the card link or the link in the message', () => {
    expect(activityMatches({ message: 'Crier  launches\nhttps://news.example/a' }, req())).toBe(true);
    expect(activityMatches({ message: 'other', perma_url: 'https://news.example/a/' }, req())).toBe(true);
    expect(activityMatches({ message: 'see https://news.example/a' }, req())).toBe(true);
    expect(activityMatches({ message: 'unrelated', perma_url: '' }, req())).toBe(false);
    expect(activityMatches({ message: 'unrelated' }, req({ article: null }))).toBe(false);
  });
});

describe('classifyMinds', () => {
  it.each([
    ['401 on publish (after recovery)', 401, { status: 'error', message: 'Unauthorized' }, 'publish', 'reauth'],
    [
      'legacy 403 loggedin:false',
      403,
      { error: 'Sorry, you are not authenticated', loggedin: false },
      'verify',
      'reauth',
    ],
    ['403 must_verify', 403, { status: 'error', message: 'verify', must_verify: true }, 'publish', 'reauth'],
    ['400 validation', 400, { status: 'error', message: 'Invalid message.' }, 'publish', 'permanent'],
    ['429', 429, { status: 'error', message: 'You have exceed the rate limit' }, 'publish', 'transient'],
    ['200 status:error', 200, { status: 'error', message: 'nope' }, 'media', 'permanent'],
    ['500 on publish', 500, { status: 'error', message: 'x' }, 'publish', 'ambiguous'],
    ['500 on media', 500, { status: 'error', message: 'x' }, 'media', 'transient'],
    ['404 (wrong apiBaseUrl)', 404, { status: 'error', message: 'Endpoint Not Found' }, 'publish', 'reauth'],
  ] as const)('%s → %s', (_name, status, json, phase, kind) => {
    expect(classifyMinds(res(status, json), phase).kind).toBe(kind);
  });

  it('only a refused token is worth a fresh sign-in', () => {
    expect(isAuthFailure(res(401, { status: 'error' }))).toBe(true);
    expect(isAuthFailure(res(403, { loggedin: false }))).toBe(true);
    expect(isAuthFailure(res(403, { must_verify: true }))).toBe(false);
    expect(isAuthFailure(res(403, { status: 'error', message: 'Forbidden' }))).toBe(false);
  });
});
