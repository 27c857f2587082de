import type { PlatformAdapter, PlatformId, RemoteAccount } from '../platforms/platform';
import { asPlatformText, Composed } from './composer';
import { fitPrefix } from './fit-prefix';
import { splitSentences } from './sentences';

/**
 * Threads (account setting `thread`, Mastodon family only): an article longer than one post becomes up to
 * THREAD_MAX_PARTS parts posted as replies in order. Part 1 is the normally composed post (template, summary,
 * link); the others carry the article's cleaned text split at sentence boundaries. Every part ends with
 * " (k/N)", and every part, numbering included, is within the account's limit as the adapter's `measure()`
 * counts it. A sentence longer than a whole part is cut at a word boundary (with "…"); sentences past the cap
 * are left out. Both give a warning.
 */

/**
 * Platforms that can post a thread as replies to the account's own posts. On X, self-serve apps may reply only
 * when "summoned" (docs/PLATFORMS.md §3.9); whether a reply to one's own post counts is UNCONFIRMED, so a refusal there
 * fails the thread at part 2 with X's reason, part 1 staying published.
 */
export const THREAD_PLATFORMS: readonly PlatformId[] = ['mastodon', 'gab', 'truthsocial', 'x'];

/** Most parts one thread may have, part 1 included. */
export const THREAD_MAX_PARTS = 10;

export interface ThreadPart {
  text: string;
  length: number;
}

export interface ComposedThread extends Composed {
  /** All parts, part 1 (= `text`) first; absent when the article fits one post. */
  parts?: ThreadPart[];
}

export const numbered = (text: string, k: number, n: number): string => `${text} (${k}/${n})`;

/** The article's cleaned text as sentences, paragraphs in order. */
export function threadSentences(body: string): string[] {
  return body.split(/\n+/).flatMap((p) => splitSentences(p.trim()));
}

export interface SplitOptions {
  /** Length as the platform counts it. */
  measure: (text: string) => number;
  limit: number;
  /** Most parts the split may produce. */
  maxParts: number;
  /** Parts that come before these (1: the composed post), for the numbering. */
  before?: number;
}

export interface SplitResult {
  /** Numbered parts, in order. */
  parts: string[];
  /** Total number of parts in the thread (`before` + parts.length): the N of " (k/N)". */
  total: number;
  /** Sentences left out because the cap was reached (or because not one word of them fits). */
  dropped: number;
  /** Sentences cut at a word boundary because they are longer than a whole part. */
  cut: number;
}

/**
 * Packs whole sentences greedily into numbered parts within `limit`. N is only known once packed, and its width
 * counts in the limit: packing is repeated with the N it produced until it agrees with itself (at most a few
 * rounds; if it never does, the widest numbering is assumed, which only ever leaves a character to spare).
 */
export function splitThread(sentences: readonly string[], o: SplitOptions): SplitResult {
  const before = o.before ?? 0;
  const maxBody = Math.max(0, o.maxParts);
  let total = before + 1;
  for (let round = 0; round < 4; round++) {
    const r = pack(sentences, total, before, maxBody, o);
    const n = before + r.chunks.length;
    if (n === total) return finish(r, before, n);
    total = n;
  }
  const r = pack(sentences, before + maxBody, before, maxBody, o);
  return finish(r, before, before + r.chunks.length);
}

function finish(r: { chunks: string[]; dropped: number; cut: number }, before: number, total: number): SplitResult {
  return { parts: r.chunks.map((c, j) => numbered(c, before + j + 1, total)), total, dropped: r.dropped, cut: r.cut };
}

function pack(sentences: readonly string[], total: number, before: number, maxBody: number, o: SplitOptions) {
  const chunks: string[] = [];
  let cur = '';
  let dropped = 0;
  let cut = 0;
  const fits = (x: string) => o.measure(numbered(x, before + chunks.length + 1, total)) <= o.limit;
  for (let i = 0; i < sentences.length; i++) {
    const s = sentences[i];
    if (cur && fits(`${cur} ${s}`)) {
      cur = `${cur} ${s}`;
      continue;
    }
    if (cur) {
      chunks.push(cur);
      cur = '';
    }
    if (chunks.length >= maxBody) {
      dropped += sentences.length - i;
      break;
    }
    if (fits(s)) {
      cur = s;
      continue;
    }
    const short = fitPrefix(s, fits);
    if (short) {
      chunks.push(short);
      cut++;
    } else {
      dropped++;
    }
  }
  if (cur) chunks.push(cur);
  return { chunks, dropped, cut };
}

export interface ThreadPlan {
  /** The adapter to compose part 1 with: it counts the widest " (1/N)" as part of every text. */
  firstAdapter: PlatformAdapter;
  /** Numbers part 1, appends the body parts and sets `parts`. */
  finish(first: Composed): ComposedThread;
}

/**
 * Whether this target posts the article as a thread, and how: null when the account does not thread, the
 * platform cannot, or the article's text fits in one post anyway (then the ordinary post is composed).
 */
export function planThread(
  article: { text?: string; lead: string },
  adapter: PlatformAdapter,
  remote: RemoteAccount | null,
): ThreadPlan | null {
  if (!THREAD_PLATFORMS.includes(adapter.id)) return null;
  const limits = adapter.limits(remote);
  const sentences = threadSentences(article.text ?? article.lead).map((s) => asPlatformText(limits, s));
  if (sentences.length === 0 || adapter.measure(sentences.join(' ')) <= limits.maxLength) return null;

  const widest = numbered('', 1, THREAD_MAX_PARTS);
  const firstAdapter = Object.create(adapter) as PlatformAdapter;
  firstAdapter.measure = (text: string) => adapter.measure(text + widest);

  return {
    firstAdapter,
    finish(first: Composed): ComposedThread {
      // Body parts carry no image, so the plain text limit applies to them.
      const split = splitThread(sentences, {
        measure: (t) => adapter.measure(t),
        limit: limits.maxLength,
        maxParts: THREAD_MAX_PARTS - 1,
        before: 1,
      });
      if (split.parts.length === 0) return first;
      const warnings = [...first.warnings];
      if (split.cut > 0) warnings.push(`thread: ${split.cut} sentence(s) longer than one part cut to fit`);
      if (split.dropped > 0)
        warnings.push(`thread capped at ${THREAD_MAX_PARTS} parts: ${split.dropped} sentence(s) left out`);
      const texts = [numbered(first.text, 1, split.total), ...split.parts];
      const parts = texts.map((text) => ({ text, length: adapter.measure(text) }));
      if (parts[0].length > first.limit)
        warnings.push(`even the link alone is longer than the limit of ${first.limit}`);
      return { text: parts[0].text, length: parts[0].length, limit: first.limit, warnings: dedupe(warnings), parts };
    },
  };
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
