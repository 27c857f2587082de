import { gabCapDelayMs } from '../gab/gab.adapter';
import { PublishRequest } from '../platform';
import { idempotencyKey } from './mastodon-family.base';
import { FALLBACK_RETRY_MS, classifyMastodon, retryAfterMs } from './mastodon-family.errors';
import { normaliseText, statusHtmlToText, statusMatches } from './mastodon-family.match';

describe('retryAfterMs (X-RateLimit-Reset)', () => {
  it('measures the reset against the server Date header, cancelling clock skew', () => {
    const headers = { 'x-ratelimit-reset': '2024-05-01T12:05:00.041347Z', date: 'Wed, 01 May 2024 12:00:00 GMT' };
    expect(retryAfterMs(headers, Date.parse('2030-01-01T00:00:00Z'))).toBe(300_041);
  });

  it('falls back to 60 s without a usable header, and never goes below 1 s', () => {
    expect(retryAfterMs({})).toBe(FALLBACK_RETRY_MS);
    expect(retryAfterMs({ 'x-ratelimit-reset': 'soon' })).toBe(FALLBACK_RETRY_MS);
    expect(retryAfterMs({ 'x-ratelimit-reset': '2000-01-01T00:00:00Z' })).toBe(1000);
  });
});

describe('classifyMastodon 429', () => {
  it('waits for this token only (the X-RateLimit-* window is per token)', () => {
    const res = {
      status: 429,
      headers: {},
      json: { error: 'Too many requests' },
      text: '{"error":"Too many requests"}',
    };
    const e = classifyMastodon(res, { platform: 'mastodon', phase: 'publish', idempotent: true });
    expect(e).toMatchObject({ kind: 'rate-limited', retryAfterMs: FALLBACK_RETRY_MS, scope: 'account' });
  });
});

describe('gabCapDelayMs', () => {
  const msg = (w: string) => `${w} status limit reached. Please slow down.`;
  it.each([
    [msg('Minute by minute'), 60_000],
    [msg('Semi-hourly'), 1_800_000],
    [msg('Hourly'), 3_600_000],
    [msg('Daily'), 86_400_000],
    [`Validation failed: ${msg('Semi-hourly')}, ${msg('Minute by minute')}`, 1_800_000],
    ['Validation failed: Text is too long', null],
  ])('%j → %p', (text, ms) => expect(gabCapDelayMs(text)).toBe(ms));
});

describe('statusMatches', () => {
  const req = (text: string, url = 'https://news.example/a'): PublishRequest => ({
    deliveryId: 'd',
    text,
    article: { url, title: 't', imageUrl: null, videoUrl: null, description: null },
    attempt: 1,
    firstAttemptAt: new Date(),
    previousAmbiguous: false,
  });
  const html =
    '<p>Hello &amp; welcome<br />to <a href="https://news.example/a"><span class="invisible">https://</span>' +
    '<span class="ellipsis">news.example/a</span></a></p><p>bye</p>';

  it('recovers the text from status HTML', () => {
    expect(normaliseText(statusHtmlToText(html))).toBe('Hello & welcome to https://news.example/a bye');
  });

  it('matches by normalised text or by the article link, not otherwise', () => {
    expect(
      statusMatches({ content: html }, req('Hello & welcome\nto https://news.example/a\n\nbye', 'https://x.example')),
    ).toBe(true);
    expect(statusMatches({ content: html }, req('something else', 'https://news.example/a/'))).toBe(true);
    expect(statusMatches({ content: html }, req('something else', 'https://other.example/b'))).toBe(false);
  });
});

describe('idempotencyKey (threads)', () => {
  const base = {
    deliveryId: 'd1',
    text: 't',
    article: null,
    attempt: 1,
    firstAttemptAt: new Date(),
    previousAmbiguous: false,
  };
  it('is the delivery id for a single post and part 1, `<id>:<k>` for part k > 1', () => {
    expect(idempotencyKey(base)).toBe('d1');
    expect(idempotencyKey({ ...base, partIndex: 1 })).toBe('d1');
    expect(idempotencyKey({ ...base, partIndex: 3, inReplyToId: '42' })).toBe('d1:3');
  });
});
