import { getAdapter } from '../platforms/platform.registry';
import { ArticleComposer } from './article-composer';
import { planThread, splitThread, THREAD_MAX_PARTS, threadSentences } from './thread';

const mastodon = getAdapter('mastodon');
const truthsocial = getAdapter('truthsocial');
const x = getAdapter('x');
const telegram = getAdapter('telegram');
const small = (n: number) => ({ maxCharacters: n });

/** "… (k/N)" → [k, N]. */
const numberOf = (part: string) => (/ \((\d+)\/(\d+)\)$/.exec(part) ?? []).slice(1).map(Number);

function sentencesOf(n: number, make: (i: number) => string): string[] {
  return Array.from({ length: n }, (_, i) => make(i + 1));
}

describe('splitThread', () => {
  const measure = (t: string) => mastodon.measure(t);

  it('packs whole sentences, numbers every part " (k/N)", each within the limit counting the numbering', () => {
    const sentences = sentencesOf(12, (i) => `Sentence number ${i} says something about the council budget.`);
    const r = splitThread(sentences, { measure, limit: 140, maxParts: 10 });
    expect(r.total).toBe(r.parts.length);
    expect(r.parts.length).toBeGreaterThan(1);
    r.parts.forEach((p, j) => {
      expect(measure(p)).toBeLessThanOrEqual(140);
      expect(numberOf(p)).toEqual([j + 1, r.total]);
    });
    // Sentence boundaries: no sentence is split, none lost, order kept.
    const joined = r.parts.map((p) => p.replace(/ \(\d+\/\d+\)$/, '')).join(' ');
    expect(joined).toBe(sentences.join(' '));
    expect(r.dropped).toBe(0);
    expect(r.cut).toBe(0);
  });

  it('counts the numbering exactly: a part filled to the limit with " (k/N)" included still fits, one more does not', () => {
    // 2 sentences of 47 graphemes: "s1 s2 (1/1)" is 47 + 1 + 47 + 6 = 101.
    const s = 'a'.repeat(46) + '.';
    expect(splitThread([s, s], { measure, limit: 101, maxParts: 10 }).parts).toEqual([`${s} ${s} (1/1)`]);
    const two = splitThread([s, s], { measure, limit: 100, maxParts: 10 });
    expect(two.parts).toEqual([`${s} (1/2)`, `${s} (2/2)`]);
  });

  it('counts with the platform rule: emoji and CJK as graphemes, URLs as 23 (mastodon), 24 with the space (truthsocial)', () => {
    const emoji = '👩‍👩‍👧‍👦'.repeat(10) + '。';
    const cjk = '議会は予算案を可決した。'.repeat(3);
    const url = `Read https://example.com/${'x'.repeat(200)} now.`;
    for (const adapter of [mastodon, truthsocial]) {
      const r = splitThread([emoji, cjk, url, emoji], { measure: (t) => adapter.measure(t), limit: 60, maxParts: 10 });
      expect(r.cut).toBe(0);
      for (const p of r.parts) expect(adapter.measure(p)).toBeLessThanOrEqual(60);
      // The URL sentence is 215+ code units but fits as the platform counts it.
      expect(r.parts.some((p) => p.includes('https://example.com/'))).toBe(true);
    }
    // 11 graphemes of emoji + " (1/4)": far below the limit although it is 111 UTF-16 units.
    expect(mastodon.measure(`${emoji} (1/4)`)).toBe(17);
  });

  it('cuts a sentence longer than one part at a word boundary, with a count of cut sentences', () => {
    const long = sentencesOf(40, (i) => `word${i}`).join(' ') + '.';
    const r = splitThread(['Short one.', long, 'Last one.'], { measure, limit: 80, maxParts: 10 });
    expect(r.cut).toBe(1);
    const cut = r.parts[1];
    expect(cut).toMatch(/^word1 word2 .*word\d+… \(2\/3\)$/);
    expect(measure(cut)).toBeLessThanOrEqual(80);
    expect(r.parts).toHaveLength(3);
  });

  it('stops at the cap and says how many sentences were left out', () => {
    const sentences = sentencesOf(30, (i) => `This is sentence ${i} of a very long article.`);
    const r = splitThread(sentences, { measure, limit: 60, maxParts: 5 });
    expect(r.parts).toHaveLength(5);
    expect(numberOf(r.parts[4])).toEqual([5, 5]);
    expect(r.dropped).toBe(25);
  });

  it('widens the numbering for 10 parts ("(10/10)") and offsets it after part 1', () => {
    const sentences = sentencesOf(9, (i) => `Sentence ${i} is here.`);
    const r = splitThread(sentences, { measure, limit: 30, maxParts: 9, before: 1 });
    expect(r.total).toBe(10);
    expect(r.parts[0]).toBe('Sentence 1 is here. (2/10)');
    expect(r.parts[8]).toBe('Sentence 9 is here. (10/10)');
    for (const p of r.parts) expect(measure(p)).toBeLessThanOrEqual(30);
  });
});

