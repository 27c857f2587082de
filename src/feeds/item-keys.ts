import { createHash } from 'node:crypto';
import { htmlToPlain } from './html-text';

/**
 * The three keys an item is known by within its feed: its GUID, its canonical link and a hash of its content.
 * An item seen under any of them is not taken again (a feed that rewrites GUIDs, adds tracking parameters or
 * moves an article to a new URL does not post it twice).
 */

/** Query parameters that only track the click; exact names, plus every `utm_*`. */
const TRACKING = new Set([
  'fbclid',
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'twclid',
  'ttclid',
  'igshid',
  'igsh',
  'li_fat_id',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  '_hsenc',
  '_hsmi',
  '__hssc',
  '__hstc',
  '__hsfp',
  'mkt_tok',
  'oly_anon_id',
  'oly_enc_id',
  'rb_clickid',
  's_cid',
  'vero_id',
  'vero_conv',
  'wickedid',
  'ref_src',
  'ref_url',
  'spm',
  'scid',
  'sc_cid',
  'cmpid',
  'ncid',
  'ito',
  'at_medium',
  'at_campaign',
  'ocid',
  'smid',
  'sr_share',
]);

/** Longest link kept, as the API's `url` (articles.dto.ts). */
export const MAX_URL = 2048;

export function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith('utm_') || TRACKING.has(n);
}

/**
 * The link as we store and post it: resolved against `base`, http(s) only, host lower-cased (URL does that),
 * default port dropped, fragment dropped, tracking parameters removed (others kept in their order).
 * Null when it is not an http(s) URL, or longer than any link we would post (the API takes at most MAX_URL).
 */
export function canonicalUrl(raw: string | null | undefined, base?: string): string | null {
  if (!raw || !raw.trim() || raw.length > MAX_URL) return null;
  let u: URL;
  try {
    u = new URL(raw.trim(), base);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  u.hash = '';
  u.username = '';
  u.password = '';
  const names = [...new Set(u.searchParams.keys())];
  // Only touched when something is removed: URLSearchParams re-encodes what it keeps.
  if (names.some(isTrackingParam)) for (const name of names) if (isTrackingParam(name)) u.searchParams.delete(name);
  if (!u.search) u.search = '';
  if (u.hostname.endsWith('.')) u.hostname = u.hostname.slice(0, -1);
  return u.toString();
}

/**
 * SHA-256 of the item's visible content: title and body as plain text, lower-cased, without whitespace, so a
 * re-rendered page (other markup, other entities, inline tags that add or drop spaces) hashes the same. An item without a body is identified by its
 * title AND link, or every "Live updates" item of a feed would be one item.
 */
export function contentHash(item: { title: string; html: string; link: string | null }): string {
  const squeeze = (html: string) => htmlToPlain(html).toLowerCase().replace(/\s+/g, '');
  const title = squeeze(item.title);
  const body = squeeze(item.html);
  const material = body ? `${title}\n${body}` : `${title}\n\n${item.link ?? ''}`;
  return createHash('sha256').update(material).digest('hex');
}

export interface ItemKeys {
  guid: string | null;
  link: string | null;
  hash: string;
}

export function itemKeys(item: { guid: string | null; link: string | null; title: string; html: string }): ItemKeys {
  const guid = item.guid?.trim().slice(0, 2000) || null;
  return { guid, link: item.link, hash: contentHash(item) };
}

/** The idempotency key of a feed item's post starts with this (postKey): retention keeps those of pending items. */
export const FEED_ITEM_KEY_PREFIX = 'feed-item:';
