import { NEWS_PAGE } from '../../test/fixtures/articles';
import { escapeTelegramHtml, telegramVisibleText } from '../platforms/counting';
import { ADAPTERS, getAdapter } from '../platforms/platform.registry';
import { cleanArticle } from './article-cleaner';
import { ComposeInput, composeArticle } from './composer';
import { splitSentences } from './sentences';

const longUrl = `https://news.example.com/2026/11/27/${'very-long-slug-'.repeat(12)}?utm_source=feed&utm_medium=social&id=(42)`;

/** Bodies whose length differs most between counting rules: emoji (ZWJ, flags, skin tones), CJK, combining marks. */
const BODIES: Record<string, string> = {
  emoji:
    'Fans celebrated all night 🎉🎉 with families 👨‍👩‍👧‍👦 and flags 🇩🇪🇫🇷 waving. The mayor 👋🏽 thanked everyone at dawn. Cleanup 🧹 starts Monday morning in every district.',
  cjk: '市议会周二以七票对两票通过了2027年预算。辩论一直持续到午夜之后，议员们争论了公共交通的资金问题。预算将公共交通支出提高百分之十二，并连续第二年冻结房产税。',
  combining:
    'Cafe\u0301 owners in Zu\u0308rich welcomed the decision. Die Bu\u0308rgermeisterin sprach von einem guten Tag fu\u0308r die Stadt. Arabic: قرر المجلس الموافقة على الميزانية.',
  urls: 'Read the full budget at https://city.example/budget-2027.pdf (PDF). The vote record is at https://city.example/votes?id=7&session=late. Questions go to https://city.example/contact.',
};

function article(body: string, over: Partial<ComposeInput> = {}): ComposeInput {
  const clean = cleanArticle({ text: body });
  return {
    url: longUrl,
    title: `Council approves the budget 🎉 市议会 & <friends>`,
    text: clean.text,
    lead: clean.lead,
    imageUrl: null,
    tags: ['city council', 'budget', '预算', 'Public Transport'],
    ...over,
  };
}

describe('the length engine on every platform', () => {
  const remotes = [null, { maxCharacters: 180 }];
  for (const adapter of ADAPTERS) {
    for (const [name, body] of Object.entries(BODIES)) {
      it(`${adapter.id}: ${name} text fits as ${adapter.id} counts it, with the link, with and without image`, () => {
        for (const imageUrl of [null, 'https://news.example/a.jpg']) {
          for (const remote of remotes) {
            const c = composeArticle(article(body, { imageUrl }), adapter, remote);
            expect(c.length).toBe(adapter.measure(c.text));
            expect(c.length).toBeLessThanOrEqual(c.limit);
            expect(c.limit).toBe(imageUrl && adapter.id === 'telegram' ? 1024 : adapter.limits(remote).maxLength);
            expect(c.text).toContain(adapter.id === 'telegram' ? escapeTelegramHtml(longUrl) : longUrl);
            expect(c.warnings.filter((w) => w.startsWith('even the link'))).toEqual([]);
          }
        }
      });
    }
  }

  it('counts a long URL as 23 on X and the Mastodon family, so the hook keeps its room', () => {
    const x = composeArticle(article(BODIES.urls), getAdapter('x'), null);
    expect(x.text.length - x.length).toBeGreaterThan(longUrl.length - 30);
    expect(x.length).toBeLessThanOrEqual(280);
    const gab = composeArticle(article(BODIES.urls), getAdapter('gab'), { maxCharacters: 120 });
    expect(gab.text.length).toBeGreaterThan(200);
    expect(gab.length).toBeLessThanOrEqual(120);
  });

  it('weighs CJK double on X: fewer characters fit than on Mastodon', () => {
    const x = composeArticle(article(BODIES.cjk, { tags: [] }), getAdapter('x'), null);
    const m = composeArticle(article(BODIES.cjk, { tags: [] }), getAdapter('mastodon'), null);
    expect(x.length).toBeLessThanOrEqual(280);
    expect([...x.text].length).toBeLessThan([...m.text].length + 1);
  });
});

