import { fitPrefix } from './fit-prefix';
import { isProse, splitSentences, terms, wordCount, words } from './sentences';

/**
 * Extractive summaries without any network: every sentence of the article is scored for its lead position, its
 * centrality (similarity to the article as a whole) and its overlap with the title; the summary is the set of
 * whole sentences with the best total score, less redundancy, that fits the budget, read in article order. A
 * sentence is cut in the middle only when not one of them fits the room left.
 */

export interface Sentence {
  text: string;
  /** Position in the article (0 = first). */
  order: number;
  score: number;
  vector: Map<string, number>;
}

export interface SummaryDoc {
  /** Candidate sentences, best first. */
  ranked: Sentence[];
  /** 'ranked': choose any subset; 'prefix': a given summary (e.g. an LLM's), kept in order, shortened from its end. */
  mode: 'ranked' | 'prefix';
}

export interface SummaryPick {
  text: string;
  sentences: number;
  /** True when a single sentence had to be cut to fit. */
  cut: boolean;
}

export interface FitOptions {
  maxSentences: number;
  /** Room for the summary, in the units of `measure`. */
  budget: number;
  measure: (text: string) => number;
  /** Exact check of a candidate (the composer renders the whole post); defaults to measure ≤ budget. */
  fits?: (text: string) => boolean;
}

const WEIGHTS = { lead: 0.45, centrality: 0.35, title: 0.2 };
/** How many of the best sentences the subset search considers (fewer for long summaries: C(10,5) is 252). */
const candidates = (maxSentences: number) => (maxSentences >= 4 ? 10 : 12);

/**
 * Characters of the article the extractive summary reads: the lead weighs most and a news story is far shorter, so
 * a longer text (a feed can send megabytes) only costs time on the thread that composes posts.
 */
const SUMMARY_INPUT = 100_000;

