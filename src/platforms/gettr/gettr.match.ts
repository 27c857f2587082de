import { PublishRequest } from '../platform';

/**
 * Reconcile matching over one page of `GET /u/user/{username}/posts` (gogettr `user_activity.py`): the list holds
 * activities (`activity.tgt_id`), the posts themselves sit in `result.aux.post[id]`.
 */

export interface GettrActivity {
  activity?: { tgt_id?: unknown; action?: unknown; cdate?: unknown } | null;
}

export interface GettrPostInfo {
  _id?: unknown;
  txt?: unknown;
  uid?: unknown;
  cdate?: unknown;
  prevsrc?: unknown;
}

export interface PageScan {
  /** The matching post's id, if any. */
  found: string | null;
  /** How many activities the page held (a short page is the last one). */
  size: number;
  /** Whether the page reached posts older than `sinceMs` (no need to read further). */
  reachedOlder: boolean;
}

export function normaliseText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** `cdate` in ms; some clients sent seconds, so a small number is read as seconds. */
function cdateMs(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return NaN;
  return n < 1e12 ? n * 1000 : n;
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** True when the post carries this delivery's text, or previews / links its article. */
export function gettrPostMatches(post: GettrPostInfo, req: PublishRequest): boolean {
  const txt = typeof post.txt === 'string' ? normaliseText(post.txt) : '';
  const wanted = normaliseText(req.text);
  if (txt && wanted && (txt === wanted || txt.includes(wanted))) return true;
  const link = req.article?.url ? stripSlash(req.article.url) : '';
  if (!link) return false;
  const src = typeof post.prevsrc === 'string' ? stripSlash(post.prevsrc) : '';
  return src === link || txt.includes(link);
}

/** Scans one page of the user's posts for a post of `uid` created since `sinceMs` that matches the delivery. */
export function scanUserPosts(
  result: Record<string, unknown>,
  req: PublishRequest,
  uid: string,
  sinceMs: number,
): PageScan {
  const list = (result.data as { list?: unknown } | undefined)?.list;
  const posts = ((result.aux as { post?: unknown } | undefined)?.post ?? {}) as Record<string, GettrPostInfo>;
  const items = Array.isArray(list) ? (list as GettrActivity[]) : [];
  let reachedOlder = false;
  for (const item of items) {
    const act = item?.activity;
    const id = typeof act?.tgt_id === 'string' ? act.tgt_id : null;
    if (!id) continue;
    const post = posts[id] ?? {};
    const created = cdateMs(post.cdate ?? act?.cdate);
    if (Number.isFinite(created) && created < sinceMs) {
      reachedOlder = true;
      continue;
    }
    // Shares of other people's posts are activities too; only our own publications count.
    if (typeof act?.action === 'string' && act.action !== 'pub_pst') continue;
    if (typeof post.uid === 'string' && post.uid.toLowerCase() !== uid) continue;
    if (gettrPostMatches(post, req)) return { found: id, size: items.length, reachedOlder };
  }
  return { found: null, size: items.length, reachedOlder };
}
