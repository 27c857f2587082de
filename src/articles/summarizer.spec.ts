import { NEWS_PAGE, NEWS_PAGE_STORY } from '../../test/fixtures/articles';
import { countCodePoints, countGraphemes } from '../platforms/counting';
import { splitSentences } from './sentences';
import { bestSummary, givenSummary, prepareSummary } from './summarizer';

const story = NEWS_PAGE_STORY.join('\n\n');
const doc = prepareSummary(NEWS_PAGE.title, story);
const sentences = NEWS_PAGE_STORY.flatMap((p) => splitSentences(p));
const len = (s: string) => s.length;

describe('splitSentences', () => {
  it('does not end a sentence at abbreviations or initials, and keeps quotes with their sentence', () => {
    expect(
      splitSentences(
        'Mr. Smith met Dr. Lee of the U.S. Transit Institute on Jan. 5 in St. Louis. “We agree,” they said. Then A. Müller left.',
      ),
    ).toEqual([
      'Mr. Smith met Dr. Lee of the U.S. Transit Institute on Jan. 5 in St. Louis.',
      '“We agree,” they said.',
      'Then A. Müller left.',
    ]);
  });

  it('splits Chinese and Japanese at their own full stops', () => {
    expect(splitSentences('市议会通过了预算。辩论持续到午夜！费用是多少？')).toEqual([
      '市议会通过了预算。',
      '辩论持续到午夜！',
      '费用是多少？',
    ]);
    expect(splitSentences('予算が承認された。会議は深夜まで続いた。')).toEqual([
      '予算が承認された。',
      '会議は深夜まで続いた。',
    ]);
  });
});

describe('prepareSummary ranking', () => {
  it('puts the lead first: it opens the story and overlaps the title most', () => {
    expect(doc.ranked[0].text).toBe(sentences[0]);
  });

  it('ranks every sentence of the story, prose only', () => {
    expect(doc.ranked.map((s) => s.text).sort()).toEqual([...sentences].sort());
    const withHeading = prepareSummary('T', 'Budget 2027\n\nThe council approved the budget on Tuesday night.');
    expect(withHeading.ranked.map((s) => s.text)).toEqual(['The council approved the budget on Tuesday night.']);
  });

  it('ranks a central sentence above a late aside', () => {
    const order = doc.ranked.map((s) => s.text);
    const transit = order.indexOf(sentences.find((s) => s.startsWith('The budget raises'))!);
    const review = order.indexOf(sentences.find((s) => s.startsWith('A first review'))!);
    expect(transit).toBeLessThan(review);
  });
});

describe('bestSummary budget fitting', () => {
  it('fits every budget with whole sentences, in article order, never over the budget', () => {
    const shortest = Math.min(...sentences.map(len));
    for (let budget = shortest; budget <= story.length + 10; budget += 13) {
      const pick = bestSummary(doc, { maxSentences: 4, budget, measure: len });
      expect(pick.text.length).toBeLessThanOrEqual(budget);
      expect(pick.cut).toBe(false);
      const parts = splitSentences(pick.text);
      for (const p of parts) expect(sentences).toContain(p);
      const positions = parts.map((p) => sentences.indexOf(p));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });

  it('uses the room: more budget never gives fewer sentences, up to maxSentences', () => {
    let previous = 0;
    for (const budget of [120, 250, 400, 600, 900, 2000]) {
      const pick = bestSummary(doc, { maxSentences: 3, budget, measure: len });
      expect(pick.sentences).toBeGreaterThanOrEqual(previous);
      expect(pick.sentences).toBeLessThanOrEqual(3);
      previous = pick.sentences;
    }
    expect(previous).toBe(3);
  });

  it('cuts inside a sentence only when not one sentence fits, with an ellipsis at a word boundary', () => {
    // The shortest sentence ("The new spending starts in May.") has 31 characters.
    expect(bestSummary(doc, { maxSentences: 2, budget: 31, measure: len })).toMatchObject({
      text: 'The new spending starts in May.',
      cut: false,
    });
    const pick = bestSummary(doc, { maxSentences: 2, budget: 30, measure: len });
    expect(pick.cut).toBe(true);
    expect(pick.text.length).toBeLessThanOrEqual(30);
    expect(pick.text).toMatch(/^The city council approved the\S*…$/);
  });

  it('looks beyond the best-ranked candidates for a whole sentence before cutting one', () => {
    const long = Array.from(
      { length: 14 },
      (_, i) =>
        `Council member number ${i + 1} spoke at great length about the budget and its many consequences for the city.`,
    );
    const many = prepareSummary('Budget', [...long, 'The budget finally passed.'].join(' '));
    expect(bestSummary(many, { maxSentences: 1, budget: 30, measure: len })).toEqual({
      text: 'The budget finally passed.',
      sentences: 1,
      cut: false,
    });
  });

  it('counts with the given measure (graphemes, code points) and honours an exact fits() check', () => {
    const emoji = prepareSummary(
      'Fête',
      'La fête 🎉👨‍👩‍👧 a duré toute la nuit. Le maire a remercié les bénévoles du quartier.',
    );
    const pick = bestSummary(emoji, { maxSentences: 2, budget: 40, measure: countGraphemes });
    expect(countGraphemes(pick.text)).toBeLessThanOrEqual(40);
    const exact = bestSummary(emoji, {
      maxSentences: 2,
      budget: 1000,
      measure: countCodePoints,
      fits: (s) => !s.includes('🎉'),
    });
    expect(exact.text).toBe('Le maire a remercié les bénévoles du quartier.');
  });

  it('returns nothing for an article without sentences', () => {
    expect(bestSummary(prepareSummary('T', ''), { maxSentences: 3, budget: 100, measure: len })).toEqual({
      text: '',
      sentences: 0,
      cut: false,
    });
  });
});

describe('givenSummary (an LLM answer)', () => {
  it('shrinks from its end by whole sentences', () => {
    const given = givenSummary('First point here. Second point here. Third point here.');
    expect(bestSummary(given, { maxSentences: 3, budget: 40, measure: len }).text).toBe(
      'First point here. Second point here.',
    );
    expect(bestSummary(given, { maxSentences: 3, budget: 1000, measure: len }).sentences).toBe(3);
    expect(bestSummary(given, { maxSentences: 1, budget: 1000, measure: len }).text).toBe('First point here.');
  });
});
