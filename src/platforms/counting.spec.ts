import {
  countCodePoints,
  countGraphemes,
  countGraphemesUrl23,
  countTelegram,
  countTruthSocial,
  escapeTelegramHtml,
  findUrls,
  telegramVisibleText,
} from './counting';

const LONG = 'https://example.com/a/very/long/path/that/goes/on/and/on?with=query&and=more';

describe('findUrls', () => {
  it.each([
    ['see https://a.example/x.', ['https://a.example/x']],
    ['(see https://a.example/x)', ['https://a.example/x']],
    ['wiki https://en.wikipedia.org/wiki/Foo_(bar) ok', ['https://en.wikipedia.org/wiki/Foo_(bar)']],
    ['two: http://a.io, https://b.io/?q=1!', ['http://a.io', 'https://b.io/?q=1']],
    ['"https://q.example/path"', ['https://q.example/path']],
    ['no scheme example.com or ftp://x.y', []],
    ['bare http:// alone', []],
    ['HTTPS://UPPER.example/X', ['HTTPS://UPPER.example/X']],
  ])('%j', (text, urls) => {
    expect(findUrls(text).map((m) => m.url)).toEqual(urls);
  });
});

describe('countGraphemes / countCodePoints', () => {
  it('counts a family emoji as one grapheme but several code points', () => {
    const family = '👨‍👩‍👧‍👦';
    expect(countGraphemes(family)).toBe(1);
    expect(countCodePoints(family)).toBe(7);
  });

  it('counts combining marks with their base letter', () => {
    expect(countGraphemes('e\u0301')).toBe(1);
    expect(countCodePoints('e\u0301')).toBe(2);
  });
});

describe('countGraphemesUrl23 (mastodon, gab)', () => {
  it.each([
    ['hello', 5],
    ['', 0],
    [LONG, 23],
    ['https://t.co', 23],
    [`read ${LONG}.`, 5 + 23 + 1],
    [`a ${LONG} b ${LONG}`, 2 + 23 + 3 + 23],
    ['🇫🇷 flag', 6],
    ['hi @alice@mastodon.social!', 3 + 6 + 1],
    ['mail bob@example.com', 20],
  ])('%j → %i', (text, n) => {
    expect(countGraphemesUrl23(text)).toBe(n);
  });
});

describe('countTruthSocial', () => {
  it('counts a long URL with its preceding space as 24', () => {
    expect(countTruthSocial(`news ${LONG}`)).toBe(4 + 24);
  });

  it('counts a short URL and its preceding char at real length', () => {
    expect(countTruthSocial('go https://a.io')).toBe('go https://a.io'.length);
  });

  it('counts a URL at the very start alone', () => {
    expect(countTruthSocial(LONG)).toBe(24);
    expect(countTruthSocial('https://a.io')).toBe(12);
  });

  it('keeps trailing punctuation outside the URL', () => {
    expect(countTruthSocial(`x ${LONG}.`)).toBe(1 + 24 + 1);
  });

  it('does not absorb a line break before the URL', () => {
    expect(countTruthSocial(`a\n${LONG}`)).toBe(1 + 1 + 24);
  });

  it('treats an emoji before the URL as one preceding character', () => {
    expect(countTruthSocial(`a😀${LONG}`)).toBe(1 + 24);
  });
});

describe('telegram', () => {
  it('drops tags and decodes entities', () => {
    expect(
      telegramVisibleText('<b>Hi</b> &lt;3 &amp; &quot;x&quot; &#8364; &#x1F600; <a href="https://a.b">link</a>'),
    ).toBe('Hi <3 & "x" € 😀 link');
  });

  it('leaves unknown named entities as typed', () => {
    expect(telegramVisibleText('a &nbsp; b')).toBe('a &nbsp; b');
  });

  it('counts code points, not UTF-16 units', () => {
    expect(countTelegram('😀'.repeat(4096))).toBe(4096);
    expect(countTelegram('<i>ab</i>&amp;')).toBe(3);
  });

  it('escapes only < > &', () => {
    expect(escapeTelegramHtml(`a<b>&"c'`)).toBe(`a&lt;b&gt;&amp;"c'`);
    expect(countTelegram(escapeTelegramHtml('<tag> & co'))).toBe('<tag> & co'.length);
  });
});

