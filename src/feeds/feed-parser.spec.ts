import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FeedParseError } from './feed-item';
import { parseFeed } from './feed-parser';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');

describe('parseFeed: RSS 2.0 as WordPress writes it', () => {
  const feed = parseFeed(fixture('wordpress-rss.xml'), 'https://valleyledger.example/feed/');
  const [budget, bridge, podcast] = feed.items;

  it('detects RSS and reads the channel title with its entities', () => {
    expect(feed.kind).toBe('rss');
    expect(feed.title).toBe('The Valley Ledger – Local news');
    expect(feed.items).toHaveLength(3);
  });

  it('decodes titles, strips tracking parameters from links, keeps the GUID as written', () => {
    expect(budget.title).toBe('Council’s budget: what “7-2” means for you');
    expect(budget.link).toBe('https://valleyledger.example/2026/11/24/council-budget/');
    expect(budget.guid).toBe('https://valleyledger.example/?p=4412');
    expect(budget.publishedAt?.toISOString()).toBe('2026-11-24T18:00:00.000Z');
  });

  it('prefers content:encoded (CDATA) over the description, and media:content for the image', () => {
    expect(budget.html).toContain(
      '<p>The council voted 7-2 on Tuesday to approve the budget &amp; the new bus lines.</p>',
    );
    expect(budget.html).not.toContain('appeared first on');
    expect(budget.imageUrl).toBe('https://valleyledger.example/wp-content/uploads/2026/11/council.jpg');
  });

  it('turns categories into tags: entities decoded, case-insensitive duplicates dropped', () => {
    expect(budget.tags).toEqual(['Politics', 'Budget & Finance']);
    expect(bridge.tags).toEqual(['Traffic']);
  });

  it('uses an image enclosure, never an audio one, and a permalink GUID as the link', () => {
    expect(bridge.imageUrl).toBe('https://valleyledger.example/wp-content/uploads/2026/11/bridge.png');
    expect(bridge.html).toBe('The old bridge closes on Monday.');
    expect(podcast.imageUrl).toBeNull();
    expect(podcast.link).toBe('https://valleyledger.example/podcast/12');
  });
});

describe('parseFeed: Atom', () => {
  const feed = parseFeed(fixture('atom.xml'), 'https://harbortimes.example/atom.xml');
  const [ferry, storm] = feed.items;

  it('detects Atom, resolves relative links and canonicalises them', () => {
    expect(feed.kind).toBe('atom');
    expect(feed.title).toBe('Harbor Times');
    expect(ferry.guid).toBe('tag:harbortimes.example,2026:post-981');
    expect(ferry.link).toBe('https://harbortimes.example/news/ferry-timetable?page=2');
    expect(storm.link).toBe('https://harbortimes.example/news/storm');
  });

  it('reads type="html" titles once-escaped and xhtml content as markup', () => {
    expect(ferry.title).toBe('Ferry & port: new timetable');
    expect(ferry.html).toContain('<p>The ferry runs <em>every 20 minutes</em> from Monday &amp; on weekends.</p>');
    expect(ferry.imageUrl).toBe('https://harbortimes.example/img/ferry.webp');
    expect(ferry.tags).toEqual(['Transport', 'harbour']);
    expect(ferry.publishedAt?.toISOString()).toBe('2026-11-24T09:30:00.000Z');
  });

  it('unwraps CDATA html content and takes media:thumbnail as the image', () => {
    expect(storm.html).toBe('<p>Winds up to <b>100 km/h</b> are expected.</p>');
    expect(storm.imageUrl).toBe('https://harbortimes.example/img/storm.jpg');
    expect(storm.publishedAt?.toISOString()).toBe('2026-11-23T08:00:00.000Z');
  });
});

