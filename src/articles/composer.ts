import { escapeTelegramHtml } from '../platforms/counting';
import type { PlatformAdapter, PlatformLimits, RemoteAccount } from '../platforms/platform';
import { fitPrefixDetailed } from './fit-prefix';
import { hashtagsFor } from './hashtags';
import { bestSummary, prepareSummary, SummaryDoc } from './summarizer';
import { ComposeStyle, parseTemplate, renderTemplate, STYLES, TemplatePart, uses } from './templates';

export { fitPrefix } from './fit-prefix';

/**
 * The length engine: one article, one target, one final text. The template (the caller's, else the platform's
 * default) is filled with the title, a summary, the link and hashtags, and measured with the adapter's own
 * `measure()` against `limits(remote)` (caption limit with an image). When room runs out: hashtags are dropped
 * first, then the summary shrinks by whole sentences, then the title is shortened; the link always stays. The
 * result is final: it is stored on the delivery and sent as is. Pure and synchronous; article-composer.ts adds the
 * LLM summary around it.
 */

export interface ComposeInput {
  url: string;
  title: string;
  /** Cleaned article text (paragraphs); the lead stands in when absent. */
  text?: string;
  lead: string;
  imageUrl: string | null;
  tags?: readonly string[];
}

export interface ComposeOptions {
  /** Template source, already validated (templates.ts); default: the platform's. */
  template?: string;
  /** Summary source shared by several targets (prepareSummary once), or a given summary (givenSummary). */
  summary?: SummaryDoc;
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

interface Engine {
  parts: TemplatePart[];
  style: ComposeStyle;
  title: string;
  /** Hashtags the template and style want, before fitting. */
  tags: string[];
  doc: SummaryDoc;
  render: (title: string, summary: string, tags: string[]) => string;
  fits: (text: string) => boolean;
  /** Rendered platform text, as the platform counts it. */
  measure: (text: string) => number;
  /** A plain value (title, sentence) as it will count once escaped for the platform. */
  measureValue: (plain: string) => number;
  limit: number;
}

function engine(
  article: ComposeInput,
  adapter: PlatformAdapter,
  remote: RemoteAccount | null,
  opts: ComposeOptions,
): Engine {
  const limits = adapter.limits(remote);
  const limit = effectiveLimit(limits, article.imageUrl !== null && limits.maxImages > 0);
  const html = limits.counting === 'code-points-after-html';
  const parts = parseTemplate(opts.template ?? STYLES[adapter.id].template);
  const title = article.title.trim().replace(/\s+/g, ' ');
  return {
    parts,
    style: STYLES[adapter.id],
    title,
    tags: uses(parts, 'hashtags') ? hashtagsFor(article.tags ?? []).slice(0, STYLES[adapter.id].maxHashtags) : [],
    doc: opts.summary ?? prepareSummary(title, article.text ?? article.lead),
    render: (t, s, tags) =>
      renderTemplate(
        parts,
        { title: t, summary: s, url: article.url, hashtags: tags.join(' ') },
        (v) => asPlatformText(limits, v),
        html,
      ),
    fits: (text) => adapter.measure(text) <= limit,
    measure: (text) => adapter.measure(text),
    measureValue: (plain) => adapter.measure(asPlatformText(limits, plain)),
    limit,
  };
}

export function composeArticle(
  article: ComposeInput,
  adapter: PlatformAdapter,
  remote: RemoteAccount | null,
  opts: ComposeOptions = {},
): Composed {
  const e = engine(article, adapter, remote, opts);
  const warnings: string[] = [];
  const { title: t, summary: s } = fitTitleAndSummary(e, e.title, warnings);
  const tags = fitHashtags(e, t, s, e.tags, warnings);
  const text = e.render(t, s, tags);
  const length = e.measure(text);
  if (length > e.limit) warnings.push(`even the link alone is longer than the limit of ${e.limit}`);
  return { text, length, limit: e.limit, warnings };
}

export interface SummaryRoom {
  /** Room for the summary beside the full title and the link, in the platform's units. */
  room: number;
  /** What the platform's style would like: the room less the hashtags, at most the style's preferred length. */
  preferred: number;
  maxSentences: number;
  /** A plain summary's length as the platform counts it. */
  measure: (plain: string) => number;
}

/** How much summary one target takes (for asking an LLM for the right length); null when the template has none. */
export function summaryRoom(
  article: ComposeInput,
  adapter: PlatformAdapter,
  remote: RemoteAccount | null,
  template?: string,
): SummaryRoom | null {
  const e = engine(article, adapter, remote, { template, summary: { ranked: [], mode: 'prefix' } });
  if (!uses(e.parts, 'summary')) return null;
  const room = e.limit - e.measure(e.render(e.title, '', []));
  const tags = e.tags.length > 0 ? e.measure(e.render(e.title, '', e.tags)) - e.measure(e.render(e.title, '', [])) : 0;
  return {
    room,
    preferred: Math.min(e.style.softMax, room - tags),
    maxSentences: e.style.maxSentences,
    measure: e.measureValue,
  };
}

function fitTitleAndSummary(e: Engine, title: string, warnings: string[]): { title: string; summary: string } {
  const hasTitle = uses(e.parts, 'title');
  const hasSummary = uses(e.parts, 'summary');
  if (hasSummary && e.doc.ranked.length === 0 && !hasTitle) {
    // No body to summarise: the title takes the summary's place.
    return { title: '', summary: shortenTitle(title, (x) => e.fits(e.render('', x, [])), warnings) };
  }
  if (!hasSummary || e.doc.ranked.length === 0) {
    return { title: hasTitle ? shortenTitle(title, (x) => e.fits(e.render(x, '', [])), warnings) : title, summary: '' };
  }
  const prefix = e.doc.mode === 'prefix';
  const maxSentences = e.style.maxSentences;
  const pick = (t: string, budget: number) =>
    bestSummary(e.doc, {
      maxSentences,
      budget,
      measure: e.measureValue,
      fits: (x) => e.measureValue(x) <= budget && e.fits(e.render(t, x, [])),
    });
  const room = (t: string) => e.limit - e.measure(e.render(t, '', []));
  const ideal = prefix
    ? Math.min(e.doc.ranked.length, maxSentences)
    : bestSummary(e.doc, { maxSentences, budget: e.style.softMax, measure: e.measureValue }).sentences;

  let got = prefix ? pick(title, room(title)) : pick(title, Math.min(room(title), e.style.softMax));
  // The preferred length is a preference: relax it before cutting anything.
  if (got.cut || got.sentences === 0) got = pick(title, room(title));
  if (!got.cut && got.sentences > 0) {
    if (got.sentences < ideal) warnings.push(`summary shortened to fit: ${got.sentences} of ${ideal} sentences`);
    return { title, summary: got.text };
  }
  if (hasTitle) {
    // Not one whole sentence fits beside the title: keep the best sentence whole and shorten the title.
    const one = prefix
      ? e.doc.ranked[0].text
      : bestSummary(e.doc, { maxSentences: 1, budget: Infinity, measure: e.measureValue }).text;
    const short = fitPrefixDetailed(title, (x) => e.fits(e.render(x, one, [])));
    if (short.text !== '') {
      warnings.push(short.insideWord ? 'title cut inside a word' : 'title shortened to fit');
      if (ideal > 1) warnings.push(`summary shortened to fit: 1 of ${ideal} sentences`);
      return { title: short.text, summary: one };
    }
    warnings.push('title left out: no room beside the summary and the link');
    got = pick('', room(''));
    if (got.cut) warnings.push('summary cut inside a sentence');
    return { title: '', summary: got.text };
  }
  if (got.cut) warnings.push('summary cut inside a sentence');
  return { title, summary: got.text };
}

function shortenTitle(title: string, fits: (t: string) => boolean, warnings: string[]): string {
  const short = fitPrefixDetailed(title, fits);
  if (short.text !== title) warnings.push(short.insideWord ? 'title cut inside a word' : 'title shortened to fit');
  return short.text;
}

/** Hashtags in the tags' order while they fit; the ones that do not are named in a warning. */
function fitHashtags(e: Engine, title: string, summary: string, all: string[], warnings: string[]): string[] {
  if (all.length === 0) return [];
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const tag of all) {
    if (e.fits(e.render(title, summary, [...kept, tag]))) kept.push(tag);
    else dropped.push(tag);
  }
  if (dropped.length > 0) warnings.push(`hashtags dropped: ${dropped.join(' ')}`);
  return kept;
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
