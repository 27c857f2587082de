import { countSegments, segmentsOf } from './segments';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const whole = (t: string) => Array.from(graphemes.segment(t), ({ segment, index }) => ({ segment, index }));
const windowed = (t: string, window?: number) =>
  Array.from(segmentsOf(graphemes, t, window), ({ segment, index }) => ({ segment, index }));

// Pieces that join their neighbours in every way the grapheme rules allow: combining marks, keycaps, variation
// selectors, ZWJ sequences, skin tones, regional indicators, Hangul jamo, an Indic virama, a prepended sign, CR LF,
// and surrogate pairs for a window to fall between.
const pieces = [
  'a',
  '1',
  ' ',
  '\r',
  '\n',
  '\u0301',
  '\u20e3',
  '\ufe0f',
  '\u200d',
  '\u0600',
  '👍',
  '🏽',
  '👨',
  '🇩',
  '🇪',
  '\u1100',
  '\u1161',
  '\u11a8',
  '議',
  'क',
  '\u094d',
  '\u093f',
  '\u{e0067}',
];

describe('segmentsOf (graphemes)', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const mix = (len: number) => Array.from({ length: len }, () => pieces[Math.floor(random() * pieces.length)]).join('');

  // With windows of a few characters nearly every boundary lies at a window's edge.
  it.each([1, 2, 3, 4, 5, 8, 13])('gives the segments of one pass with a %i-character window', (window) => {
    for (let i = 0; i < 400; i++) {
      const t = mix(1 + Math.floor(random() * 30));
      expect([t, windowed(t, window)]).toEqual([t, whole(t)]);
    }
  });

  it('never ends a window between the halves of a surrogate pair (👍 + 🏽 is one cluster)', () => {
    expect(windowed('a👍🏽', 4)).toEqual([
      { segment: 'a', index: 0 },
      { segment: '👍🏽', index: 1 },
    ]);
  });

  it('grows a window until the segment inside it ends', () => {
    const zalgo = 'a' + '\u0301'.repeat(5000) + 'b';
    expect(windowed(zalgo, 16)).toEqual([
      { segment: zalgo.slice(0, -1), index: 0 },
      { segment: 'b', index: 5001 },
    ]);
  });

  it('with the default window, on clusters laid across 2,000 and its multiples', () => {
    const tricky = ['👨‍👩‍👧‍👦', '🇩🇪🇫🇷', 'e\u0301\u0302', '👍🏽', '1\ufe0f\u20e3', '\u1100\u1161\u11a8', 'क\u094d\u0937'];
    for (const edge of [2000, 4000]) {
      for (const seq of tricky) {
        for (let shift = 0; shift <= seq.length; shift++) {
          const t = '議'.repeat(edge - shift) + seq + '議'.repeat(20);
          // The filler characters before the last one are a cluster each whatever follows: check the rest in one pass.
          const head = edge - shift - 1;
          const got = windowed(t);
          expect(got.slice(0, head).every((s, i) => s.segment === '議' && s.index === i)).toBe(true);
          expect([seq, shift, got.slice(head)]).toEqual([seq, shift, whole(t.slice(head)).map(at(head))]);
        }
      }
    }
  });

  it('counts as many segments as it yields', () => {
    expect(countSegments(graphemes, '👨‍👩‍👧🇩🇪e\u0301', 3)).toBe(3);
    expect(countSegments(graphemes, '')).toBe(0);
  });
});

function at(offset: number) {
  return ({ segment, index }: { segment: string; index: number }) => ({ segment, index: index + offset });
}
