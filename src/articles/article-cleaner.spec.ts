import { CHINESE, GERMAN, NEWS_PAGE, NEWS_PAGE_STORY, RUSSIAN, WORDPRESS_FRAGMENT } from '../../test/fixtures/articles';
import { cleanArticle, htmlToParagraphs, textToParagraphs } from './article-cleaner';
import { isBoilerplate, isByline, isImageCredit, isSocialList } from './boilerplate';

describe('cleanArticle on real-world-shaped articles', () => {
  it('extracts exactly the story from a full news page', () => {
    const c = cleanArticle(NEWS_PAGE);
    // No navigation, byline, dateline, photo credit, share bar, embedded tweet, newsletter box, related link,
    // follow prompt, social handle list, sidebar or footer; quotes and abbreviations as written.
    expect(c.paragraphs).toEqual(NEWS_PAGE_STORY);
    expect(c.lead).toBe(NEWS_PAGE_STORY[0]);
    expect(c.text).toBe(NEWS_PAGE_STORY.join('\n\n'));
    expect(c.lang).toBe('en');
  });

  it('cleans a WordPress fragment: byline, share block, related posts, "Like this:" gone, pull quote kept', () => {
    expect(cleanArticle(WORDPRESS_FRAGMENT).paragraphs).toEqual([
      'The harbour reopened to ships on Monday, three weeks after the storm tore through its northern pier.',
      '“We worked around the clock to get here,” said harbour master Ines Costa.',
      'Repairs cost about 4.2 million euros, most of it covered by insurance, the port authority said.',
    ]);
  });

  it('keeps German as it is, dropping its byline, credit and follow prompt, and reports the language', () => {
    const c = cleanArticle(GERMAN);
    expect(c.paragraphs).toEqual([
      'Der Stadtrat hat am Dienstag den Haushalt für 2027 mit 7 zu 2 Stimmen beschlossen. Die Sitzung dauerte bis nach Mitternacht.',
      '„Es war eine lange Nacht“, sagte Bürgermeisterin A. Müller. Die Ausgaben für den Nahverkehr steigen um 12 Prozent.',
    ]);
    expect(c.lang).toBe('de');
  });

  it('keeps Chinese and Russian text, dropping their prompts and "read also" lines', () => {
    expect(cleanArticle(CHINESE).paragraphs).toEqual([
      '市议会周二以七票对两票通过了2027年预算。辩论一直持续到午夜之后。',
      '预算将公共交通支出提高百分之十二，并连续第二年冻结房产税。',
    ]);
    expect(cleanArticle(RUSSIAN).paragraphs).toEqual([
      'Городской совет во вторник утвердил бюджет на 2027 год семью голосами против двух.',
      'Расходы на общественный транспорт вырастут на 12 процентов, сообщила мэр.',
    ]);
  });

  it('drops the share-bar line in plain text and a prompt trailing a paragraph', () => {
    const c = cleanArticle({
      text: 'The council voted 7-2 on Tuesday. Please follow us on Gab!\n\nPlease follow us on Gab, Telegram and Truth Social!\n\nThe plan starts in May.',
    });
    expect(c.text).toBe('The council voted 7-2 on Tuesday.\n\nThe plan starts in May.');
  });

  it('decodes entities, drops scripts and the repeated title, keeps quotes intact', () => {
    const html =
      '<h1>Title</h1><p>First &amp; foremost, &quot;quotes&quot; stay &laquo;intact&raquo;.</p><script>x()</script>' +
      '<p>Share this article</p><p>Second<br>line &#8212; dash</p><p>Related: other story</p>';
    expect(cleanArticle({ html, title: 'Title' }).paragraphs).toEqual([
      'First & foremost, "quotes" stay «intact».',
      'Second',
      'line — dash',
    ]);
    expect(htmlToParagraphs(html)[0]).toBe('Title');
  });

  it('drops embedded tweets and Instagram posts but keeps ordinary blockquotes', () => {
    const html =
      '<p>The mayor spoke after the vote, in front of a packed chamber and a crowd outside the hall.</p>' +
      '<blockquote class="instagram-media"><a>View this post on Instagram</a><p>A post shared by City (@city)</p></blockquote>' +
      '<blockquote><p>“This budget is for everyone,” she said.</p></blockquote>';
    expect(htmlToParagraphs(html)).toEqual([
      'The mayor spoke after the vote, in front of a packed chamber and a crowd outside the hall.',
      '“This budget is for everyone,” she said.',
    ]);
    expect(
      textToParagraphs(
        'Big vote tonight! pic.twitter.com/AbC123\n— Ana Ruiz (@MayorRuiz) November 26, 2026\nThe vote was close.',
      ),
    ).toEqual(['The vote was close.']);
  });

  it('returns nothing for an empty body', () => {
    expect(cleanArticle({ html: '' })).toMatchObject({ text: '', lead: '', paragraphs: [] });
    expect(cleanArticle({ text: '   \n\n' }).text).toBe('');
  });
});

describe('boilerplate rules stay narrow', () => {
  it.each([
    'By the end of May, the works will start.',
    'Share prices fell 3 percent on Monday.',
    'Follow-up talks are set for June.',
    'Photographers were kept outside the chamber.',
    'Like many cities, Springfield faces a deficit.',
    'Related costs rose by 4 percent.',
  ])('keeps %p', (p) => expect(isBoilerplate(p)).toBe(false));

  it.each([
    'By Jane Doe, Staff Writer',
    'By JANE DOE | Reuters',
    'By Jane Doe and John Roe',
    'Von Anna Müller',
    'Por Juan Pérez',
  ])('recognises the byline %p', (p) => expect(isByline(p)).toBe(true));

  it.each([
    'Photo: Reuters/John Smith',
    '(AP Photo/Jane Doe)',
    'Image credit: Getty Images',
    'Foto: dpa',
    'Photo by Jo Kim on Unsplash',
  ])('recognises the image credit %p', (p) => expect(isImageCredit(p)).toBe(true));

  it.each([
    'Facebook | Twitter | Telegram | @NewsExample',
    'Follow us: Gab · Truth Social · GETTR',
    'Find us on Telegram and Rumble',
  ])('recognises the social list %p', (p) => expect(isSocialList(p)).toBe(true));

  it('does not take a sentence naming networks for a social list', () => {
    expect(isSocialList('Telegram and Gab both refused to comment on the ruling.')).toBe(false);
  });
});
