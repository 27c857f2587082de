import { escapeTelegramHtml } from '../platforms/counting';
import type { PlatformAdapter, PlatformLimits, RemoteAccount } from '../platforms/platform';

/**
 * First version of composing (the composer issue deepens it): the article's title (or lead), fitted to the
 * platform's limit by the platform's own counting rule, then the article URL. The result is final: it is stored on
 * the delivery and sent as is.
 */

export interface ComposeInput {
  url: string;
  title: string;
  lead: string;
  imageUrl: string | null;
}

export interface Composed {
  text: string;
  length: number;
  limit: number;
  warnings: string[];
}

/** The limit that applies to this post: the caption limit when an image goes with it. */
export function effectiveLimit(limits: PlatformLimits, hasImage: boolean): number {
  return hasImage && limits.maxCaptionLength !== undefined ? limits.maxCaptionLength : limits.maxLength;
}

/** Plain text as the platform's parse mode needs it (Telegram HTML: escape < > &). */
export function asPlatformText(limits: PlatformLimits, plain: string): string {
  return limits.counting === 'code-points-after-html' ? escapeTelegramHtml(plain) : plain;
}

export function composeArticle(article: ComposeInput, adapter: PlatformAdapter, remote: RemoteAccount | null): Composed {
  const limits = adapter.limits(remote);
  const limit = effectiveLimit(limits, article.imageUrl !== null && limits.maxImages > 0);
  const warnings: string[] = [];
  const headline = (article.title.trim() || article.lead.trim()).replace(/\s+/g, ' ');
  const link = asPlatformText(limits, article.url);
  const build = (head: string) => (head ? `${asPlatformText(limits, head)}\n\n${link}` : link);

  let text = build(headline);
  if (adapter.measure(text) > limit) {
    const fitted = fitPrefix(headline, (h) => adapter.measure(build(h)) <= limit);
    if (fitted !== headline) warnings.push('headline shortened to fit');
    text = build(fitted);
  }
  const length = adapter.measure(text);
  if (length > limit) warnings.push(`even the link alone is longer than the limit of ${limit}`);
  return { text, length, limit, warnings };
}

/**
 * The longest word-boundary prefix of `text` (with an ellipsis) that `fits`; a single word too long for the
 * room is cut inside the word. Binary search over grapheme counts: fitting is monotone in the prefix length.
 */
export function fitPrefix(text: string, fits: (candidate: string) => boolean): string {
  if (fits(text)) return text;
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((s) => s.segment);
  const candidate = (n: number) => {
    const cut = graphemes.slice(0, n).join('');
    const atWord = n < graphemes.length && !/\s/.test(graphemes[n]) ? cut.replace(/\s+\S*$/, '') : cut;
    const base = atWord.trim() === '' ? cut : atWord;
    return base.trimEnd().replace(/[\s,;:.–—-]+$/, '') + '…';
  };
  let lo = 0;
  let hi = graphemes.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(candidate(mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '' : candidate(lo);
}

/** How a user-written text measures on one target; `fits` false means 422. */
export function measureUserText(
  plain: string,
  adapter: PlatformAdapter,
  remote: RemoteAccount | null,
  hasImage: boolean,
): { text: string; length: number; limit: number; fits: boolean } {
  const limits = adapter.limits(remote);
  const limit = effectiveLimit(limits, hasImage && limits.maxImages > 0);
  const text = asPlatformText(limits, plain);
  const length = adapter.measure(text);
  return { text, length, limit, fits: length <= limit && plain.trim().length > 0 };
}
