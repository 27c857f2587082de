import { PLATFORM_IDS } from '../platforms/platform';
import { hashtagsFor, toHashtag } from './hashtags';
import { parseTemplate, renderTemplate, STYLES, templateProblem } from './templates';

const values = { title: 'T & <b>', summary: 'S.', url: 'https://a.example/?x=1&y=2', hashtags: '#a #b' };
const plain = (s: string) => s;
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('templates', () => {
  it('parses placeholders, literal text, newlines and doubled braces', () => {
    expect(parseTemplate('{{{title}}} — {url}\n{hashtags}')).toEqual([
      { kind: 'text', text: '{' },
      { kind: 'field', name: 'title' },
      { kind: 'text', text: '} — ' },
      { kind: 'field', name: 'url' },
      { kind: 'text', text: '\n' },
      { kind: 'field', name: 'hashtags' },
    ]);
  });

  it.each(
    [
      ['{title} {link}', 'unknown placeholder {link}'],
      ['{title}', 'must contain {url}'],
      ['{url} {title', 'unclosed "{"'],
      ['{url} }', 'stray "}"'],
      ['', 'non-empty'],
      ['{url}'.padEnd(2001, 'x'), 'longer than 2000'],
    ].map(([src, message]) => [message, src]),
  )('refuses a template: %s', (message, src) => {
    expect(templateProblem(src, false)).toContain(message);
  });

  it('checks Telegram templates as Telegram HTML', () => {
    expect(templateProblem('<b>{title}</b>\n{url}', true)).toBeNull();
    expect(templateProblem('<b>{title}\n{url}', true)).toContain('<b> open');
    expect(templateProblem('<h1>{title}</h1>{url}', true)).toContain('<h1>');
    expect(templateProblem('{title} & more {url}', true)).toContain('&amp;');
    expect(templateProblem('{title} &amp; more {url}', true)).toBeNull();
    // Elsewhere the same characters are just text.
    expect(templateProblem('{title} & <more> {url}', false)).toBeNull();
  });

  it('renders values escaped for the platform, literal text as written, and closes the gap of an empty value', () => {
    const parts = parseTemplate('<b>{title}</b>\n\n{summary}\n\n{url}\n\n{hashtags}');
    expect(renderTemplate(parts, values, escape, true)).toBe(
      '<b>T &amp; &lt;b&gt;</b>\n\nS.\n\nhttps://a.example/?x=1&amp;y=2\n\n#a #b',
    );
    expect(renderTemplate(parts, { ...values, title: '', summary: '', hashtags: '' }, escape, true)).toBe(
      'https://a.example/?x=1&amp;y=2',
    );
    expect(
      renderTemplate(parseTemplate('{summary} {hashtags}\n{url}'), { ...values, hashtags: '' }, plain, false),
    ).toBe('S.\nhttps://a.example/?x=1&y=2');
  });

  it('has a valid default for every platform, each with the link', () => {
    for (const id of PLATFORM_IDS)
      expect({ id, problem: templateProblem(STYLES[id].template, id === 'telegram') }).toEqual({ id, problem: null });
  });
});

describe('hashtags', () => {
  it.each([
    ['budget', '#budget'],
    ['city council', '#CityCouncil'],
    ['Public-Transport', '#PublicTransport'],
    ['#already', '#already'],
    ['COVID-19', '#COVID19'],
    ['café crème', '#CaféCrème'],
    ['市议会', '#市议会'],
    ['bürger_meister', '#bürger_meister'],
    ['2027', null],
    ['!!!', null],
    ['', null],
  ])('%p → %p', (tag, expected) => expect(toHashtag(tag)).toBe(expected));

  it('drops duplicates regardless of case, keeping the tags order', () => {
    expect(hashtagsFor(['Budget', 'budget', 'city council', 'City Council', '2027', 'taxes'])).toEqual([
      '#Budget',
      '#CityCouncil',
      '#taxes',
    ]);
  });
});