describe('parseFeed: WordPress REST (wp-json/wp/v2/posts with _embed)', () => {
  const feed = parseFeed(fixture('wp-posts.json'), 'https://valleyledger.example/wp-json/wp/v2/posts?_embed=1');
  const [budget, bridge] = feed.items;

  it('detects WordPress and reads rendered fields', () => {
    expect(feed.kind).toBe('wordpress');
    expect(budget.title).toBe('Council’s budget: what “7-2” means');
    expect(budget.guid).toBe('https://valleyledger.example/?p=4412');
    expect(budget.link).toBe('https://valleyledger.example/2026/11/24/council-budget/');
    expect(budget.html).toContain('<p>The plan starts in May.</p>');
    expect(budget.publishedAt?.toISOString()).toBe('2026-11-24T18:00:00.000Z'); // date_gmt is UTC
  });

  it('takes the embedded featured image and every term name (not "Uncategorized")', () => {
    expect(budget.imageUrl).toBe('https://valleyledger.example/wp-content/uploads/2026/11/council.jpg');
    expect(budget.tags).toEqual(['Politics', 'Budget & Finance', 'city council']);
    expect(bridge.tags).toEqual([]);
    expect(bridge.imageUrl).toBe('https://valleyledger.example/wp-content/uploads/bridge.jpg');
  });

  it('reports a WordPress error object in words', () => {
    expect(() => parseFeed('{"code":"rest_no_route","message":"No route"}', 'https://x.example/')).toThrow(
      /rest_no_route/,
    );
  });
});

describe('parseFeed: other shapes and refusals', () => {
  it('reads RSS 1.0 (RDF) as rss, with dc:date and dc:subject', () => {
    const rdf = `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://a.example/"><title>A</title></channel>
      <item rdf:about="https://a.example/1"><title>One</title><link>https://a.example/1</link><dc:date>2026-11-20T10:00:00Z</dc:date><dc:subject>Science</dc:subject></item>
    </rdf:RDF>`;
    const feed = parseFeed(rdf, 'https://a.example/rss');
    expect(feed.kind).toBe('rss');
    expect(feed.items[0]).toMatchObject({ title: 'One', link: 'https://a.example/1', tags: ['Science'] });
    expect(feed.items[0].publishedAt?.toISOString()).toBe('2026-11-20T10:00:00.000Z');
  });

  it('keeps numeric-looking GUIDs as strings and a BOM does not matter', () => {
    const feed = parseFeed(
      '\uFEFF<rss><channel><item><guid>007</guid><title>1e3</title><link>https://a.example/x</link></item></channel></rss>',
      'https://a.example/',
    );
    expect(feed.items[0].guid).toBe('007');
    expect(feed.items[0].title).toBe('1e3');
  });

  it('refuses HTML pages, plain text, other XML and non-feed JSON with a reason', () => {
    expect(() => parseFeed('<!DOCTYPE html><html><head></head></html>', 'https://a.example/')).toThrow(FeedParseError);
    expect(() => parseFeed('hello', 'https://a.example/')).toThrow(/not an RSS, Atom or WordPress feed/);
    expect(() => parseFeed('<svg></svg>', 'https://a.example/')).toThrow(/not an RSS or Atom feed/);
    expect(() => parseFeed('[{"name":"x"}]', 'https://a.example/')).toThrow(/WordPress posts/);
  });

  it('is lenient with unbalanced markup, as real feeds need: the complete items are read', () => {
    const cut = parseFeed(
      '<rss><channel><item><title>Whole</title><link>https://a.example/1</link></item><item><title>Cut',
      'https://a.example/',
    );
    expect(cut.items[0]).toMatchObject({ title: 'Whole', link: 'https://a.example/1' });
  });

  it('bounds entity expansion (billion laughs) instead of expanding it', () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">
      ${Array.from({ length: 8 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('\n')}]>
      <rss><channel><item><title>&lol8;</title></item></channel></rss>`;
    let titleLength = 0;
    try {
      titleLength = parseFeed(lol, 'https://a.example/').items[0]?.title.length ?? 0;
    } catch (e) {
      expect(e).toBeInstanceOf(FeedParseError);
    }
    expect(titleLength).toBeLessThan(200_000);
  });

  it('items without a link keep a null link (they are recorded, never posted)', () => {
    const feed = parseFeed(
      '<rss><channel><item><title>No link</title><guid isPermaLink="false">x-1</guid></item></channel></rss>',
      'https://a.example/',
    );
    expect(feed.items[0]).toMatchObject({ guid: 'x-1', link: null });
  });
});
