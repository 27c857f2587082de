/**
 * Text length exactly as each platform counts it (docs/PLATFORMS.md §1 "text limit · counting"). Pure functions: the
 * composer and the adapters' `measure()` share them, so a preview and a publish can never disagree.
 */

import { countSegments } from '../common/segments';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Characters that end a sentence rather than a URL when they close it (what Mastodon's extractor drops). */
const TRAILING_PUNCTUATION = /[.,:;!?'"…]$/;

/** Candidate URLs: http(s) scheme, a host character, then anything up to whitespace. */
const URL_CANDIDATE = /https?:\/\/[^\s<>"]+/gi;

export interface UrlMatch {
  index: number;
  url: string;
}

/** Drops trailing punctuation and an unbalanced closing bracket, so "(see https://a.b/c)." yields https://a.b/c. */
function trimUrl(raw: string): string {
  let url = raw;
  for (;;) {
    if (TRAILING_PUNCTUATION.test(url)) {
      url = url.slice(0, -1);
      continue;
    }
    const last = url.at(-1);
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    if (last && pairs[last] && count(url, last) > count(url, pairs[last])) {
      url = url.slice(0, -1);
      continue;
    }
    return url;
  }
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

/** Every http(s) URL in `text`, with trailing punctuation excluded. */
export function findUrls(text: string): UrlMatch[] {
  const out: UrlMatch[] = [];
  for (const m of text.matchAll(URL_CANDIDATE)) {
    const url = trimUrl(m[0]);
    // "http://" alone, or one eaten entirely by trimming, is not a link.
    if (/^https?:\/\/[^/?#.,]/i.test(url)) out.push({ index: m.index, url });
  }
  return out;
}

/**
 * Grapheme clusters are short, so small windows serve (common/segments.ts): a long run of non-ASCII text costs linear
 * time rather than the square of its length.
 */
const GRAPHEME_WINDOW = 256;

const NON_ASCII_RUN = /[^\x00-\x7f]+/g;

/**
 * User-perceived characters (extended grapheme clusters), as Intl.Segmenter counts them, but fast for mostly-ASCII
 * text (the segmenter costs ~0.4 µs a character in Node 20, and the composer measures many candidates). ASCII
 * characters are one cluster each (CR LF together); each non-ASCII run is segmented with its ASCII neighbours
 * attached, since a neighbour may join it (a combining accent after "e", a keycap after "1", a prepended sign
 * before a digit), and the neighbours, already counted, are subtracted.
 */
export function countGraphemes(text: string): number {
  let n = text.length - (text.match(NON_ASCII_RUN)?.join('').length ?? 0) - (text.match(/\r\n/g)?.length ?? 0);
  for (const m of text.matchAll(NON_ASCII_RUN)) {
    const before = m.index > 0 ? 1 : 0;
    const end = m.index + m[0].length;
    const after = end < text.length ? 1 : 0;
    n += countSegments(segmenter, text.slice(m.index - before, end + after), GRAPHEME_WINDOW) - before - after;
  }
  return n;
}

/** Unicode code points (not UTF-16 units: an emoji outside the BMP is one). */
export function countCodePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Replaces each URL (optionally with its preceding character) by a placeholder of the given length. */
function replaceUrls(text: string, placeholder: (match: string) => number, withPreceding: boolean): string {
  let out = '';
  let pos = 0;
  for (const { index, url } of findUrls(text)) {
    // The preceding character is one code point: step back over a surrogate pair as a whole. A line break is
    // left out (Ruby's `.` does not match it); counting it separately can only over-count, which is the safe side.
    let start = index;
    if (withPreceding && index > pos && !/[\r\n]/.test(text[index - 1])) {
      start = index - (/[\uDC00-\uDFFF]/.test(text[index - 1]) && index - 2 >= pos ? 2 : 1);
    }
    const matched = text.slice(start, index + url.length);
    out += text.slice(pos, start) + 'x'.repeat(placeholder(matched));
    pos = index + url.length;
  }
  return out + text.slice(pos);
}

/** Mastodon and Gab: graphemes, each http(s) URL = 23, a remote mention counts as its local `@username`. */
export function countGraphemesUrl23(text: string): number {
  const withUrls = replaceUrls(text, () => 23, false);
  const withMentions = withUrls.replace(/(^|[^\w/=])@(\w+)@[\w.-]+\w/g, '$1@$2');
  return countGraphemes(withMentions);
}

/**
 * Truth Social (`url_placeholder.rb`): each URL match plus the one character before it becomes min(length, 24)
 * placeholder characters, length in code points as Ruby measures strings. A short URL therefore counts as itself.
 */
export function countTruthSocial(text: string): number {
  return countGraphemes(replaceUrls(text, (m) => Math.min(countCodePoints(m), 24), true));
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** The visible text of Telegram HTML: tags dropped, the four named entities and numeric ones decoded. */
export function telegramVisibleText(html: string): string {
  return html.replace(/<[^>]*>/g, '').replace(/&(#x[0-9a-f]+|#[0-9]+|lt|gt|amp|quot);/gi, (whole, ent: string) => {
    const lower = ent.toLowerCase();
    if (lower in NAMED_ENTITIES) return NAMED_ENTITIES[lower];
    const cp = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
  });
}

/** Telegram: code points of the visible text after HTML markup (TDLib `utf8_length` of the parsed text). */
export function countTelegram(html: string): number {
  return countCodePoints(telegramVisibleText(html));
}

/** Escapes plain text for Telegram's HTML parse mode: only `<`, `>` and `&` need it. */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