describe('threadSentences', () => {
  it('splits paragraphs and sentences, keeping abbreviations together', () => {
    expect(threadSentences('Mr. Smith voted. It passed!\n\nThe plan starts in May.')).toEqual([
      'Mr. Smith voted.',
      'It passed!',
      'The plan starts in May.',
    ]);
  });
});

describe('planThread and the composer', () => {
  const body = sentencesOf(
    14,
    (i) => `In paragraph ${i} the council discussed the budget for the coming year at length.`,
  ).join('\n\n');
  const article = {
    url: 'https://news.example/a',
    title: 'Council approves the budget',
    text: body,
    lead: 'x',
    imageUrl: null,
    tags: ['budget'],
  };

  it('is null when the text fits one post, or for a platform that cannot thread', () => {
    expect(planThread({ ...article, text: 'One short sentence.' }, mastodon, null)).toBeNull();
    expect(planThread(article, telegram, null)).toBeNull();
    expect(planThread(article, x, null)).not.toBeNull();
    expect(planThread(article, mastodon, null)).not.toBeNull();
  });

  it('composes part 1 as the ordinary post, then the text in numbered parts, all within the instance limit', async () => {
    const [c] = await new ArticleComposer(null).compose(article, [
      { adapter: mastodon, remote: small(200), thread: true },
    ]);
    const parts = c.parts!;
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.length).toBeLessThanOrEqual(THREAD_MAX_PARTS);
    expect(c.text).toBe(parts[0].text);
    expect(parts[0].text).toContain('https://news.example/a');
    parts.forEach((p, j) => {
      expect(p.length).toBe(mastodon.measure(p.text));
      expect(p.length).toBeLessThanOrEqual(200);
      expect(numberOf(p.text)).toEqual([j + 1, parts.length]);
    });
    expect(parts[1].text.startsWith('In paragraph 1 the council')).toBe(true);
  });

  it('caps a very long article at 10 parts with a warning', async () => {
    const [c] = await new ArticleComposer(null).compose(article, [
      { adapter: mastodon, remote: small(100), thread: true },
    ]);
    expect(c.parts).toHaveLength(THREAD_MAX_PARTS);
    expect(numberOf(c.parts![9].text)).toEqual([10, 10]);
    expect(c.warnings.some((w) => /^thread capped at 10 parts: \d+ sentence\(s\) left out$/.test(w))).toBe(true);
    for (const p of c.parts!) expect(p.length).toBeLessThanOrEqual(100);
  });

  it('without thread (or with a short text) composes one post, without parts', async () => {
    const [plain] = await new ArticleComposer(null).compose(article, [{ adapter: mastodon, remote: small(200) }]);
    expect(plain.parts).toBeUndefined();
    const [short] = await new ArticleComposer(null).compose({ ...article, text: 'Short.' }, [
      { adapter: mastodon, remote: small(200), thread: true },
    ]);
    expect(short.parts).toBeUndefined();
    expect(short.text).not.toMatch(/\(\d+\/\d+\)$/);
  });
});