describe('what gives way when room runs out', () => {
  const story = cleanArticle(NEWS_PAGE);
  const news: ComposeInput = {
    url: 'https://n.example/a',
    title: NEWS_PAGE.title,
    text: story.text,
    lead: story.lead,
    imageUrl: null,
    tags: NEWS_PAGE.tags,
  };
  const mastodon = getAdapter('mastodon');
  const telegram = getAdapter('telegram');

  it('keeps everything when there is room: hook sentence, link, hashtags', () => {
    const c = composeArticle(news, mastodon, null);
    expect(c.text).toBe(`${story.paragraphs[0]}\n\nhttps://n.example/a\n\n#CityCouncil #Budget2027 #PublicTransport`);
    expect(c.warnings).toEqual([]);
  });

  it('drops hashtags first, naming them', () => {
    const c = composeArticle(news, mastodon, { maxCharacters: 160 });
    expect(c.text).toBe(`${story.paragraphs[0]}\n\nhttps://n.example/a\n\n#CityCouncil #Budget2027`);
    expect(c.warnings).toEqual(['hashtags dropped: #PublicTransport']);
    expect(c.length).toBe(160);
  });

  it('then picks fewer or shorter whole sentences, then cuts the one sentence only when none fits', () => {
    const shorter = composeArticle(news, mastodon, { maxCharacters: 80 });
    expect(shorter.text).toBe('The new spending starts in May.\n\nhttps://n.example/a\n\n#CityCouncil');
    const cut = composeArticle(news, mastodon, { maxCharacters: 50 });
    expect(cut.text).toBe('The city council…\n\nhttps://n.example/a');
    expect(cut.warnings).toEqual([
      'summary cut inside a sentence',
      'hashtags dropped: #CityCouncil #Budget2027 #PublicTransport',
    ]);
    expect(cut.length).toBeLessThanOrEqual(50);
  });

  it('on Telegram: bold escaped title, two to four sentences, link; the caption limit shrinks the summary by sentences', () => {
    const c = composeArticle({ ...news, title: 'Budget <approved> & signed' }, telegram, null);
    expect(c.text.startsWith('<b>Budget &lt;approved&gt; &amp; signed</b>\n\n')).toBe(true);
    expect(c.text).toContain('\n\nhttps://n.example/a\n\n#CityCouncil');
    const sentences = splitSentences(c.text.split('\n\n')[1]);
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    expect(sentences.length).toBeLessThanOrEqual(4);

    const long = {
      ...news,
      text: story.paragraphs
        .map((p) => `${p} ${'Officials repeated the figures at length for the record. '.repeat(3)}`)
        .join('\n\n'),
      imageUrl: 'https://n.example/i.jpg',
    };
    const caption = composeArticle(long, telegram, null);
    expect(caption.limit).toBe(1024);
    expect(caption.length).toBeLessThanOrEqual(1024);
    expect(caption.length).toBe(telegramVisibleText(caption.text).length);
  });

  it('then shortens the title, keeping one whole sentence', () => {
    const title = 'Council approves the 2027 budget after a night of debate '.repeat(20).trim();
    const c = composeArticle({ ...news, title, tags: [], imageUrl: 'https://n.example/i.jpg' }, telegram, null);
    expect(c.warnings).toContain('title shortened to fit');
    expect(c.text).toMatch(/^<b>Council approves.*…<\/b>\n\n/);
    expect(c.text).toContain(story.paragraphs[0]);
    expect(c.length).toBeLessThanOrEqual(1024);
    const word = composeArticle({ ...news, text: '', title: 'x'.repeat(400), tags: [] }, mastodon, {
      maxCharacters: 100,
    });
    expect(word.warnings).toEqual(['title cut inside a word']);
    expect(word.length).toBeLessThanOrEqual(100);
  });
});

describe('templates and defaults', () => {
  const base: ComposeInput = {
    url: 'https://n.example/b',
    title: 'Harbour reopens',
    text: 'The harbour reopened on Monday after storm repairs. Ships queued all morning.',
    lead: '',
    imageUrl: null,
    tags: ['harbour'],
  };

  it('uses the title in place of the summary when an article has no body', () => {
    expect(composeArticle({ ...base, text: '' }, getAdapter('x'), null).text).toBe(
      'Harbour reopens\n\nhttps://n.example/b\n\n#harbour',
    );
    expect(composeArticle({ ...base, text: '' }, getAdapter('telegram'), null).text).toBe(
      '<b>Harbour reopens</b>\n\nhttps://n.example/b\n\n#harbour',
    );
  });

  it('gives video platforms title and description (Rumble sends its title separately)', () => {
    expect(composeArticle(base, getAdapter('gabtv'), null).text).toBe(
      `Harbour reopens\n\n${base.text}\n\nhttps://n.example/b\n\n#harbour`,
    );
    expect(composeArticle(base, getAdapter('rumble'), null).text).toBe(
      `${base.text}\n\nhttps://n.example/b\n\n#harbour`,
    );
  });

  it('follows a given template', () => {
    const c = composeArticle(base, getAdapter('facebook'), null, { template: '📰 {title}: {summary}\nMore: {url}' });
    expect(c.text).toBe(`📰 Harbour reopens: ${base.text}\nMore: https://n.example/b`);
  });
});
