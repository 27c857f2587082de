import { decodeHtmlEntities } from './html-text';
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
    const m = /<([^>]+)>\s*;.*rel\s*=\s*"?https:\/\/api\.w\.org\/"?/i.exec(part);
    if (m) add(m[1], wordpressPostsUrl);
  }
  const head = html.slice(0, 200_000);
  for (const tag of head.match(/<link\b[^>]*>/gi) ?? []) {
    const rel = attrOf(tag, 'rel')?.toLowerCase();
    if (rel === 'https://api.w.org/') add(attrOf(tag, 'href'), wordpressPostsUrl);
  }
  for (const tag of head.match(/<link\b[^>]*>/gi) ?? []) {
    const rel = attrOf(tag, 'rel')?.toLowerCase().split(/\s+/) ?? [];
    const type = attrOf(tag, 'type')?.toLowerCase() ?? '';
    if (rel.includes('alternate') && /application\/(rss|atom)\+xml/.test(type)) add(attrOf(tag, 'href'));
  }
  return out.slice(0, 3);
}

function attrOf(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}
