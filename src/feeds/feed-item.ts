import { htmlToPlain } from './html-text';

/** What every feed kind is parsed into. */

export const FEED_KINDS = ['rss', 'atom', 'wordpress'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

export interface FeedItem {
  guid: string | null;
  /** Canonical (see item-keys.ts); null when the item has no http(s) link. */
  link: string | null;
  /** Plain text. */
  title: string;
  /** The body as HTML (content:encoded, Atom content, WordPress content.rendered), or the summary. */
  html: string;
  imageUrl: string | null;
  /** From categories (RSS category, Atom category@term, WordPress terms). */
  tags: string[];
  publishedAt: Date | null;
}

export interface ParsedFeed {
  kind: FeedKind;
  title: string | null;
  /** In document order (feeds list newest first). */
  items: FeedItem[];
}

/** The feed could be fetched but is not a feed we can read; the message says why, for the user. */
export class FeedParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedParseError';
  }
}

/** Items read from one document at most: a feed is a window of recent items, not an archive. */
export const MAX_ITEMS = 200;
export const MAX_TAGS = 20;
/** A title longer than this is cut (the API takes no longer one): a feed can send megabytes in one. */
export const MAX_TITLE = 1000;

/** HTML-ish title text to plain text of at most MAX_TITLE characters, never ending in half a surrogate pair. */
export function plainTitle(raw: string): string {
  const plain = htmlToPlain(raw);
  if (plain.length <= MAX_TITLE) return plain;
  const cut = plain.slice(0, MAX_TITLE);
  return (/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut).trimEnd();
}

export function parseDate(v: unknown): Date | null {
  if (typeof v !== 'string' || !v.trim()) return null;
  const d = new Date(v.trim());
  return Number.isNaN(d.getTime()) ? null : d;
}

export function uniqueTags(raw: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of raw) {
    const tag = t.replace(/\s+/g, ' ').trim().slice(0, 100);
    if (!tag || seen.has(tag.toLowerCase())) continue;
    seen.add(tag.toLowerCase());
    out.push(tag);
    if (out.length >= MAX_TAGS) break;
  }
  return out;
}
