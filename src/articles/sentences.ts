/**
 * Sentences and words for the summarizer, in any language: ICU's sentence and word boundaries (Intl.Segmenter,
 * part of Node), with the one repair ICU needs for news text: it ends a sentence after "Mr." or "Jan." when a
 * capital follows, so such segments are joined with the next one.
 */

import { segmentsOf } from '../common/segments';

const sentenceSegmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/** Abbreviations that end with a full stop inside a sentence (lower-cased, without the stop). */
const ABBREVIATIONS = new Set(
  (
    'mr mrs ms mx dr prof st sen rep gov gen col lt sgt capt cmdr adm maj pres jr sr rev hon fr sra sr inc corp co ltd ' +
    'no nos vs etc approx ca dept univ mt ft ave blvd rd est fig ed eds vol jan feb mar apr jun jul aug sep sept oct ' +
    'nov dec mio mrd nr bzw vgl ggf z.b u.a d.h u.s u.k e.g i.e a.m p.m ph.d'
  ).split(' '),
);

/** A sentence ends a thought if it ends with terminal punctuation (closing quotes and brackets allowed after it). */
const TERMINAL = /[.!?…。！？؟।][\s"'”’»)\]]*$/u;

export function splitSentences(paragraph: string): string[] {
  const out: string[] = [];
  // The sentence so far is a range of the paragraph, never a growing string: "Mr. Mr. Mr. …" joins every segment.
  let start = 0;
  for (const { index, segment } of segmentsOf(sentenceSegmenter, paragraph)) {
    const end = index + segment.length;
    if (endsWithAbbreviation(paragraph, start, end)) continue;
    out.push(paragraph.slice(start, end).trim());
    start = end;
  }
  if (start < paragraph.length) out.push(paragraph.slice(start).trim());
  return out.filter((s) => s.length > 0);
}

/**
 * Whether paragraph[start, end) ends with an abbreviation. Only its last 40 characters are looked at (the pattern
 * is tried from every position); a word that reaches back to the start of that window is too long to be one.
 */
function endsWithAbbreviation(paragraph: string, start: number, end: number): boolean {
  const from = Math.max(start, end - 40);
  const tail = paragraph.slice(from, end);
  const m = /(?:^|[\s(“"'])([\p{L}.]+)\.\s*$/u.exec(tail);
  if (!m || (m.index === 0 && from > start && !/^[\s(“"']/u.test(tail))) return false;
  const word = m[1];
  // A single capital is an initial ("A. Müller"); a known abbreviation never ends a sentence in news copy.
  return /^\p{Lu}$/u.test(word) || ABBREVIATIONS.has(word.toLowerCase());
}

export function isProse(sentence: string, count = wordCount(sentence)): boolean {
  return TERMINAL.test(sentence) && count >= 4;
}

/** Scripts written without spaces between words: only these need ICU's dictionary-based word breaking. */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const SPACED_WORD = /[\p{L}\p{M}\p{N}_]+(?:['’.-][\p{L}\p{M}\p{N}_]+)*/gu;

/**
 * Word-like segments. Text in spaced scripts is split by a regular expression (ICU's word segmenter costs about
 * 25 µs a sentence, most of the summarizer's time); CJK and Thai go to ICU, which splits them into dictionary words.
 */
export function words(text: string): string[] {
  if (!UNSPACED.test(text)) return text.match(SPACED_WORD) ?? [];
  const out: string[] = [];
  for (const s of segmentsOf(wordSegmenter, text)) if (s.isWordLike) out.push(s.segment);
  return out;
}

/** Words, with a run of CJK characters counted as one word per two characters (a sentence from a label). */
export function wordCount(text: string, list = words(text)): number {
  let n = 0;
  for (const w of list) n += CJK.test(w) ? Math.max(1, Math.ceil(w.length / 2)) : 1;
  return n;
}

/** English function words: the one language whose stop words matter enough to list; elsewhere IDF does the work. */
const STOP = new Set(
  (
    'the a an and or but of to in on at for by with from as is are was were be been being it its this that these ' +
    'those he she they we you i his her their our your them him us not no so if then than there here also has have ' +
    'had do does did will would can could should may might said says say about after before over into up out more ' +
    'most some any all which who whom whose what when where why how one two'
  ).split(' '),
);

/**
 * Comparable word keys: lower-cased, stop words and one-letter Latin words dropped, long Latin words cut to a
 * six-letter stem so that "approves" and "approved" meet (crude, but language-neutral and cheap).
 */
export function terms(text: string, list = words(text)): string[] {
  const out: string[] = [];
  for (const w of list) {
    const lower = w.toLowerCase();
    if (STOP.has(lower)) continue;
    const latin = /^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\d'’-]+$/u.test(lower);
    if (latin && lower.length < 2) continue;
    out.push(latin && lower.length > 6 ? lower.slice(0, 6) : lower);
  }
  return out;
}
