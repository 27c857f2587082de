import { canonicalUrl, contentHash, isTrackingParam, itemKeys } from './item-keys';

describe('canonicalUrl', () => {
  it('strips tracking parameters (utm_*, fbclid, gclid, mc_*, …) and keeps the others in order', () => {
    expect(
      canonicalUrl(
        'https://news.example/a?utm_source=rss&id=7&utm_medium=feed&fbclid=IwAR0&b=2&gclid=x&mc_cid=1&mc_eid=2',
      ),
    ).toBe('https://news.example/a?id=7&b=2');
    expect(canonicalUrl('https://news.example/a?UTM_Campaign=x&msclkid=1&_ga=2&igshid=3&yclid=4')).toBe(
      'https://news.example/a',
    );
  });

  it('lower-cases the scheme and host, drops the fragment, default port, credentials and an empty query', () => {
    expect(canonicalUrl('HTTPS://News.Example:443/Path/Story?#top')).toBe('https://news.example/Path/Story');
    expect(canonicalUrl('http://user:pw@news.example:80/x#y')).toBe('http://news.example/x');
    expect(canonicalUrl('https://news.example./x')).toBe('https://news.example/x');
  });

  it('leaves a query without tracking parameters exactly as written', () => {
    expect(canonicalUrl('https://news.example/?p=4412&q=a%20b')).toBe('https://news.example/?p=4412&q=a%20b');
  });

  it('resolves relative links against the feed and refuses what is not http(s)', () => {
    expect(canonicalUrl('/2026/story/', 'https://news.example/feed/')).toBe('https://news.example/2026/story/');
    expect(canonicalUrl('mailto:desk@news.example')).toBeNull();
    expect(canonicalUrl('javascript:alert(1)')).toBeNull();
    expect(canonicalUrl('  ')).toBeNull();
    expect(canonicalUrl('not a url')).toBeNull();
  });

  it('knows tracking parameters by name', () => {
    expect(['utm_term', 'fbclid', 'gclid', 'dclid', 'mc_eid', 'igshid'].every(isTrackingParam)).toBe(true);
    expect(['id', 'p', 'page', 'utm'].some(isTrackingParam)).toBe(false);
  });
});

describe('contentHash', () => {
  const base = { title: 'Council approves budget', html: '<p>The council voted 7-2.</p>', link: 'https://a.example/1' };

  it('is the same for the same visible content, whatever the markup, entities, case or link', () => {
    const h = contentHash(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(
      contentHash({ ...base, html: '<div>The  council&nbsp;voted <b>7-2</b>.</div>', link: 'https://b.example/2' }),
    ).toBe(h);
    expect(contentHash({ ...base, title: 'COUNCIL approves   budget' })).toBe(h);
  });

  it('changes with the text', () => {
    expect(contentHash({ ...base, html: '<p>The council voted 6-3.</p>' })).not.toBe(contentHash(base));
    expect(contentHash({ ...base, title: 'Council rejects budget' })).not.toBe(contentHash(base));
  });

  it('uses the link too when there is no body, so same-titled items stay distinct', () => {
    const a = contentHash({ title: 'Live updates', html: '', link: 'https://a.example/live/1' });
    expect(contentHash({ title: 'Live updates', html: '', link: 'https://a.example/live/2' })).not.toBe(a);
  });
});

describe('itemKeys', () => {
  it('trims the GUID and treats an empty one as none', () => {
    expect(itemKeys({ guid: '  abc ', link: null, title: 't', html: 'b' }).guid).toBe('abc');
    expect(itemKeys({ guid: ' ', link: 'https://a.example/', title: 't', html: 'b' })).toMatchObject({
      guid: null,
      link: 'https://a.example/',
    });
  });
});
