import { XAdapter } from '../../src/platforms/x/x.adapter';
import type { Fault } from '../fakes/fake-server';
import { X_FAULTS, XFake, resetAt } from '../fakes/x.fake';
import { AdapterHarness, ContractFake, ErrorRow, runAdapterContract } from './adapter-contract';
import { isRequest } from './contract-support';

/**
 * The shared contract, run once per credential kind: OAuth 1.0a (signed requests, verified for real by the fake)
 * and OAuth 2.0 (Bearer with refresh). Rows follow the §3.9 table; OAuth 2.0 refresh specifics are in
 * x-oauth2.test.ts, other X behaviour in x-specifics.test.ts.
 */

const adapter = new XAdapter();
const TWEETS = 'POST /2/tweets';
const MEDIA = 'POST /2/media/upload';
const TOKEN = 'POST /2/oauth2/token';
const HOUR_S = 3600;

type Kind = 'oauth1' | 'oauth2';

/** The fake of the test that is running: rows that need a second scripted answer add it here. */
let current: XFake;

function contractFake(fake: XFake, kind: Kind): ContractFake {
  return {
    server: fake,
    account: (opts) => fake.account(kind, opts),
    posted: () => fake.tweets.map((t) => ({ id: t.id, text: t.text, hasImage: t.mediaIds.length > 0 })),
  };
}

/** Scripts `extra` for `key` as well as the row's own fault (an answer after a refresh, a failing refresh). */
function plus(key: string, extra: Fault, main: Fault): () => Fault {
  return () => {
    current.failNext(key, extra);
    return main;
  };
}

const sharedRows = (): ErrorRow[] => [
  { row: '400 invalid-request', fault: X_FAULTS.invalidRequest(), expect: 'permanent' },
  { row: '400 code 186 too long', fault: X_FAULTS.tooLong(), expect: 'permanent' },
  { row: '403 client-forbidden', fault: X_FAULTS.clientForbidden(), expect: 'reauth' },
  { row: '402 payment required (credits)', fault: X_FAULTS.paymentRequired(), expect: 'reauth' },
  { row: '403 duplicate content, first attempt', fault: X_FAULTS.duplicate(), expect: 'permanent' },
  {
    row: '403 duplicate content after an ambiguous attempt (rule 6)',
    fault: X_FAULTS.duplicate(),
    req: { attempt: 2, previousAmbiguous: true },
    expect: 'ambiguous',
  },
  { row: '403 other (reply not allowed)', fault: X_FAULTS.replyNotAllowed(), expect: 'permanent' },
  {
    row: '429 rate-limit-exceeded, x-rate-limit-reset in 120 s',
    fault: () => X_FAULTS.tooManyRequests({ 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': resetAt(120) }),
    expect: 'rate-limited',
    retryAfterMs: 120_000,
    scope: 'account',
  },
  {
    row: '429 code 88 with the user 24-hour budget spent',
    fault: () =>
      X_FAULTS.code88({
        'x-rate-limit-remaining': '40',
        'x-rate-limit-reset': resetAt(60),
        'x-user-limit-24hour-remaining': '0',
        'x-user-limit-24hour-reset': resetAt(5 * HOUR_S),
      }),
    expect: 'rate-limited',
    retryAfterMs: 5 * HOUR_S * 1000,
    scope: 'account',
  },
  {
    row: '429 with the app 24-hour budget spent: every account of the app waits',
    fault: () =>
      X_FAULTS.tooManyRequests({
        'x-rate-limit-reset': resetAt(60),
        'x-app-limit-24hour-remaining': '0',
        'x-app-limit-24hour-reset': resetAt(3 * HOUR_S),
      }),
    expect: 'rate-limited',
    retryAfterMs: 3 * HOUR_S * 1000,
    scope: 'app',
  },
  {
    row: '429 without any reset header (one 15-minute window)',
    fault: X_FAULTS.tooManyRequests(),
    expect: 'rate-limited',
    retryAfterMs: 15 * 60_000,
    scope: 'account',
  },
  {
    row: '429 usage-capped with a 24-hour reset',
    fault: () =>
      X_FAULTS.usageCapped({
        'x-rate-limit-reset': resetAt(60),
        'x-user-limit-24hour-remaining': '0',
        'x-user-limit-24hour-reset': resetAt(6 * HOUR_S),
      }),
    expect: 'rate-limited',
    retryAfterMs: 6 * HOUR_S * 1000,
    scope: 'account',
  },
  { row: '429 usage-capped without a reset header', fault: X_FAULTS.usageCapped(), expect: 'reauth' },
  { row: '500 on publish', fault: X_FAULTS.serverError(), expect: 'ambiguous' },
  { row: '503 gateway HTML on publish', fault: X_FAULTS.gatewayHtml(), expect: 'ambiguous' },
  { row: 'timeout after the post was stored', fault: { delayMs: 2000 }, timeoutMs: 300, expect: 'ambiguous' },
  { row: 'media upload 5xx', key: MEDIA, withImage: true, fault: X_FAULTS.serverError(), expect: 'transient' },
  { row: 'media upload dropped', key: MEDIA, withImage: true, fault: { drop: true }, expect: 'transient' },
  { row: 'media upload 4xx', key: MEDIA, withImage: true, fault: X_FAULTS.invalidRequest(), expect: 'permanent' },
];

const oauth1Rows = (): ErrorRow[] => [
  { row: '401 with OAuth 1.0a', fault: X_FAULTS.unauthorized(), expect: 'reauth' },
  {
    row: '401 on media upload with OAuth 1.0a',
    key: MEDIA,
    withImage: true,
    fault: X_FAULTS.unauthorized(),
    expect: 'reauth',
  },
];

const oauth2Rows = (): ErrorRow[] => [
  {
    row: '401 with OAuth 2.0, again after one refresh + retry',
    fault: plus(TWEETS, X_FAULTS.unauthorized(), X_FAULTS.unauthorized()),
    expect: 'reauth',
  },
  {
    row: '401 with OAuth 2.0, refresh token refused (400 invalid_request)',
    fault: plus(TOKEN, X_FAULTS.tokenInvalid(), X_FAULTS.unauthorized()),
    expect: 'reauth',
  },
  {
    row: '401 with OAuth 2.0, token endpoint 503 (nothing posted)',
    fault: plus(TOKEN, X_FAULTS.serverError(), X_FAULTS.unauthorized()),
    expect: 'transient',
  },
];

function harness(kind: Kind): AdapterHarness {
  return {
    adapter,
    start: async () => contractFake((current = await XFake.start()), kind),
    publishKey: TWEETS,
    isCreate: isRequest(TWEETS),
    isMediaUpload: isRequest(MEDIA),
    threads: true,
    sampleText:
      'Crier launches: café ☕ & <friends> 👨‍👩‍👧 https://news.example.com/a/very/long/path/for-the-article?utm=feed',
    lengthParts: {
      prefix: 'Breaking 👨‍👩‍👧: ',
      filler: 'é',
      url: 'https://news.example.com/2024/05/crier-launch?ref=feed',
    },
    errorRows: [...sharedRows(), ...(kind === 'oauth1' ? oauth1Rows() : oauth2Rows())],
    noIdFault: { status: 201, body: { data: { text: 'Crier launches' } } },
    lostAnswerKind: 'ambiguous',
  };
}

describe('X with OAuth 1.0a', () => runAdapterContract(harness('oauth1')));
describe('X with OAuth 2.0', () => runAdapterContract(harness('oauth2')));
