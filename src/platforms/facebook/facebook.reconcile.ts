import { PublishRequest, PublishResult, TransientError } from '../platform';
import { GraphApi } from './facebook.graph';

/** Reconcile (§3.10): the Page's published posts since the first attempt, matched by message or article link. */

export interface PagePost {
  id?: unknown;
  message?: unknown;
  created_time?: unknown;
  permalink_url?: unknown;
}

const PAGE_SIZE = 100;
const MAX_PAGES = 3;
/** Tolerated clock difference between us and Facebook when asking for posts "since". */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Whitespace collapsed, NFC, trimmed: Facebook keeps the message as sent, but line endings may change. */
export function normaliseMessage(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** True when the post carries this delivery's text, or links its article. */
export function pagePostMatches(post: PagePost, req: PublishRequest): boolean {
  const message = typeof post.message === 'string' ? normaliseMessage(post.message) : '';
  if (!message) return false;
  const wanted = normaliseMessage(req.text);
  if (wanted && (message === wanted || message.includes(wanted))) return true;
  const link = req.article?.url ? stripSlash(req.article.url) : '';
  return !!link && message.includes(link);
}

/** Created at or after `sinceMs`; a post without a readable time is kept (the `since` query already bounded it). */
function recentEnough(post: PagePost, sinceMs: number): boolean {
  const t = typeof post.created_time === 'string' ? Date.parse(post.created_time) : NaN;
  return !Number.isFinite(t) || t >= sinceMs;
}

export async function findPagePost(api: GraphApi, req: PublishRequest): Promise<PublishResult | null> {
  const sinceMs = req.firstAttemptAt.getTime() - CLOCK_SKEW_MS;
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await api.get(
      `/${api.pageId}/published_posts`,
      {
        fields: 'id,message,created_time,permalink_url',
        since: Math.floor(sinceMs / 1000),
        limit: PAGE_SIZE,
        after,
      },
      { phase: 'read' },
    );
    if (!Array.isArray(body.data)) throw new TransientError('facebook read: published_posts without a data list');
    for (const post of body.data as PagePost[]) {
      const id = typeof post.id === 'string' ? post.id : null;
      if (id && recentEnough(post, sinceMs) && pagePostMatches(post, req)) {
        const url = typeof post.permalink_url === 'string' && post.permalink_url ? post.permalink_url : fallbackUrl(id);
        return { remoteId: id, remoteUrl: url };
      }
    }
    const paging = body.paging as { next?: unknown; cursors?: { after?: unknown } } | undefined;
    const cursor = paging?.cursors?.after;
    if (!paging?.next || typeof cursor !== 'string' || !cursor) return null;
    after = cursor;
  }
  // Over 300 posts since the first attempt without a match: call it not found.
  return null;
}

/** Hand-built post URL (UNCONFIRMED form), used only when permalink_url cannot be read. */
export function fallbackUrl(postId: string): string {
  return `https://www.facebook.com/${postId}`;
}