describe('countGraphemes agrees with Intl.Segmenter', () => {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const reference = (t: string) => [...segmenter.segment(t)].length;
  // Pieces that join their neighbours in every way the grapheme rules allow, plus plain text.
  const pieces = [
    'a',
    'e',
    '1',
    ' ',
    '\r',
    '\n',
    '\r\n',
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
    '한',
    '\u1100',
    '\u1161',
    '議',
    'é',
    'ñ',
    'क',
    '\u093f',
    '\u094d',
    'https://a.example/x',
  ];
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

  it('on 5000 random mixes of joining characters', () => {
    for (let i = 0; i < 5000; i++) {
      const len = 1 + Math.floor(random() * 12);
      const t = Array.from({ length: len }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      expect([t, countGraphemes(t)]).toEqual([t, reference(t)]);
    }
  });

  it.each(['', 'plain ascii', 'e\u0301', '1\ufe0f\u20e3', '\u0600a\u0301', 'a\r\nb', '👨‍👩‍👧', '🇩🇪🇫🇷', '議会は予算'])(
    '%j',
    (t) => {
      expect(countGraphemes(t)).toBe(reference(t));
    },
  );
});

describe('countGraphemes on long runs of non-ASCII text', () => {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const reference = (t: string) => [...segmenter.segment(t)].length;
  const tricky = [
    '👨‍👩‍👧‍👦',
    '🏳️‍🌈',
    '🇩🇪🇫🇷🇮🇹',
    'e\u0301\u0302\u0323',
    '👍🏽',
    '1\ufe0f\u20e3',
    '\u1100\u1161\u11a8',
    'क\u094d\u0937\u093f',
    '\u0600\u0661',
    '\u200d\u0301',
  ];

  // Segmented in windows (common/segments.ts): clusters are laid across every window edge a short text reaches
  // (counting's 256 and the default 2,000), after fillers of one and two UTF-16 units so edges fall inside pairs.
  it.each(['議', '😀', 'é'])('agrees with Intl.Segmenter on clusters across window edges, after %j', (filler) => {
    for (const edge of [256, 512, 768, 2000, 4000]) {
      for (const seq of tricky) {
        for (let shift = 0; shift <= seq.length + 1; shift++) {
          const before = Math.floor((edge - shift) / filler.length);
          const t = filler.repeat(before) + seq + filler.repeat(40);
          // Fillers never join one another, so all but the last count one each; the rest is checked in one pass.
          expect([edge, seq, shift, countGraphemes(t)]).toEqual([
            edge,
            seq,
            shift,
            before - 1 + reference(t.slice((before - 1) * filler.length)),
          ]);
        }
      }
    }
  });

  it('agrees with Intl.Segmenter on long runs of regional indicators (pairs counted from the run start)', () => {
    for (const n of [255, 256, 257, 511, 512, 513, 1999, 2000, 2001]) {
      const t = 'x' + '🇩'.repeat(n) + ' ' + '🇪'.repeat(n);
      expect([n, countGraphemes(t)]).toEqual([n, reference(t)]);
    }
  });

  it('counts 500 KB of Japanese or emoji in linear time', () => {
    const texts = [
      '議会は予算案を可決した。'.repeat(42_000),
      '👨‍👩‍👧🇫🇷é😀👍🏽'.repeat(27_000),
      '東京'.repeat(125_000) + '👍',
    ];
    for (const t of texts) {
      const started = performance.now();
      const n = countGraphemes(t);
      const ms = performance.now() - started;
      expect(n).toBeGreaterThan(100_000);
      // The whole-run segmenter took 89 s for 100,000 Japanese characters; windows take ~0.3 s for 500,000.
      expect(ms).toBeLessThan(3000);
    }
  }, 60_000);
});
