import { discoverFeeds } from './feed-discovery';
import { withEmbed, wordpressPostsUrl } from './wordpress';

describe('discoverFeeds', () => {
  const page = `<!DOCTYPE html><html><head>
    <link rel="alternate" type="application/rss+xml" title="Feed" href="https://site.example/feed/" />
    <link rel="alternate" type="application/atom+xml" href="/atom.xml" />
    <link rel='https://api.w.org/' href='https://site.example/wp-json/' />
    <link rel="stylesheet" href="/style.css"></head><body></body></html>`;

  it('prefers the WordPress REST API, then the RSS/Atom alternates, resolved against the page', () => {
    expect(discoverFeeds(page, 'https://site.example/')).toEqual([
      'https://site.example/wp-json/wp/v2/posts?_embed=1&per_page=20',
      'https://site.example/feed/',
      'https://site.example/atom.xml',
    ]);
  });

  it('reads the Link header WordPress sends, also in the ?rest_route= form', () => {
    expect(
      discoverFeeds(
        '<html></html>',
        'https://site.example/',
        '<https://site.example/?rest_route=/>; rel="https://api.w.org/"',
      ),
    ).toEqual(['https://site.example/?rest_route=%2Fwp%2Fv2%2Fposts&_embed=1&per_page=20']);
  });

  it('finds nothing on a page without feeds', () => {
    expect(discoverFeeds('<html><head><link rel="icon" href="/x.ico"></head></html>', 'https://site.example/')).toEqual(
      [],
    );
  });
});

describe('WordPress URLs', () => {
  it('adds _embed and per_page to a posts endpoint, leaves other URLs alone', () => {
    expect(withEmbed('https://s.example/wp-json/wp/v2/posts')).toBe(
      'https://s.example/wp-json/wp/v2/posts?_embed=1&per_page=20',
    );
    expect(withEmbed('https://s.example/wp-json/wp/v2/posts?per_page=5&_embed')).toBe(
      'https://s.example/wp-json/wp/v2/posts?per_page=5&_embed',
    );
    expect(withEmbed('https://s.example/feed/')).toBe('https://s.example/feed/');
    expect(wordpressPostsUrl('https://s.example/blog/wp-json/')).toBe(
      'https://s.example/blog/wp-json/wp/v2/posts?_embed=1&per_page=20',
    );
  });
});