export function prepareSummary(title: string, fullText: string): SummaryDoc {
  const cutAt = fullText.length > SUMMARY_INPUT ? fullText.lastIndexOf('\n', SUMMARY_INPUT) : -1;
  const text = fullText.length > SUMMARY_INPUT ? fullText.slice(0, cutAt > 0 ? cutAt : SUMMARY_INPUT) : fullText;
  const all = text
    .split(/\n+/)
    .flatMap((p) => splitSentences(p.trim()))
    .filter((s) => s.length > 0)
    .map((s) => {
      const list = words(s);
      return { text: s, list, count: wordCount(s, list) };
    });
  const prose = all.filter((s) => isProse(s.text, s.count));
  const chosen = prose.length > 0 ? prose : all;
  const termLists = chosen.map((s) => terms(s.text, s.list));
  const df = new Map<string, number>();
  for (const list of termLists) for (const t of new Set(list)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = chosen.length;
  const vectors = termLists.map((list) => tfidf(list, df, n));
  const centroid = new Map<string, number>();
  for (const v of vectors) for (const [t, w] of v) centroid.set(t, (centroid.get(t) ?? 0) + w);
  const titleTerms = new Set(terms(title));

  const sentences = chosen.map(({ text, count }, i): Sentence => {
    const lead = 1 / (1 + 0.3 * i);
    const centrality = cosine(vectors[i], centroid);
    const own = new Set(termLists[i]);
    const overlap = titleTerms.size === 0 ? 0 : [...titleTerms].filter((t) => own.has(t)).length / titleTerms.size;
    const score =
      (WEIGHTS.lead * lead + WEIGHTS.centrality * centrality + WEIGHTS.title * overlap) * penalty(text, count);
    return { text, order: i, score, vector: vectors[i] };
  });
  return { ranked: [...sentences].sort((a, b) => b.score - a.score || a.order - b.order), mode: 'ranked' };
}

/** A finished summary (an LLM's) to be fitted like an extractive one, shrinking by whole sentences from the end. */
export function givenSummary(text: string): SummaryDoc {
  const ranked = text
    .split(/\n+/)
    .flatMap((p) => splitSentences(p.trim()))
    .map((s, i) => ({ text: s, order: i, score: 1, vector: new Map<string, number>() }));
  return { ranked, mode: 'prefix' };
}

/** Sentences that read badly on their own, or are too short or too long to carry a post. */
function penalty(text: string, n: number): number {
  let p = 1;
  if (n < 6) p *= 0.6;
  if (n > 60) p *= 0.75;
  if (/^\p{Ll}/u.test(text)) p *= 0.5;
  if (/^(he|she|it|they|this|these|those|but|and|however|also|meanwhile|still|yet|so)\b/i.test(text)) p *= 0.85;
  if (/https?:\/\//.test(text)) p *= 0.7;
  return p;
}

export function bestSummary(doc: SummaryDoc, opts: FitOptions): SummaryPick {
  const fits = opts.fits ?? ((s: string) => opts.measure(s) <= opts.budget);
  if (doc.ranked.length === 0) return { text: '', sentences: 0, cut: false };
  if (doc.mode === 'prefix') {
    for (let k = Math.min(doc.ranked.length, opts.maxSentences); k > 0; k--) {
      const text = join(doc.ranked.slice(0, k));
      if (fits(text)) return { text, sentences: k, cut: false };
    }
  } else {
    const pick = bestSubset(doc.ranked.slice(0, candidates(opts.maxSentences)), opts, fits);
    if (pick) return pick;
    // Beyond the candidates, any one whole sentence that fits still beats cutting the best one.
    const single = doc.ranked.find((s) => fits(s.text));
    if (single) return { text: single.text, sentences: 1, cut: false };
  }
  const text = fitPrefix(doc.ranked[0].text, fits);
  return { text, sentences: text ? 1 : 0, cut: text !== '' };
}

/** The best-scoring subset of up to maxSentences candidates whose exact measure fits (estimates prune first). */
function bestSubset(cands: Sentence[], opts: FitOptions, fits: (s: string) => boolean): SummaryPick | null {
  const lengths = cands.map((c) => opts.measure(c.text));
  const sep = opts.measure(' ');
  const sims = cands.map((a) => cands.map((b) => (a === b ? 1 : cosine(a.vector, b.vector))));
  const subsets: { idx: number[]; value: number; length: number }[] = [];
  const max = Math.max(1, Math.min(opts.maxSentences, cands.length));
  const grow = (start: number, idx: number[], value: number, length: number) => {
    for (let i = start; i < cands.length; i++) {
      const extra = lengths[i] + (idx.length > 0 ? sep : 0);
      if (length + extra > opts.budget) continue;
      let v = value + cands[i].score;
      for (const j of idx) v -= 0.5 * sims[i][j] * Math.min(cands[i].score, cands[j].score);
      const next = [...idx, i];
      subsets.push({ idx: next, value: v, length: length + extra });
      if (next.length < max) grow(i + 1, next, v, length + extra);
    }
  };
  grow(0, [], 0, 0);
  subsets.sort((a, b) => b.value - a.value || a.length - b.length);
  for (const s of subsets) {
    const chosen = s.idx.map((i) => cands[i]).sort((a, b) => a.order - b.order);
    const text = join(chosen);
    if (fits(text)) return { text, sentences: chosen.length, cut: false };
  }
  return null;
}

function join(sentences: Sentence[]): string {
  return sentences.map((s) => s.text).join(' ');
}

function tfidf(list: string[], df: Map<string, number>, n: number): Map<string, number> {
  const v = new Map<string, number>();
  for (const t of list) v.set(t, (v.get(t) ?? 0) + 1);
  for (const [t, tf] of v) v.set(t, tf * Math.log(1 + n / (df.get(t) ?? 1)));
  return v;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [t, w] of small) dot += w * (large.get(t) ?? 0);
  return dot === 0 ? 0 : dot / (norm(a) * norm(b));
}

const norms = new WeakMap<Map<string, number>, number>();

function norm(v: Map<string, number>): number {
  let n = norms.get(v);
  if (n === undefined) {
    let s = 0;
    for (const w of v.values()) s += w * w;
    n = Math.sqrt(s);
    norms.set(v, n);
  }
  return n;
}
