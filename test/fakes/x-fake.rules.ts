import { extractUrlsWithIndices } from 'twitter-text';
import type { FakeReply, Fault } from './fake-server';

/** Answer shapes and text rules of the fake X API v2 (docs/PLATFORMS.md §3.9), kept apart from the routing. */

const PROBLEMS = 'https://api.twitter.com/2/problems';

/** A problem-JSON answer `{title, detail, type, status}` (plus extra fields such as `errors`). */
export function problem(
  status: number,
  title: string,
  detail: string,
  type = 'about:blank',
  extra: Record<string, unknown> = {},
): FakeReply {
  return { status, body: { title, detail, type, status, ...extra } };
}

/** The same, as a scripted fault: `fake.failNext('POST /2/tweets', xProblem(403, …))`. */
export function xProblem(
  status: number,
  title: string,
  detail: string,
  type = 'about:blank',
  headers?: Record<string, string>,
  extra: Record<string, unknown> = {},
): Fault {
  const reply = problem(status, title, detail, type, extra);
  return { status, body: reply.body, headers };
}

export const unauthorized = (): FakeReply => problem(401, 'Unauthorized', 'Unauthorized');

export const invalidRequest = (message: string, parameters: Record<string, unknown> = {}): FakeReply =>
  problem(
    400,
    'Invalid Request',
    'One or more parameters to your request was invalid.',
    `${PROBLEMS}/invalid-request`,
    {
      errors: [{ parameters, message }],
    },
  );

export const DUPLICATE_DETAIL = 'You are not allowed to create a Tweet with duplicate content.';

/** Canned faults for the §3.9 rows the fake does not reach by itself. */
export const X_FAULTS = {
  unauthorized: (): Fault => xProblem(401, 'Unauthorized', 'Unauthorized'),
  clientForbidden: (): Fault =>
    xProblem(
      403,
      'Client Forbidden',
      'When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.',
      `${PROBLEMS}/client-forbidden`,
      undefined,
      { reason: 'client-not-enrolled', registration_url: 'https://developer.x.com/en/portal/dashboard' },
    ),
  paymentRequired: (): Fault => xProblem(402, 'Payment Required', 'Your account does not have enough credits.'),
  duplicate: (): Fault => xProblem(403, 'Forbidden', DUPLICATE_DETAIL),
  replyNotAllowed: (): Fault =>
    xProblem(
      403,
      'Forbidden',
      'Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.',
    ),
  invalidRequest: (): Fault => ({ status: 400, body: invalidRequest('$.text: must be a string').body }),
  tooLong: (): Fault => ({
    status: 400,
    body: { errors: [{ code: 186, message: 'Tweet needs to be a bit shorter.' }] },
  }),
  tooManyRequests: (headers?: Record<string, string>): Fault =>
    xProblem(429, 'Too Many Requests', 'Too Many Requests', 'about:blank', headers),
  code88: (headers?: Record<string, string>): Fault => ({
    status: 429,
    body: { errors: [{ code: 88, message: 'Rate limit exceeded' }] },
    headers,
  }),
  usageCapped: (headers?: Record<string, string>): Fault =>
    xProblem(429, 'UsageCapExceeded', 'Usage cap exceeded: Monthly product cap', `${PROBLEMS}/usage-capped`, headers, {
      period: 'Monthly',
      scope: 'Product',
    }),
  serverError: (): Fault => xProblem(500, 'Internal Server Error', 'Internal Server Error'),
  gatewayHtml: (): Fault => ({
    status: 503,
    rawBody: '<html><head><title>503 Service Temporarily Unavailable</title></head><body>upstream</body></html>',
  }),
  tokenInvalid: (): Fault => ({
    status: 400,
    body: { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' },
  }),
};

/** Unix seconds `seconds` from now, as X's reset headers carry them. */
export function resetAt(seconds: number): string {
  return String(Math.floor(Date.now() / 1000) + seconds);
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * What the API returns as `text` for a stored post: every link as a t.co URL, `& < >` escaped, and a t.co link
 * to the media appended. `urls` are the entities X reports with each tweet.
 */
export function renderTweet(
  text: string,
  id: string,
  hasMedia: boolean,
): {
  text: string;
  urls: Array<{ start: number; end: number; url: string; expanded_url: string; display_url: string }>;
} {
  const urls: Array<{ start: number; end: number; url: string; expanded_url: string; display_url: string }> = [];
  let out = '';
  let pos = 0;
  extractUrlsWithIndices(text).forEach(({ url, indices }, i) => {
    out += escape(text.slice(pos, indices[0]));
    const short = `https://t.co/${id.slice(-6)}${i}x`;
    urls.push({
      start: out.length,
      end: out.length + short.length,
      url: short,
      expanded_url: /^https?:\/\//i.test(url) ? url : `http://${url}`,
      display_url: url.replace(/^https?:\/\//i, '').slice(0, 26),
    });
    out += short;
    pos = indices[1];
  });
  out += escape(text.slice(pos));
  if (hasMedia) out += ` https://t.co/${id.slice(-6)}m`;
  return { text: out, urls };
}

function escape(s: string): string {
  return s.replace(/[&<>]/g, (c) => HTML[c]);
}
