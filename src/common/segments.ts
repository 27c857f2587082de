/**
 * Intl.Segmenter over text of any length. Node 20's segment iterator does work in proportion to the whole text for
 * every segment it yields (chromium issue 326176949, fixed in a later V8), so a long text costs the square of its
 * length: 20,000 sentences of "The cat sat." took 42 s, 500 KB of Japanese words 120 s, 100,000 Japanese characters
 * 89 s to count as graphemes, all on the event loop. Here the text is segmented `window` characters at a time: every
 * segment of a window but its last is kept, and the next window starts where that last one began. A window holding a
 * single segment grows until the segment ends. The smaller the window the cheaper (500 KB of Japanese graphemes:
 * 0.6 s with 2,000, 0.25 s with 256), as long as it usually holds more than one segment.
 *
 * Why this is exact for graphemes: a cluster boundary depends on the text since the previous boundary and on the one
 * code point after it, and every prefix of a cluster is itself a cluster, so each boundary inside a window that
 * starts on a boundary is a boundary of the whole text, except the one before a segment cut by the window's end,
 * which is dropped. A window never ends between the two halves of a surrogate pair: a lone half segments as a
 * control character, which would put a break before it (👍 + half of 🏽). For sentences and words a boundary decided
 * by a run of digits or punctuation reaching past the window's end is the exception, and harmless.
 */

const WINDOW = 2000;

export interface Segment {
  segment: string;
  /** Offset in the whole text. */
  index: number;
  isWordLike?: boolean;
}

/** `start + size`, moved one unit further when it would fall between a high and a low surrogate. */
function windowEnd(text: string, start: number, size: number): number {
  const end = start + size;
  if (end >= text.length) return text.length;
  const high = text.charCodeAt(end - 1);
  const low = text.charCodeAt(end);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff ? end + 1 : end;
}

export function* segmentsOf(segmenter: Intl.Segmenter, text: string, window = WINDOW): Generator<Segment> {
  let start = 0;
  let size = window;
  while (start < text.length) {
    const end = windowEnd(text, start, size);
    const segs = Array.from(segmenter.segment(text.slice(start, end)));
    const last = end === text.length;
    if (!last && segs.length < 2) {
      size *= 2;
      continue;
    }
    const keep = last ? segs.length : segs.length - 1;
    for (let i = 0; i < keep; i++) {
      const { segment, index, isWordLike } = segs[i];
      yield { segment, index: start + index, isWordLike };
    }
    if (last) return;
    start += segs[keep].index;
    size = window;
  }
}

/** How many segments `segmentsOf` yields. */
export function countSegments(segmenter: Intl.Segmenter, text: string, window = WINDOW): number {
  let n = 0;
  for (const _ of segmentsOf(segmenter, text, window)) n++;
  return n;
}
