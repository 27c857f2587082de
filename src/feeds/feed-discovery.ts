import { decodeHtmlEntities, startTags } from './html-text';
import { wordpressPostsUrl } from './wordpress';

/**
 * A site URL instead of a feed URL: the feeds the page names, best first. A WordPress site announces its REST
 * API (`Link: <…/wp-json/>; rel="https://api.w.org/"`, or the same as a `<link>` tag), which gives full content,
 * featured images and term names; otherwise the page's RSS/Atom alternates.
 */
export function discoverFeeds(html: string, pageUrl: string, linkHeader?: string): string[] {
  const out: string[] = [];
  const add = (href: string | undefined, map: (abs: string) => string = (x) => x) => {
    if (!href) return;
    try {
      const abs = map(new URL(decodeHtmlEntities(href), pageUrl).toString());
      if (/^https?:/.test(abs) && !out.includes(abs)) out.push(abs);
    } catch {
      // an unusable href is simply not a candidate
    }
  };
  for (const part of (linkHeader ?? '').split(/,(?=\s*<)/)) {
    // Anchored at the part's `<`: an unanchored `<([^>]+)>` searched on from every `<` of a hostile header.
    const m = /^\s*<([^>]*)>\s*;.*rel\s*=\s*"?https:\/\/api\.w\.org\/"?/i.exec(part);
    if (m) add(m[1], wordpressPostsUrl);
  }
  // One forward scan over the page's <link> tags (a `<link\b[^>]*>` expression was quadratic on `<link<link…`).
  const links = [...startTags(html.slice(0, 200_000), 'link')];
  for (const tag of links) {
    if (tag.get('rel')?.trim().toLowerCase() === 'https://api.w.org/') add(tag.get('href'), wordpressPostsUrl);
  }
  for (const tag of links) {
    const rel = tag.get('rel')?.toLowerCase().split(/\s+/) ?? [];
    const type = tag.get('type')?.toLowerCase() ?? '';
    if (rel.includes('alternate') && /application\/(rss|atom)\+xml/.test(type)) add(tag.get('href'));
  }
  return out.slice(0, 3);
}
