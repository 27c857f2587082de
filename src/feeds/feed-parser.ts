import { XMLParser } from 'fast-xml-parser';
import { FeedItem, FeedParseError, MAX_ITEMS, parseDate, ParsedFeed, plainTitle, uniqueTags } from './feed-item';
import { decodeXmlText, firstImageSrc, htmlToPlain } from './html-text';
import { canonicalUrl } from './item-keys';
import { canonicalImage, parseWordPress } from './wordpress';

/** RSS 2.0 / RSS 1.0 (RDF) / Atom 1.0 with fast-xml-parser; WordPress REST JSON; kind detected from the body. */

type Node = Record<string, unknown>;

const ARRAYS = new Set([
  'item',
  'entry',
  'category',
  'link',
  'media:content',
  'media:thumbnail',
  'enclosure',
  'dc:subject',
]);

/**
 * DOCTYPE entities stay bounded (no billion laughs); nothing external is ever loaded. The limits apply to the
 * entities a document declares only (`appliesTo`, which the library's types do not list yet): counting `&amp;` and
 * `&lt;` too refused every feed whose escaped HTML held more than 1000 of them, i.e. most feeds with full content.
 */
const ENTITY_LIMITS = {
  enabled: true,
  maxEntityCount: 50,
  maxTotalExpansions: 1000,
  maxExpandedLength: 100_000,
  appliesTo: 'external',
};

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  // Keep every value a string: a GUID of "007" must not become the number 7.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Atom xhtml content is markup inside the element: keep it raw rather than as a tree.
  stopNodes: ['feed.entry.content', 'feed.entry.summary'],
  isArray: (name) => ARRAYS.has(name),
  processEntities: ENTITY_LIMITS,
});

export function parseFeed(body: string, baseUrl: string): ParsedFeed {
  const text = body.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('[') || text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new FeedParseError('the answer is neither XML nor valid JSON');
    }
    return parseWordPress(json, baseUrl);
  }
  if (looksLikeHtml(text)) throw new FeedParseError('the URL is a web page, not a feed, and names no feed we can read');
  if (!text.startsWith('<')) throw new FeedParseError('the answer is not an RSS, Atom or WordPress feed');
  let doc: Node;
  try {
    doc = parser.parse(text) as Node;
  } catch (e) {
    throw new FeedParseError(`the feed is not well-formed XML (${(e as Error).message.split('\n')[0].slice(0, 200)})`);
  }
  const rss = obj(doc.rss);
  if (rss) return rssFeed(obj(rss.channel) ?? {}, arr(obj(rss.channel)?.item), baseUrl);
  const rdf = obj(doc['rdf:RDF']);
  if (rdf) return rssFeed(obj(rdf.channel) ?? {}, arr(rdf.item), baseUrl);
  const feed = obj(doc.feed);
  if (feed) return atomFeed(feed, baseUrl);
  throw new FeedParseError('the XML is not an RSS or Atom feed');
}

/**
 * An HTML page (after an optional XML declaration and comments) rather than a feed. A forward scan: the regular
 * expression it replaces, `(<!--[\s\S]*?-->\s*)*`, backtracked exponentially (28 empty comments took 31 s).
 */
export function looksLikeHtml(text: string): boolean {
  const head = text.slice(0, 2048);
  let i = 0;
  const skip = (end: number) => {
    i = end;
    while (i < head.length && /\s/.test(head[i])) i++;
  };
  if (head.slice(0, 5).toLowerCase() === '<?xml') {
    const end = head.indexOf('>');
    if (end < 0) return false;
    skip(end + 1);
  }
  while (head.startsWith('<!--', i)) {
    const end = head.indexOf('-->', i + 4);
    if (end < 0) return false;
    skip(end + 3);
  }
  return /^<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i.test(head.slice(i, i + 20));
}

function rssFeed(channel: Node, items: Node[], base: string): ParsedFeed {
  return {
    kind: 'rss',
    title: plainTitle(str(channel.title)) || null,
    items: items.slice(0, MAX_ITEMS).map((i) => rssItem(i, base)),
  };
}

