import { PublishRequest } from '../platform';
import { xUrls } from './x.counting';

/**
 * Reconcile matching: is this tweet the one the delivery tried to create? X rewrites every link to t.co, appends
 * a t.co link for attached media and HTML-escapes `&`, `<`, `>` in `text`, so the comparison drops every URL and
 * compares what is left; failing that, the article link in `entities.urls[].expanded_url` identifies it.
 */

export interface XTweet {
  id?: unknown;
  text?: unknown;
  created_at?: unknown;
  entities?: { urls?: Array<{ url?: unknown; expanded_url?: unknown; unwound_url?: unknown }> };
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/** Text without its URLs, entity-decoded, NFC, whitespace collapsed, trimmed. */
export function tweetTextKey(text: string): string {
  const decoded = text.replace(/&(amp|lt|gt);/g, (e) => ENTITIES[e]);
  let out = '';
  let pos = 0;
  for (const { indices } of xUrls(decoded)) {
    out += `${decoded.slice(pos, indices[0])} `;
    pos = indices[1];
  }
  out += decoded.slice(pos);
  return out.normalize('NFC').replace(/\s+/g, ' ').trim();
}

function sameLink(a: string, b: string): boolean {
  const strip = (u: string) => u.trim().replace(/\/+$/, '');
  return strip(a) === strip(b);
}

export function tweetMatches(tweet: XTweet, req: PublishRequest): boolean {
  const wanted = tweetTextKey(req.text);
  const text = typeof tweet.text === 'string' ? tweet.text : '';
  if (wanted && tweetTextKey(text) === wanted) return true;
  const link = req.article?.url;
  if (!link) return false;
  return (tweet.entities?.urls ?? []).some((u) =>
    [u.expanded_url, u.unwound_url].some((v) => typeof v === 'string' && sameLink(v, link)),
  );
}

/** created_at as epoch ms, or NaN when X did not send it. */
export function tweetCreatedMs(tweet: XTweet): number {
  return typeof tweet.created_at === 'string' ? Date.parse(tweet.created_at) : NaN;
}
