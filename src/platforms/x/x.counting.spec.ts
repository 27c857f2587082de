import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';
import { configs } from 'twitter-text';
import { X_MAX_WEIGHTED_LENGTH, countX, parseXText } from './x.counting';

/**
 * Conformance: the 44 weighted-length cases of twitter/twitter-text `conformance/validate.yml` (docs/PLATFORMS.md §0).
 * The files live in shared/data beside the repository and are never copied in. A missing file is a failure, not
 * a skip: a suite that quietly runs nothing would let the counting drift from X's unnoticed.
 */
const DATA_DIR = resolve(__dirname, '..', '..', '..', '..', 'shared', 'data');
const VALIDATE = resolve(DATA_DIR, 'twitter-text-validate.yml');
const CONFIG_V3 = resolve(DATA_DIR, 'twitter-text-config-v3.json');

interface Case {
  description: string;
  text: string;
  expected: {
    weightedLength: number;
    valid: boolean;
    permillage: number;
    displayRangeStart: number;
    displayRangeEnd: number;
    validRangeStart: number;
    validRangeEnd: number;
  };
}

/** Section → config version, as the upstream conformance runner pairs them. */
const SECTIONS: Array<[string, 2 | 3]> = [
  ['WeightedTweetsCounterTest', 2],
  ['WeightedTweetsWithDiscountedEmojiCounterTest', 3],
  ['UnicodeDirectionalMarkerCounterTest', 3],
];

/** The file's text; throws a message naming the missing file (and where it should be) if it is not there. */
function readData(file: string): string {
  if (!existsSync(file)) {
    throw new Error(
      `conformance data file missing: ${file} (expected in ../shared/data beside the repository, see its README.md)`,
    );
  }
  return readFileSync(file, 'utf8');
}

function loadCases(): Array<[string, 2 | 3, Case]> {
  const doc = load(readData(VALIDATE)) as { tests: Record<string, Case[]> };
  return SECTIONS.flatMap(([section, version]) =>
    doc.tests[section].map((c) => [`${section}: ${c.description}`, version, c] as [string, 2 | 3, Case]),
  );
}

describe('twitter-text conformance (../shared/data/twitter-text-validate.yml)', () => {
  // Loaded here only when present, so that a missing file fails the test below with its own message.
  const cases = existsSync(VALIDATE) ? loadCases() : [];

  it('has the 44 weighted-length cases (20 + 22 + 2)', () => {
    expect(loadCases()).toHaveLength(44);
  });

  // it.each refuses an empty table; the test above already fails when the file is missing.
  if (cases.length) {
    it.each(cases)('%s', (_name, version, c) => {
      expect(parseXText(c.text, version)).toEqual(c.expected);
    });
  }

  it('the library config v3 is the one the cases were written for', () => {
    expect(configs.version3).toEqual(JSON.parse(readData(CONFIG_V3)));
  });
});

describe('countX (config v3)', () => {
  it('counts Latin as 1, CJK as 2, any URL as 23 and an emoji sequence as 2', () => {
    expect(countX('hello')).toBe(5);
    expect(countX('日本')).toBe(4);
    expect(countX('see https://news.example.com/a/very/long/path/that/is/way/over/twenty-three?q=1')).toBe(4 + 23);
    expect(countX('news.example.com')).toBe(23);
    // A name under no real TLD (.example) is no link for twitter-text, nor for X: it counts as typed.
    expect(countX('https://a.example')).toBe(17);
    expect(countX('👨‍👩‍👧')).toBe(2);
  });

  it('normalises to NFC first: a decomposed é counts once', () => {
    expect(countX('e\u0301')).toBe(1);
  });

  it('allows 280', () => {
    expect(X_MAX_WEIGHTED_LENGTH).toBe(280);
    expect(parseXText('a'.repeat(280)).valid).toBe(true);
    expect(parseXText('a'.repeat(281)).valid).toBe(false);
  });
});