function rssItem(item: Node, base: string): FeedItem {
  const guidNode = item.guid;
  const guid = str(guidNode);
  const permalink = guid && attr(guidNode, 'isPermaLink') !== 'false' ? guid : null;
  const link = canonicalUrl(str(item['feedburner:origLink']) || firstStr(item.link) || permalink, base);
  const html = str(item['content:encoded']) || str(item.description);
  const tags = [...arr(item.category), ...arr(item['dc:subject'])].map((c) => htmlToPlain(str(c)));
  return {
    guid: guid || null,
    link,
    title: plainTitle(str(item.title)),
    html,
    imageUrl: canonicalImage(imageOf(item, html), base),
    tags: uniqueTags(tags),
    publishedAt: parseDate(str(item.pubDate) || str(item['dc:date'])),
  };
}

function atomFeed(feed: Node, base: string): ParsedFeed {
  const entries = arr(feed.entry).slice(0, MAX_ITEMS);
  return { kind: 'atom', title: plainTitle(str(feed.title)) || null, items: entries.map((e) => atomEntry(e, base)) };
}

function atomEntry(entry: Node, base: string): FeedItem {
  const links = arr(entry.link);
  const alternate =
    links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate' && /html|^$/.test(attr(l, 'type') ?? '')) ??
    links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate');
  const entryBase = attr(entry, 'xml:base') ?? base;
  const html = atomText(entry.content) || atomText(entry.summary);
  const enclosure = links.find((l) => attr(l, 'rel') === 'enclosure' && (attr(l, 'type') ?? '').startsWith('image/'));
  const tags = arr(entry.category).map((c) => attr(c, 'label') ?? attr(c, 'term') ?? str(c));
  return {
    guid: str(entry.id) || null,
    link: canonicalUrl(str(entry['feedburner:origLink']) || attr(alternate, 'href'), safeBase(entryBase, base)),
    title: plainTitle(str(entry.title)),
    html,
    imageUrl: canonicalImage(imageOf(entry, html) ?? attr(enclosure, 'href') ?? null, base),
    tags: uniqueTags(tags.map((t) => htmlToPlain(t))),
    publishedAt: parseDate(str(entry.published) || str(entry.updated)),
  };
}

/** Atom content/summary kept raw by the parser: xhtml is markup as is; text and html are escaped text. */
function atomText(node: unknown): string {
  const raw = str(node);
  if (!raw) return '';
  return attr(node, 'type') === 'xhtml' ? raw : decodeXmlText(raw).trim();
}

/** media:content / media:thumbnail (also inside media:group), an image enclosure, else the body's first img. */
function imageOf(item: Node, html: string): string | null {
  const group = obj(item['media:group']) ?? {};
  const media = [...arr(item['media:content']), ...arr(group['media:content'])];
  const image = media.find((m) => {
    const medium = attr(m, 'medium');
    const type = attr(m, 'type') ?? '';
    return (
      medium === 'image' ||
      type.startsWith('image/') ||
      (!medium && !type && /\.(jpe?g|png|gif|webp|avif)(\?|$)/i.test(attr(m, 'url') ?? ''))
    );
  });
  const thumb = [...arr(item['media:thumbnail']), ...arr(group['media:thumbnail'])][0];
  const enclosure = arr(item.enclosure).find((e) => (attr(e, 'type') ?? '').startsWith('image/'));
  return attr(image, 'url') ?? attr(thumb, 'url') ?? attr(enclosure, 'url') ?? firstImageSrc(html);
}

function obj(v: unknown): Node | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : undefined;
}

function arr(v: unknown): Node[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list.map((x) => (typeof x === 'object' && x !== null ? (x as Node) : { '#text': String(x) }));
}

/** Text of an element: a plain value, or its `#text` when it has attributes. */
function str(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return str(v[0]);
  const o = obj(v);
  return o ? str(o['#text']) : '';
}

function firstStr(v: unknown): string {
  return (
    arr(v)
      .map(str)
      .find((s) => s.length > 0) ?? ''
  );
}

function attr(v: unknown, name: string): string | undefined {
  const a = obj(v)?.[`@_${name}`];
  return typeof a === 'string' && a.trim() ? a.trim() : undefined;
}

function safeBase(candidate: string, fallback: string): string {
  try {
    return new URL(candidate, fallback).toString();
  } catch {
    return fallback;
  }
}
