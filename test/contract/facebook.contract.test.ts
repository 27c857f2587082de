import { FacebookAdapter } from '../../src/platforms/facebook/facebook.adapter';
import { AccountRef, RateLimitedError } from '../../src/platforms/platform';
import { FacebookFake, FacebookFakeOptions, facebookError } from '../fakes/facebook.fake';
import { ContractFake, ErrorRow, runAdapterContract } from './adapter-contract';
import { ARTICLE_URL, CTX, PNG_1X1, caught, expectKind, expectNoSecret, publishRequest } from './contract-support';

const adapter = new FacebookAdapter();

function accountFor(
  fb: FacebookFake,
  opts: { token?: string; baseUrl?: string; pageId?: string; graphVersion?: string } = {},
): AccountRef {
  return {
    accountId: 'acc-facebook',
    credentials: { pageAccessToken: opts.token ?? fb.pageAccessToken },
    settings: {
      pageId: opts.pageId ?? fb.pageId,
      apiBaseUrl: opts.baseUrl ?? fb.baseUrl,
      ...(opts.graphVersion ? { graphVersion: opts.graphVersion } : {}),
    },
    remote: null,
  };
}

function harnessFake(fb: FacebookFake): ContractFake {
  return {
    server: fb,
    account: (opts) => accountFor(fb, opts),
    posted: () => fb.posts.map((p) => ({ id: p.id, text: p.message, hasImage: p.kind === 'photo' })),
  };
}

const html502 = { status: 502, rawBody: '<html><head><title>502 Bad Gateway</title></head><body></body></html>' };

// §3.10 table, row by row: every code it names.
const rows: ErrorRow[] = [
  { row: '190 invalid token', fault: facebookError(190, 'Error validating access token'), expect: 'reauth' },
  ...[458, 459, 460, 463, 464, 467].map((subcode): ErrorRow => ({
    row: `102 session, subcode ${subcode}`,
    fault: facebookError(102, 'Session has expired', { subcode }),
    expect: 'reauth',
  })),
  ...[460, 463, 467].map((subcode): ErrorRow => ({
    row: `190 token, subcode ${subcode}`,
    fault: facebookError(190, 'Error validating access token', { subcode }),
    expect: 'reauth',
  })),
  { row: '10 permission denied', fault: facebookError(10, '(#10) Permission denied'), expect: 'reauth' },
  ...[200, 210, 299].map((code): ErrorRow => ({
    row: `${code} permission range`,
    fault: facebookError(code, `(#${code}) Permissions error`),
    expect: 'reauth',
  })),
  {
    row: '368 policy block (alert a human)',
    fault: facebookError(368, 'The action attempted has been deemed abusive or is otherwise disallowed'),
    expect: 'reauth',
  },
  ...[4, 17, 32, 341, 613, 80001].map((code): ErrorRow => ({
    row: `${code} throttled, X-Business-Use-Case-Usage says 7 min, for the ${code === 4 ? 'app' : 'page'}`,
    fault: facebookError(code, 'Application request limit reached', { regainMinutes: 7 }),
    expect: 'rate-limited',
    retryAfterMs: 7 * 60_000,
    // Code 4 counts the app's calls (every Page of the app); the others this Page token's (BUC).
    scope: code === 4 ? 'app' : 'page',
  })),
  ...[4, 80001].map((code): ErrorRow => ({
    row: `${code} throttled without a wait → backoff`,
    fault: facebookError(code, 'Application request limit reached'),
    expect: 'transient',
  })),
  { row: '1 unknown error on publish', fault: facebookError(1, 'An unknown error occurred'), expect: 'ambiguous' },
  {
    row: '2 service unavailable on publish',
    fault: facebookError(2, 'Service temporarily unavailable'),
    expect: 'ambiguous',
  },
  {
    row: 'HTTP 500 with a Graph body on publish',
    fault: facebookError(1, 'Unknown', { status: 500 }),
    expect: 'ambiguous',
  },
  { row: 'HTTP 502 HTML on publish', fault: html502, expect: 'ambiguous' },
  {
    row: 'HTTP 5xx on the photo publish',
    key: 'photos',
    withImage: true,
    fault: facebookError(2, 'Service temporarily unavailable'),
    expect: 'ambiguous',
  },
  {
    row: '506 duplicate (first attempt)',
    fault: facebookError(506, '(#506) Duplicate status message'),
    expect: 'permanent',
  },
  {
    row: '506 duplicate after an ambiguous attempt',
    fault: facebookError(506, '(#506) Duplicate status message'),
    req: { previousAmbiguous: true, attempt: 2 },
    expect: 'ambiguous',
  },
  { row: '100 invalid parameter', fault: facebookError(100, '(#100) Invalid parameter'), expect: 'permanent' },
  {
    row: '100 on the photo publish',
    key: 'photos',
    withImage: true,
    fault: facebookError(100, '(#100) url should represent a valid URL'),
    expect: 'permanent',
  },
  { row: '1609005 link error', fault: facebookError(1609005, 'Error Posting Link'), expect: 'permanent' },
  {
    row: '100/33 object does not exist (wrong pageId, rule 2)',
    fault: facebookError(100, 'Unsupported post request. Object does not exist', { subcode: 33 }),
    expect: 'reauth',
  },
  { row: 'timeout after the post was stored', fault: { delayMs: 2000 }, timeoutMs: 300, expect: 'ambiguous' },
];

