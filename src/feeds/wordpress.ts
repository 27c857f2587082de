import { canonicalUrl } from './item-keys';
import { FeedItem, FeedParseError, MAX_ITEMS, parseDate, ParsedFeed, plainTitle, uniqueTags } from './feed-item';
import { decodeHtmlEntities, firstImageSrc } from './html-text';

/** WordPress REST (`/wp-json/wp/v2/posts`, best with `_embed` for images and term names). */

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const rendered = (v: unknown): string =>
  isObj(v) && typeof v.rendered === 'string' ? v.rendered : typeof v === 'string' ? v : '';

export function parseWordPress(json: unknown, base: string): ParsedFeed {
  if (isObj(json) && typeof json.code === 'string') {
    throw new FeedParseError(`WordPress answered with an error (${json.code})`);
  }
  if (!Array.isArray(json) || !json.every((p) => isObj(p) && ('link' in p || 'title' in p))) {
    throw new FeedParseError('the JSON is not a list of WordPress posts');
  }
  return { kind: 'wordpress', title: null, items: (json as Json[]).slice(0, MAX_ITEMS).map((p) => wpItem(p, base)) };
}

function wpItem(p: Json, base: string): FeedItem {
  const html = rendered(p.content) || rendered(p.excerpt);
  const embedded = isObj(p._embedded) ? p._embedded : {};
  const media = Array.isArray(embedded['wp:featuredmedia']) ? (embedded['wp:featuredmedia'] as unknown[]) : [];
  const featured = media.find((m) => isObj(m) && typeof m.source_url === 'string') as Json | undefined;
  const yoast = isObj(p.yoast_head_json) && Array.isArray(p.yoast_head_json.og_image) ? p.yoast_head_json.og_image : [];
  const image =
    (featured?.source_url as string | undefined) ??
    (typeof p.jetpack_featured_media_url === 'string' && p.jetpack_featured_media_url
      ? p.jetpack_featured_media_url
      : undefined) ??
    (isObj(yoast[0]) && typeof yoast[0].url === 'string' ? yoast[0].url : undefined) ??
    firstImageSrc(html);
  const terms = Array.isArray(embedded['wp:term']) ? (embedded['wp:term'] as unknown[]).flat() : [];
  const tags = terms
    .filter((t): t is Json => isObj(t) && typeof t.name === 'string' && t.name !== 'Uncategorized')
    .map((t) => decodeHtmlEntities(t.name as string));
  const guid = rendered(p.guid) || (p.id !== undefined ? `wp-post-${String(p.id)}` : '');
  // date_gmt has no zone designator; it is UTC.
  const gmt = typeof p.date_gmt === 'string' ? `${p.date_gmt.replace(/Z$/, '')}Z` : p.date;
  return {
    guid: guid || null,
    link: canonicalUrl(typeof p.link === 'string' ? p.link : null, base),
    title: plainTitle(rendered(p.title)),
    html,
    imageUrl: canonicalImage(image ?? null, base),
    tags: uniqueTags(tags),
    publishedAt: parseDate(gmt),
  };
}

export function canonicalImage(src: string | null, base: string): string | null {
  if (!src) return null;
  try {
    const u = new URL(src, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/** The posts endpoint with what we need: embedded media and terms, and a sensible page size. */
export function wordpressPostsUrl(apiRoot: string): string {
  const u = new URL(apiRoot);
  if (u.searchParams.has('rest_route')) u.searchParams.set('rest_route', '/wp/v2/posts');
  else u.pathname = `${u.pathname.replace(/\/+$/, '')}/wp/v2/posts`;
  return withEmbed(u.toString());
}

/** Adds `_embed` and `per_page` to a WordPress posts URL that lacks them. */
export function withEmbed(url: string): string {
  const u = new URL(url);
  const isPosts =
    /\/wp-json\/wp\/v2\/posts\/?$/.test(u.pathname) || u.searchParams.get('rest_route') === '/wp/v2/posts';
  if (!isPosts) return url;
  if (!u.searchParams.has('_embed')) u.searchParams.set('_embed', '1');
  if (!u.searchParams.has('per_page')) u.searchParams.set('per_page', '20');
  return u.toString();
}
