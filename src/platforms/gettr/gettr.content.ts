import { PublishRequest } from '../platform';

/**
 * What GETTR's web client sends (§3.6): the `x-app-auth` header and the `content` form field of `POST /u/post`.
 * Pure functions, so the exact JSON is unit-tested.
 */

/** GETTR user ids are the lowercase username; people paste "@Name" too. */
export function gettrUid(username: string): string {
  return username.trim().replace(/^@/, '').toLowerCase();
}

/** `x-app-auth` is a JSON string, not a scheme + token; `x-app-url` and `ver` are what the web client adds. */
export function gettrHeaders(uid: string, token: string): Record<string, string> {
  return {
    'x-app-auth': JSON.stringify({ user: uid, token }),
    'x-app-url': 'https://gettr.com',
    ver: '2.7.0',
  };
}

/**
 * The `content` field: `{data:{_t, acl, txt, uid, cdate, udate, ttl?, dsc?, previmg?, prevsrc?}, aux:null,
 * serial:"post"}`. Link-preview fields come from the article. An empty optional field makes GETTR answer an
 * empty 200 and post nothing, so a field is sent only when it has a value.
 */
export function gettrPostContent(req: PublishRequest, uid: string, nowMs: number): string {
  const data: Record<string, unknown> = {
    _t: 'post',
    acl: { _t: 'acl' },
    txt: req.text,
    uid,
    cdate: nowMs,
    udate: nowMs,
  };
  const a = req.article;
  if (a) {
    const optional: Array<[string, string | null]> = [
      ['ttl', a.title],
      ['dsc', a.description],
      ['previmg', a.imageUrl && /^https?:\/\//i.test(a.imageUrl) ? a.imageUrl : null],
      ['prevsrc', a.url],
    ];
    for (const [key, value] of optional) if (value && value.trim()) data[key] = value.trim();
  }
  return JSON.stringify({ data, aux: null, serial: 'post' });
}

/** GETTR's public post page. */
export function gettrPostUrl(id: string): string {
  return `https://gettr.com/post/${encodeURIComponent(id)}`;
}
