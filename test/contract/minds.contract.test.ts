import { MindsAdapter } from '../../src/platforms/minds/minds.adapter';
import type { Fault } from '../fakes/fake-server';
import { apiKeyAccount, passwordAccount } from '../fakes/minds-accounts';
import { LEGACY_UNAUTHENTICATED, MUST_VERIFY, RATE_LIMITED, V3_UNAUTHORIZED } from '../fakes/minds-fake.rules';
import {
  ERROR_IDS,
  MEDIA_KEY,
  MindsFake,
  PUBLISH_KEY,
  TOKEN_KEY,
  legacyError,
  mindsError,
  oauthError,
} from '../fakes/minds.fake';
import { AdapterHarness, ContractFake, ErrorRow, runAdapterContract } from './adapter-contract';
import { ARTICLE_URL, isRequest } from './contract-support';

const adapter = new MindsAdapter();

/** The fake of the running test: rows that need two answers script the second when the row starts. */
let current: MindsFake;
const twice = (key: string, fault: Fault) => () => {
  current.failNext(key, fault);
  return fault;
};

const html502 = { status: 502, rawBody: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>' };
const cloudflare403 = {
  status: 403,
  rawBody: '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body></body></html>',
  headers: { 'cf-ray': '8a1b2c3d4e5f-AMS' },
};
const server500 = mindsError(500, 'Internal Server Error', ERROR_IDS.server);
const tooLong = mindsError(400, 'Invalid message. Must be between 0 and 20000 characters.', ERROR_IDS.length);

/** Rows both credential kinds share (the post itself). */
const publishRows: ErrorRow[] = [
  { row: '403 must_verify on publish', fault: MUST_VERIFY, expect: 'reauth' },
  { row: '403 Forbidden on publish', fault: mindsError(403, 'Forbidden', ERROR_IDS.forbidden), expect: 'reauth' },
  { row: '400 validation', fault: tooLong, expect: 'permanent' },
  {
    row: '400 user error',
    fault: mindsError(400, 'You can not upload more 4 images', ERROR_IDS.userError),
    expect: 'permanent',
  },
  { row: '429 You have exceed the rate limit…', fault: RATE_LIMITED, expect: 'transient' },
  {
    row: '200 {status:"error"} (legacy shape)',
    fault: legacyError('Sorry, this post could not be saved'),
    expect: 'permanent',
  },
  {
    row: 'media 200 {status:"error"} (legacy route)',
    key: MEDIA_KEY,
    withImage: true,
    fault: legacyError('Invalid file type'),
    expect: 'permanent',
  },
  { row: 'media 5xx (rule 4)', key: MEDIA_KEY, withImage: true, fault: server500, expect: 'transient' },
  { row: '500 on publish', fault: server500, expect: 'ambiguous' },
  { row: '502 HTML on publish', fault: html502, expect: 'ambiguous' },
  { row: 'timeout after the activity was stored', fault: { delayMs: 2000 }, timeoutMs: 300, expect: 'ambiguous' },
  { row: 'Cloudflare 403 HTML (rule 7)', fault: cloudflare403, expect: 'transient' },
];

// §3.5 table with password credentials: the token endpoint and the 401 → sign in again → retry rule.
const passwordRows: ErrorRow[] = [
  { row: '401 on publish, again after a fresh sign-in', fault: twice(PUBLISH_KEY, V3_UNAUTHORIZED), expect: 'reauth' },
  {
    row: 'media legacy 403 loggedin:false, again after a fresh sign-in',
    key: MEDIA_KEY,
    withImage: true,
    fault: twice(MEDIA_KEY, LEGACY_UNAUTHENTICATED),
    expect: 'reauth',
  },
  {
    row: 'token endpoint 400 invalid_grant',
    key: TOKEN_KEY,
    fault: oauthError(400, 'invalid_grant', 'The user credentials were incorrect.'),
    expect: 'reauth',
  },
  {
    row: 'token endpoint 401 invalid_client',
    key: TOKEN_KEY,
    fault: oauthError(401, 'invalid_client', 'Client authentication failed'),
    expect: 'reauth',
  },
  {
    row: 'token endpoint 403',
    key: TOKEN_KEY,
    fault: mindsError(403, 'Forbidden', ERROR_IDS.forbidden),
    expect: 'reauth',
  },
  { row: 'token endpoint 403 must_verify', key: TOKEN_KEY, fault: MUST_VERIFY, expect: 'reauth' },
  {
    row: 'token endpoint 200 {status:"error"} (two-factor demanded)',
    key: TOKEN_KEY,
    fault: legacyError('Two-factor authentication is required'),
    expect: 'reauth',
  },
  { row: 'token endpoint 429 (login limiter)', key: TOKEN_KEY, fault: RATE_LIMITED, expect: 'transient' },
  { row: 'token endpoint 5xx', key: TOKEN_KEY, fault: server500, expect: 'transient' },
  ...publishRows,
];

// API keys: nothing to renew, so a 401 is an account problem at once.
const apiKeyRows: ErrorRow[] = [
  { row: '401 on publish (API key)', fault: V3_UNAUTHORIZED, expect: 'reauth' },
  ...publishRows,
];

function harness(kind: 'password' | 'apiKey'): AdapterHarness {
  const accountOf = kind === 'password' ? passwordAccount : apiKeyAccount;
  return {
    adapter,
    start: async (): Promise<ContractFake> => {
      const fake = (current = await MindsFake.start());
      return {
        server: fake,
        account: (opts) => accountOf(fake, opts),
        posted: () =>
          fake.activities.map((a) => ({ id: a.guid, text: a.message, hasImage: a.attachmentGuids.length > 0 })),
      };
    },
    publishKey: PUBLISH_KEY,
    isCreate: isRequest(PUBLISH_KEY),
    isMediaUpload: isRequest(MEDIA_KEY),
    // A literal %20 and a lone % survive the engine's rawurldecode only if the adapter shields them.
    sampleText: 'Crier launches — café ☕ 100% ready https://news.example/a%20b?x=1&y=2',
    lengthParts: { prefix: 'News: ', filler: '😀', url: ARTICLE_URL },
    errorRows: kind === 'password' ? passwordRows : apiKeyRows,
    noIdFault: { status: 200, body: { status: 'success' } },
    lostAnswerKind: 'ambiguous',
  };
}

describe('with username and password', () => runAdapterContract(harness('password')));
describe('with a personal API key', () => runAdapterContract(harness('apiKey')));
