import { GettrAdapter } from '../../src/platforms/gettr/gettr.adapter';
import { AccountRef } from '../../src/platforms/platform';
import { GettrFake, GettrFakeOptions, gettrError, incapsula } from '../fakes/gettr.fake';
import { ContractFake, ErrorRow, runAdapterContract } from './adapter-contract';
import { ARTICLE_URL, CTX, caught, expectKind, expectNoSecret, isRequest, publishRequest } from './contract-support';

const adapter = new GettrAdapter();
const POST = 'POST /u/post';
const EMPTY_200 = { status: 200, rawBody: '', headers: { 'Content-Type': 'application/json' } };

function accountFor(g: GettrFake, opts: { token?: string; baseUrl?: string; username?: string } = {}): AccountRef {
  return {
    accountId: 'acc-gettr',
    credentials: { username: opts.username ?? g.username, token: opts.token ?? g.token },
    settings: { apiBaseUrl: opts.baseUrl ?? g.baseUrl },
    remote: null,
  };
}

function harnessFake(g: GettrFake): ContractFake {
  return {
    server: g,
    account: (opts) => accountFor(g, opts),
    posted: () => g.posts.map((p) => ({ id: p.id, text: p.txt, hasImage: false })),
  };
}

// §3.6 table, row by row.
const rows: ErrorRow[] = [
  { row: '200 with an empty body (first time)', fault: EMPTY_200, expect: 'ambiguous' },
  {
    row: '200 with an empty body again after a not-found reconcile',
    fault: EMPTY_200,
    req: { previousAmbiguous: true, attempt: 2 },
    expect: 'permanent',
  },
  { row: 'rc:ERR E_UPLOAD_FAILURE', fault: gettrError('E_UPLOAD_FAILURE', 'upload failed'), expect: 'permanent' },
  { row: 'rc:ERR invalid parameter', fault: gettrError('E_INVALID_PARAM', 'invalid post'), expect: 'permanent' },
  { row: '401', fault: gettrError('E_AUTH', 'unauthorized', 401), expect: 'reauth' },
  { row: '403', fault: { status: 403, body: { message: 'Forbidden' } }, expect: 'reauth' },
  { row: 'rc:ERR emsg about the token', fault: gettrError('E_BAD_REQUEST', 'token expired'), expect: 'reauth' },
  { row: 'rc:ERR emsg about login', fault: gettrError('E_DENIED', 'please login first'), expect: 'reauth' },
  {
    row: 'rc:ERR unknown user (wrong username)',
    fault: gettrError('E_USER_NOTFOUND', 'user not found'),
    expect: 'reauth',
  },
  {
    row: '429',
    fault: { status: 429, rawBody: 'Too Many Requests', headers: { 'Content-Type': 'text/plain' } },
    expect: 'transient',
  },
  { row: 'Incapsula HTML "Request unsuccessful" (403)', fault: incapsula(403), expect: 'transient' },
  { row: 'Incapsula HTML "Request unsuccessful" (200)', fault: incapsula(200), expect: 'transient' },
  { row: '500 on publish', fault: gettrError('E_INTERNAL', 'internal error', 500), expect: 'ambiguous' },
  {
    row: '502 HTML on publish',
    fault: { status: 502, rawBody: '<html><head><title>502 Bad Gateway</title></head></html>' },
    expect: 'ambiguous',
  },
  { row: 'timeout after the post was stored', fault: { delayMs: 2000 }, timeoutMs: 300, expect: 'ambiguous' },
];

runAdapterContract({
  adapter,
  start: async () => harnessFake(await GettrFake.start()),
  publishKey: POST,
  isCreate: isRequest(POST),
  sampleText: 'Crier launches: café ☕ & <friends> 👨‍👩‍👧 "quoted" https://news.example/a?x=1&y=2 #news',
  lengthParts: { prefix: 'Breaking 😀: ', filler: 'é', url: ARTICLE_URL },
  noImage: 'gettr: no image upload, the article image goes out as the link preview',
  // GETTR has no call that proves a token (API.md: then `{ok:true, checked:false, reason}`); "gettr verify" below
  // pins the exact answer.
  verifyProvesToken: false,
  errorRows: rows,
  noIdFault: { status: 200, body: { _t: 'xresp', rc: 'OK', result: { data: {} } } },
  lostAnswerKind: 'ambiguous',
});

