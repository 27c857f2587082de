import { segmentsOf } from '../common/segments';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The longest word-boundary prefix of `text` (with an ellipsis) that `fits`, or '' when not even one character
 * does; a single word too long for the room is cut inside the word (`insideWord` tells). Binary search over
 * grapheme counts: fitting is monotone in the prefix length.
 */
export function fitPrefixDetailed(
  text: string,
  fits: (candidate: string) => boolean,
): { text: string; insideWord: boolean } {
  if (fits(text)) return { text, insideWord: false };
  const parts = Array.from(segmentsOf(graphemes, text), (s) => s.segment);
  const candidate = (n: number) => {
    const cut = parts.slice(0, n).join('');
    const midWord = n < parts.length && !/\s/.test(parts[n]) && !/\s/.test(parts[n - 1] ?? ' ');
    const atWord = midWord ? cut.slice(0, lastSpaceRun(cut)) : cut;
    // No space to go back to: the one word is longer than the room, and is cut inside.
    const inside = midWord && (atWord === cut || atWord.trim() === '');
    const base = atWord.trim() === '' ? cut : atWord;
    return { text: withoutTrailing(base.trimEnd(), /[\s,;:.–—-]/) + '…', insideWord: inside };
  };
  let lo = 0;
  let hi = parts.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(candidate(mid).text)) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? { text: '', insideWord: false } : candidate(lo);
}

export function fitPrefix(text: string, fits: (candidate: string) => boolean): string {
  return fitPrefixDetailed(text, fits).text;
}

/*
 * Backward scans instead of `/\s+\S*$/` and `/[\s,;:.–—-]+$/`: an end-anchored pattern is still tried from every
 * position, so a long run of spaces or commas inside the text cost the square of its length.
 */

/** Where the last run of whitespace starts (the cut goes back to the end of the word before it); 0 if none. */
function lastSpaceRun(s: string): number {
  let i = s.length;
  while (i > 0 && !/\s/.test(s[i - 1])) i--;
  if (i === 0) return s.length; // no whitespace: nothing to go back to
  while (i > 0 && /\s/.test(s[i - 1])) i--;
  return i;
}

function withoutTrailing(s: string, chars: RegExp): string {
  let i = s.length;
  while (i > 0 && chars.test(s[i - 1])) i--;
  return s.slice(0, i);
}
