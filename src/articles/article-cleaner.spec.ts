import { cleanArticle, htmlToParagraphs } from './article-cleaner';

describe('cleanArticle', () => {
  it('drops the share-bar line and keeps the story', () => {
    const c = cleanArticle({
      text: 'The council voted 7-2 on Tuesday.\n\nPlease follow us on Gab, Telegram and Truth Social!\n\nThe plan starts in May.',
    });
    expect(c.text).toBe('The council voted 7-2 on Tuesday.\n\nThe plan starts in May.');
    expect(c.lead).toBe('The council voted 7-2 on Tuesday.');
  });

  it('turns HTML into paragraphs, decoding entities and dropping scripts and boilerplate', () => {
    const html =
      '<article><h1>Title</h1><p>First &amp; foremost, &quot;quotes&quot; stay.</p><script>x()</script>' +
      '<p>Share this article</p><p>Second<br>line &#8212; dash</p><p>Related: other story</p></article>';
    expect(htmlToParagraphs(html)).toEqual(['Title', 'First & foremost, "quotes" stay.', 'Second', 'line — dash']);
  });

  it('keeps non-English text as it is', () => {
    expect(cleanArticle({ text: 'Der Rat hat am Dienstag abgestimmt.\n\nБюджет принят.' }).text).toBe(
      'Der Rat hat am Dienstag abgestimmt.\n\nБюджет принят.',
    );
  });
});
