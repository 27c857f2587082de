/**
 * Article tags to hashtags every platform recognises: letters (any script), digits, combining marks and
 * underscores only, at least one letter (X and Mastodon ignore all-digit tags), several words joined in
 * PascalCase ("climate change" → #ClimateChange), duplicates dropped regardless of case.
 */

const MAX_HASHTAG_LENGTH = 50;

export function toHashtag(tag: string): string | null {
  const words = tag
    .normalize('NFC')
    .replace(/^#+/, '')
    .split(/[^\p{L}\p{M}\p{N}_]+/u)
    .filter(Boolean);
  if (words.length === 0) return null;
  const body = words.length === 1 ? words[0] : words.map((w) => w.charAt(0).toLocaleUpperCase() + w.slice(1)).join('');
  if (!/\p{L}/u.test(body) || [...body].length > MAX_HASHTAG_LENGTH) return null;
  return `#${body}`;
}

/** Hashtags for the article's tags, in the tags' order. */
export function hashtagsFor(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const tag of tags) {
    const h = toHashtag(tag);
    if (!h || seen.has(h.toLocaleLowerCase())) continue;
    seen.add(h.toLocaleLowerCase());
    out.push(h);
  }
  return out;
}
