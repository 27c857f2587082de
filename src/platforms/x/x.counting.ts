import { configs, extractUrlsWithIndices, parseTweet, type ParseTweetOptions, type ParsedTweet } from 'twitter-text';

// @types/twitter-text omits the bundled configurations the library exports.
declare module 'twitter-text' {
  export const configs: { version1: ParseTweetOptions; version2: ParseTweetOptions; version3: ParseTweetOptions };
}

/**
 * X's own length rule (docs/PLATFORMS.md §3.9): twitter-text v3 weighting, every URL 23, emoji sequences 200, NFC
 * first. The official library is the reference implementation, so we count with it rather than re-derive it.
 */

export const X_MAX_WEIGHTED_LENGTH = 280;

/**
 * The full twitter-text parse (weightedLength, valid, permillage, ranges) under config v2 or v3. The library
 * applies NFC itself and reports ranges in UTF-16 units of the text as given, so the text goes in untouched.
 */
export function parseXText(text: string, version: 2 | 3 = 3): ParsedTweet {
  return parseTweet(text, version === 3 ? configs.version3 : configs.version2);
}

/** Weighted length as X counts it today (config v3); 280 is the limit. */
export function countX(text: string): number {
  return parseXText(text, 3).weightedLength;
}

/** Every URL X would shorten to t.co (bare domains included, as twitter-text finds them). */
export function xUrls(text: string): Array<{ url: string; indices: [number, number] }> {
  return extractUrlsWithIndices(text);
}
