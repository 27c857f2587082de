import { PublishRequest } from '../platform';

/**
 * Reconcile matching: does a status on the account look like the one this delivery tried to create?
 * Mastodon-family APIs return HTML `content`; the plain text has to be recovered before comparing.
 */

export interface RemoteStatus {
  id?: unknown;
  url?: unknown;
  created_at?: unknown;
  content?: unknown;
  text?: unknown;
  card?: { url?: unknown } | null;
  account?: { username?: unknown } | null;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** Status HTML to plain text: breaks and paragraphs become spaces, tags go, entities are decoded. */
export function statusHtmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/p>\s*<p[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
      const lower = e.toLowerCase();
      if (lower in ENTITIES) return ENTITIES[lower];
      if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
      if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
      return whole;
    });
}

/** Whitespace collapsed, NFC, trimmed: what survives the platform's rendering either way. */
export function normaliseText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** True when the status carries the delivery's text, or links the article. */
export function statusMatches(status: RemoteStatus, req: PublishRequest): boolean {
  const html = typeof status.content === 'string' ? status.content : '';
  const texts = [statusHtmlToText(html), typeof status.text === 'string' ? status.text : ''].map(normaliseText);
  const wanted = normaliseText(req.text);
  if (wanted && texts.some((t) => t === wanted || t.includes(wanted))) return true;

  const link = req.article?.url ? stripSlash(req.article.url) : '';
  if (!link) return false;
  const hrefs = [...html.matchAll(/href="([^"]+)"/gi)].map((m) => stripSlash(m[1].replace(/&amp;/g, '&')));
  const cardUrl = typeof status.card?.url === 'string' ? stripSlash(status.card.url) : '';
  return hrefs.includes(link) || cardUrl === link || texts.some((t) => t.includes(link));
}

/** created_at as epoch ms, or NaN. */
export function createdAtMs(status: RemoteStatus): number {
  return typeof status.created_at === 'string' ? Date.parse(status.created_at) : NaN;
}
