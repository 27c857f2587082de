import { HttpResponse } from '../http';
import { PlatformError, PublishRequest } from '../platform';
import { gettrHeaders, gettrPostContent, gettrUid } from './gettr.content';
import { classifyGettr, isIncapsulaPage, publishedPostId } from './gettr.errors';
import { gettrPostMatches, scanUserPosts } from './gettr.match';

function req(over: Partial<PublishRequest> = {}): PublishRequest {
  return {
    deliveryId: 'd1',
    text: 'Hello GETTR https://news.example/a',
    article: { url: 'https://news.example/a', title: 'T', imageUrl: null, videoUrl: null, description: null },
    attempt: 1,
    firstAttemptAt: new Date(1_700_000_000_000),
    previousAmbiguous: false,
    ...over,
  };
}

function res(status: number, text: string, headers: Record<string, string> = {}): HttpResponse {
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers, text, json };
}

const xerr = (code: string, emsg: string) =>
  JSON.stringify({ _t: 'xresp', rc: 'ERR', error: { _t: 'xerr', code, emsg } });

describe('gettr content', () => {
  it('builds the exact post JSON with ms timestamps and only the non-empty preview fields', () => {
    const json = gettrPostContent(req(), 'crier', 1_700_000_000_123);
    expect(json).toBe(
      '{"data":{"_t":"post","acl":{"_t":"acl"},"txt":"Hello GETTR https://news.example/a","uid":"crier",' +
        '"cdate":1700000000123,"udate":1700000000123,"ttl":"T","prevsrc":"https://news.example/a"},' +
        '"aux":null,"serial":"post"}',
    );
  });

  it('drops a preview image that is not an http(s) URL', () => {
    const imageUrl = 'data:image/png;base64,xx';
    const a = { url: 'https://n.example', title: '', imageUrl, videoUrl: null, description: 'd' };
    const data = JSON.parse(gettrPostContent(req({ article: a }), 'u', 1)).data;
    expect(data).not.toHaveProperty('previmg');
    expect(data).not.toHaveProperty('ttl');
    expect(data).toMatchObject({ dsc: 'd', prevsrc: 'https://n.example' });
  });

  it('x-app-auth is a JSON string with the lowercase user', () => {
    expect(gettrUid(' @CrierNews ')).toBe('criernews');
    expect(gettrHeaders('criernews', 't"k')['x-app-auth']).toBe('{"user":"criernews","token":"t\\"k"}');
  });
});

describe('gettr answers', () => {
  it('reads the id of an rc:"OK" answer', () => {
    const ok = JSON.stringify({ rc: 'OK', result: { data: { _id: 'p1abc', txt: 'x' } } });
    expect(publishedPostId(res(200, ok), req())).toBe('p1abc');
  });

  it.each([
    ['an empty 200', res(200, ''), req(), 'ambiguous'],
    ['an empty 200 after a not-found reconcile', res(200, '  '), req({ previousAmbiguous: true }), 'permanent'],
    ['rc:OK without _id', res(200, '{"rc":"OK","result":{}}'), req(), 'ambiguous'],
    ['a 200 that is not GETTR JSON', res(200, 'ok'), req(), 'ambiguous'],
    ['rc:ERR', res(200, xerr('E_UPLOAD_FAILURE', 'bad type')), req(), 'permanent'],
    ['rc:ERR about the token', res(200, xerr('E_X', 'Invalid token')), req(), 'reauth'],
    ['rc:ERR E_AUTH', res(400, xerr('E_AUTH', 'denied')), req(), 'reauth'],
    ['rc:ERR naming an author (not auth)', res(200, xerr('E_X', 'author field invalid')), req(), 'permanent'],
    ['a 503', res(503, ''), req(), 'ambiguous'],
  ] as const)('%s → %s', (_name, r, q, kind) => {
    const out = publishedPostId(r, q);
    expect(out).toBeInstanceOf(PlatformError);
    expect((out as PlatformError).kind).toBe(kind);
  });

  it('5xx on a read is transient; a 404 without the envelope means a wrong apiBaseUrl', () => {
    expect(classifyGettr(res(502, ''), 'read').kind).toBe('transient');
    expect(classifyGettr(res(404, '<html><title>404</title></html>'), 'verify').kind).toBe('reauth');
  });

  it('recognises the Incapsula page but not JSON that mentions it', () => {
    expect(isIncapsulaPage('<html><body>Request unsuccessful. Incapsula incident ID: 1-2</body></html>')).toBe(true);
    expect(isIncapsulaPage('{"txt":"Request unsuccessful"}')).toBe(false);
  });
});

describe('gettr reconcile matching', () => {
  const since = 1_700_000_000_000;
  type Item = { id: string; txt?: string; cdate: number; uid?: string; action?: string; prevsrc?: string };
  const page = (posts: Item[]) => ({
    data: { list: posts.map((p) => ({ activity: { tgt_id: p.id, action: p.action ?? 'pub_pst', cdate: p.cdate } })) },
    aux: {
      post: Object.fromEntries(
        posts.map((p) => [p.id, { _id: p.id, txt: p.txt, uid: p.uid ?? 'crier', cdate: p.cdate, prevsrc: p.prevsrc }]),
      ),
    },
  });

  it('finds our own post by normalised text', () => {
    const r = page([{ id: 'p2', txt: 'Hello  GETTR\nhttps://news.example/a', cdate: since + 5 }]);
    expect(scanUserPosts(r, req(), 'crier', since)).toEqual({ found: 'p2', size: 1, reachedOlder: false });
  });

  it('skips shares, other users and older posts; reads second-based cdates', () => {
    const text = 'Hello GETTR https://news.example/a';
    const r = page([
      { id: 'p5', txt: text, cdate: since + 9, action: 'shares_pst' },
      { id: 'p4', txt: text, cdate: since + 8, uid: 'someone' },
      { id: 'p3', txt: text, cdate: Math.floor(since / 1000) - 60 },
    ]);
    expect(scanUserPosts(r, req(), 'crier', since)).toEqual({ found: null, size: 3, reachedOlder: true });
  });

  it('matches a changed text by its preview source', () => {
    expect(gettrPostMatches({ txt: 'other', prevsrc: 'https://news.example/a/' }, req())).toBe(true);
    expect(gettrPostMatches({ txt: 'other' }, req())).toBe(false);
  });
});
