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
  const parts = [...graphemes.segment(text)].map((s) => s.segment);
  const candidate = (n: number) => {
    const cut = parts.slice(0, n).join('');
    const midWord = n < parts.length && !/\s/.test(parts[n]) && !/\s/.test(parts[n - 1] ?? ' ');
    const atWord = midWord ? cut.replace(/\s+\S*$/, '') : cut;
    // No space to go back to: the one word is longer than the room, and is cut inside.
    const inside = midWord && (atWord === cut || atWord.trim() === '');
    const base = atWord.trim() === '' ? cut : atWord;
    return { text: base.trimEnd().replace(/[\s,;:.–—-]+$/, '') + '…', insideWord: inside };
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