describe('gettr specifics', () => {
  let g: GettrFake;
  const start = async (opts: GettrFakeOptions = {}) => (g = await GettrFake.start(opts));
  afterEach(async () => g?.stop());

  const article = (over: Record<string, unknown> = {}) => ({
    url: ARTICLE_URL,
    title: 'Crier launches',
    imageUrl: 'https://news.example/img.jpg',
    videoUrl: null,
    description: 'What it does',
    ...over,
  });

  it('sends the web client’s headers and one form field holding the post JSON', async () => {
    await start();
    const before = Date.now();
    const result = await adapter.publish(publishRequest({ text: 'hello', article: article() }), accountFor(g), CTX);
    const [req] = g.requestsTo(POST);
    expect(req.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(JSON.parse(String(req.headers['x-app-auth']))).toEqual({ user: 'criernews', token: g.token });
    expect(req.headers).toMatchObject({ 'x-app-url': 'https://gettr.com', ver: '2.7.0' });
    expect(Object.keys(req.body as object)).toEqual(['content']);
    const { content } = g.posts[0];
    expect(content).toEqual({
      data: {
        _t: 'post',
        acl: { _t: 'acl' },
        txt: 'hello',
        uid: 'criernews',
        cdate: expect.any(Number),
        udate: expect.any(Number),
        ttl: 'Crier launches',
        dsc: 'What it does',
        previmg: 'https://news.example/img.jpg',
        prevsrc: ARTICLE_URL,
      },
      aux: null,
      serial: 'post',
    });
    expect(g.posts[0].cdate).toBeGreaterThanOrEqual(before);
    expect(result).toEqual({ remoteId: g.posts[0].id, remoteUrl: `https://gettr.com/post/${g.posts[0].id}` });
  });

  it('omits empty preview fields (an empty one makes GETTR answer an empty 200)', async () => {
    await start();
    await adapter.publish(
      publishRequest({ text: 'x', article: article({ description: '  ', imageUrl: null }) }),
      accountFor(g),
      CTX,
    );
    expect(Object.keys(g.posts[0].content.data as object).sort()).toEqual(
      ['_t', 'acl', 'cdate', 'prevsrc', 'ttl', 'txt', 'udate', 'uid'].sort(),
    );
  });

  it('sends no preview fields for user-written text', async () => {
    await start();
    await adapter.publish(publishRequest({ text: 'just words', article: null }), accountFor(g), CTX);
    expect(Object.keys(g.posts[0].content.data as object).sort()).toEqual(
      ['_t', 'acl', 'cdate', 'txt', 'udate', 'uid'].sort(),
    );
  });

  it('the fake refuses an empty optional field the way GETTR does: 200, empty body, nothing posted', async () => {
    await start();
    const data = { _t: 'post', acl: { _t: 'acl' }, txt: 'x', uid: g.uid, cdate: 1, udate: 1, dsc: '' };
    const res = await fetch(`${g.baseUrl}/u/post`, {
      method: 'POST',
      headers: { 'x-app-auth': JSON.stringify({ user: g.uid, token: g.token }) },
      body: new URLSearchParams({ content: JSON.stringify({ data, aux: null, serial: 'post' }) }),
    });
    expect([res.status, await res.text(), g.posts.length]).toEqual([200, '', 0]);
  });

  it('empty 200: ambiguous, reconcile finds nothing, the resend’s empty 200 is permanent', async () => {
    await start();
    g.failNext(POST, EMPTY_200, 2);
    const first = publishRequest();
    expectKind(await caught(() => adapter.publish(first, accountFor(g), CTX)), 'ambiguous');
    expect(await adapter.reconcile(first, accountFor(g), CTX)).toBeNull();
    const again = { ...first, attempt: 2, previousAmbiguous: true };
    const e = await caught(() => adapter.publish(again, accountFor(g), CTX));
    expectKind(e, 'permanent');
    expect(e.message).toMatch(/empty body again/);
  });

  it('accepts "@Name" as the username and sends it lowercase', async () => {
    await start();
    await adapter.publish(publishRequest(), accountFor(g, { username: '@CrierNews' }), CTX);
    expect(g.posts[0].uid).toBe('criernews');
  });

  it('reconcile matches by the article link when the text differs, and skips older posts', async () => {
    await start();
    await adapter.publish(publishRequest({ text: 'older', article: article() }), accountFor(g), CTX);
    g.posts[0].cdate = Date.now() - 3600_000;
    const req = publishRequest({ text: 'not what was stored', article: article() });
    expect(await adapter.reconcile(req, accountFor(g), CTX)).toBeNull();
    await adapter.publish(publishRequest({ text: 'newer', article: article() }), accountFor(g), CTX);
    expect((await adapter.reconcile(req, accountFor(g), CTX))?.remoteId).toBe(g.posts[1].id);
    const [read] = g.requestsTo('GET /u/user/criernews/posts');
    expect(read.query).toEqual({ offset: '0', max: '20', dir: 'fwd', incl: 'posts', fp: 'f_uo' });
  });

  it('reconcile reads further pages', async () => {
    await start();
    const req = publishRequest({ text: 'the one', article: null });
    await adapter.publish(req, accountFor(g), CTX);
    for (let i = 0; i < 25; i++) {
      await adapter.publish(publishRequest({ text: `filler ${i}`, article: null }), accountFor(g), CTX);
    }
    expect((await adapter.reconcile(req, accountFor(g), CTX))?.remoteId).toBe(g.posts[0].id);
    expect(g.requestsTo('GET /u/user/criernews/posts').map((r) => r.query.offset)).toEqual(['0', '20']);
  });

  it('reconcile throws transient (→ unconfirmed) behind the Incapsula wall', async () => {
    await start();
    g.failNext('GET /u/user/:username/posts', incapsula(200));
    expectKind(await caught(() => adapter.reconcile(publishRequest(), accountFor(g), CTX)), 'transient');
  });

  it('declares GETTR limits and fields: username is not secret, token is', () => {
    expect(adapter.limits()).toEqual({ maxLength: 777, counting: 'utf16', maxImages: 0, video: false });
    expect(adapter.measure('a😀')).toBe(3);
    expect(adapter.credentialFields.map((f) => [f.name, f.secret, f.required])).toEqual([
      ['username', false, true],
      ['token', true, true],
    ]);
    expect(adapter.settingsFields).toEqual([
      expect.objectContaining({ name: 'apiBaseUrl', default: 'https://api.gettr.com', required: false }),
    ]);
  });
});

describe('gettr verify', () => {
  let g: GettrFake;
  beforeEach(async () => (g = await GettrFake.start()));
  afterEach(async () => g.stop());

  it('proves the user exists and says the token went unchecked', async () => {
    expect(await adapter.verify(accountFor(g), CTX)).toEqual({
      ok: true,
      checked: false,
      reason: 'GETTR has no call that proves a token; the user exists',
      remoteAccount: { id: 'criernews', name: 'Crier News', username: 'criernews' },
    });
    expect(g.requestsTo('GET /s/uinf/criernews')).toHaveLength(1);
  });

  it('an unknown user is not ok', async () => {
    const account = accountFor(g, { username: 'nobody-here' });
    const result = await adapter.verify(account, CTX);
    expect(result).toMatchObject({ ok: false, checked: true, reason: expect.stringContaining('E_USER_NOTFOUND') });
  });

  it('a missing token is not ok', async () => {
    const account = accountFor(g, { token: '' });
    expect(await adapter.verify(account, CTX)).toMatchObject({ ok: false, checked: true });
  });

  it('the Incapsula wall on verify is transient, not a verdict', async () => {
    g.failNext('GET /s/uinf/:username', incapsula());
    const account = accountFor(g);
    const e = await caught(() => adapter.verify(account, CTX));
    expectKind(e, 'transient');
    expectNoSecret(e, account);
  });
});