runAdapterContract({
  adapter,
  start: async () => harnessFake(await FacebookFake.start()),
  publishKey: 'feed',
  // No upload: Facebook fetches the photo by URL itself.
  isCreate: (r) => r.method === 'POST' && /\/(feed|photos)$/.test(r.path),
  sampleText: 'Crier launches: café ☕ & <friends> 👨‍👩‍👧 https://news.example/a?x=1&y=2 #news',
  lengthParts: { prefix: 'Breaking 😀: ', filler: 'é', url: ARTICLE_URL },
  errorRows: rows,
  noIdFault: { status: 200, body: { success: true } },
  lostAnswerKind: 'ambiguous',
});

describe('facebook specifics', () => {
  let fb: FacebookFake;
  const start = async (opts: FacebookFakeOptions = {}) => (fb = await FacebookFake.start(opts));
  afterEach(async () => fb?.stop());

  it('posts message + link to /{v}/{pageId}/feed as a real form POST and reads the permalink', async () => {
    await start();
    const result = await adapter.publish(publishRequest({ text: 'hello https://news.example/x' }), accountFor(fb), CTX);
    const [post] = fb.requestsTo(`POST /v27.0/${fb.pageId}/feed`);
    expect(post.body).toEqual({
      message: 'hello https://news.example/x',
      link: ARTICLE_URL,
      access_token: fb.pageAccessToken,
    });
    expect(post.query).toEqual({});
    expect(result).toEqual({ remoteId: fb.posts[0].id, remoteUrl: fb.posts[0].permalinkUrl });
    expect(result.remoteId).toMatch(new RegExp(`^${fb.pageId}_\\d+$`));
    expect(fb.requestsTo(`GET /v27.0/${result.remoteId}`)[0].query.fields).toBe('permalink_url');
  });

  it('sends no link for user-written text without an article', async () => {
    await start();
    await adapter.publish(publishRequest({ text: 'just words', article: null }), accountFor(fb), CTX);
    expect(fb.posts[0]).toMatchObject({ message: 'just words', link: undefined });
  });

  it('posts an image through /photos with the text as caption; remoteId is post_id', async () => {
    await start();
    const imageUrl = fb.hostFile('/p.png', PNG_1X1, 'image/png');
    const article = { url: ARTICLE_URL, title: 't', imageUrl, videoUrl: null, description: null };
    const req = publishRequest({ text: 'cap https://n.example', article });
    const result = await adapter.publish(req, accountFor(fb), CTX);
    expect(fb.posts).toMatchObject([{ kind: 'photo', message: 'cap https://n.example', photoUrl: imageUrl }]);
    expect(result.remoteId).toBe(fb.posts[0].id);
    expect(result.remoteId).not.toBe(fb.posts[0].photoId);
    expect(fb.requestsTo(`POST /v27.0/${fb.pageId}/photos`)[0].body).toMatchObject({ url: imageUrl });
  });

  it('treats a photo answer without post_id as ambiguous', async () => {
    await start();
    fb.failNext('photos', { status: 200, body: { id: '555' } });
    const imageUrl = fb.hostFile('/p.png', PNG_1X1, 'image/png');
    const article = { url: ARTICLE_URL, title: 't', imageUrl, videoUrl: null, description: null };
    expectKind(await caught(() => adapter.publish(publishRequest({ article }), accountFor(fb), CTX)), 'ambiguous');
  });

  it.each([
    ['a 500', { status: 500, body: { error: { code: 1, message: 'x' } } }],
    ['a dropped connection', { drop: true }],
    ['an answer without permalink_url', { status: 200, body: { id: 'x' } }],
  ])('falls back to facebook.com/{postId} when the permalink read fails with %s', async (_n, fault) => {
    await start();
    fb.failNext('permalink', fault);
    const result = await adapter.publish(publishRequest(), accountFor(fb), CTX);
    expect(result).toEqual({ remoteId: fb.posts[0].id, remoteUrl: `https://www.facebook.com/${fb.posts[0].id}` });
  });

  it('refuses the same message twice (506) and reconcile then finds the first post', async () => {
    await start();
    const first = await adapter.publish(publishRequest({ text: 'same' }), accountFor(fb), CTX);
    const again = publishRequest({ text: 'same', previousAmbiguous: true, attempt: 2 });
    const e = await caught(() => adapter.publish(again, accountFor(fb), CTX));
    expectKind(e, 'ambiguous');
    expect(e.message).toMatch(/#506.*fbtrace_id/);
    expect(await adapter.reconcile(again, accountFor(fb), CTX)).toEqual(first);
  });

  it('takes the rate-limit wait from the fake’s own BUC throttling', async () => {
    await start({ bucLimit: { calls: 2, windowMs: 10 * 60_000 } });
    await adapter.publish(publishRequest({ text: 'one' }), accountFor(fb), CTX);
    const e = await caught(() => adapter.publish(publishRequest({ text: 'two' }), accountFor(fb), CTX));
    expectKind(e, 'rate-limited');
    expect((e as RateLimitedError).retryAfterMs).toBe(10 * 60_000);
    expect(e.message).toContain('#80001');
  });

  it('reconcile matches by the article link and ignores posts from before the first attempt', async () => {
    await start();
    await adapter.publish(publishRequest({ text: `older ${ARTICLE_URL}` }), accountFor(fb), CTX);
    fb.posts[0].createdAt = new Date(Date.now() - 3600_000);
    const req = publishRequest({ text: 'edited on the way' });
    expect(await adapter.reconcile(req, accountFor(fb), CTX)).toBeNull();
    await adapter.publish(publishRequest({ text: `newer ${ARTICLE_URL}` }), accountFor(fb), CTX);
    expect((await adapter.reconcile(req, accountFor(fb), CTX))?.remoteId).toBe(fb.posts[1].id);
  });

  it('reconcile pages through published_posts', async () => {
    await start();
    const req = publishRequest({ text: 'the one', article: null });
    await adapter.publish(req, accountFor(fb), CTX);
    // 120 newer posts, put straight into the fake (120 publishes over HTTP took over jest's 5 s on a busy machine).
    for (let i = 0; i < 120; i++) {
      const local = String(900_000_000 + i);
      fb.posts.push({
        id: `${fb.pageId}_${local}`,
        kind: 'feed',
        message: `filler ${i}`,
        createdAt: new Date(),
        permalinkUrl: `https://www.facebook.com/${fb.pageId}/posts/${local}`,
      });
    }
    expect((await adapter.reconcile(req, accountFor(fb), CTX))?.remoteId).toBe(fb.posts[0].id);
    expect(fb.requestsTo(`GET /v27.0/${fb.pageId}/published_posts`)).toHaveLength(2);
  });

  it('reconcile throws (→ unconfirmed) when the listing cannot be read', async () => {
    await start();
    fb.failNext('published_posts', facebookError(2, 'Service temporarily unavailable'));
    expectKind(await caught(() => adapter.reconcile!(publishRequest(), accountFor(fb), CTX)), 'transient');
  });

  it('honours graphVersion and refuses a malformed one as reauth', async () => {
    await start();
    await adapter.publish(publishRequest(), accountFor(fb, { graphVersion: 'v25.0' }), CTX);
    expect(fb.requestsTo('POST /v25.0/')).toHaveLength(1);
    const e = await caught(() => adapter.publish(publishRequest(), accountFor(fb, { graphVersion: '27' }), CTX));
    expectKind(e, 'reauth');
  });

  it('reports a wrong pageId on publish as reauth (Graph 100/33)', async () => {
    await start();
    const e = await caught(() => adapter.publish(publishRequest(), accountFor(fb, { pageId: '999' }), CTX));
    expectKind(e, 'reauth');
    expect(e.message).toMatch(/pageId/);
  });

  it('reports a user token used for posting as reauth (#200)', async () => {
    await start();
    const account = accountFor(fb, { token: fb.userAccessToken });
    const e = await caught(() => adapter.publish(publishRequest(), account, CTX));
    expectKind(e, 'reauth');
    expectNoSecret(e, account);
    expect(fb.posts).toHaveLength(0);
  });

  it('verify: a token of another account is not ok and says whose it is', async () => {
    await start();
    const result = await adapter.verify(accountFor(fb, { token: fb.userAccessToken }), CTX);
    expect(result).toEqual({
      ok: false,
      checked: true,
      reason: `token belongs to Pat Publisher (${fb.userId}), not page ${fb.pageId}: use that Page's own access token`,
    });
  });

  it('verify reports the Page', async () => {
    await start();
    expect(await adapter.verify(accountFor(fb), CTX)).toEqual({
      ok: true,
      checked: true,
      remoteAccount: { id: fb.pageId, name: 'Crier Test Page' },
    });
    expect(fb.requestsTo('GET /v27.0/me')[0].query).toMatchObject({ fields: 'id,name' });
  });

  it('verify: a 5xx is not an answer about the token (transient)', async () => {
    await start();
    fb.failNext('me', facebookError(2, 'Service temporarily unavailable'));
    expectKind(await caught(() => adapter.verify(accountFor(fb), CTX)), 'transient');
  });

  it('declares Facebook limits and fields', () => {
    expect(adapter.limits()).toEqual({ maxLength: 63_206, counting: 'utf16', maxImages: 1, video: false });
    expect(adapter.measure('a😀')).toBe(3);
    expect(adapter.credentialFields).toEqual([expect.objectContaining({ name: 'pageAccessToken', secret: true })]);
    expect(adapter.settingsFields.map((f) => [f.name, f.required, f.default])).toEqual([
      ['pageId', true, undefined],
      ['graphVersion', false, 'v27.0'],
      ['apiBaseUrl', false, 'https://graph.facebook.com'],
    ]);
  });
});
