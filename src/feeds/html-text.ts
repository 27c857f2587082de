/**
 * Small text helpers for feed fields. Feed titles and categories arrive as HTML-ish text (WordPress writes
 * `&#8217;`, RSS titles are often escaped twice); bodies stay HTML and go to the article cleaner as they are.
 */

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
  laquo: '«',
  raquo: '»',
  bull: '•',
  middot: '·',
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  pound: '£',
  deg: '°',
  times: '×',
  shy: '',
  eacute: 'é',
  egrave: 'è',
  aacute: 'á',
  agrave: 'à',
  oacute: 'ó',
  uacute: 'ú',
  iacute: 'í',
  ntilde: 'ñ',
  auml: 'ä',
  ouml: 'ö',
  uuml: 'ü',
  Auml: 'Ä',
  Ouml: 'Ö',
  Uuml: 'Ü',
  szlig: 'ß',
  ccedil: 'ç',
};

/** Decodes numeric and common named character references; unknown ones stay as written. */
export function decodeHtmlEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
    }
    return NAMED[e] ?? NAMED[e.toLowerCase()] ?? m;
  });
}

/** HTML to one line of plain text: tags dropped, references decoded, whitespace collapsed. */
export function htmlToPlain(html: string): string {
  const noTags = html
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ');
  return decodeHtmlEntities(noTags)
    .replace(/[\s\u00a0]+/g, ' ')
    .trim();
}

/**
 * Raw XML text of an element the parser left unparsed (Atom content): CDATA sections unwrapped, the XML
 * references decoded, everything else kept.
 */
export function decodeXmlText(raw: string): string {
  let out = '';
  const re = /<!\[CDATA\[([\s\S]*?)\]\]>/g;
  let last = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    out += decodeXmlRefs(raw.slice(last, m.index)) + m[1];
    last = m.index + m[0].length;
  }
  return out + decodeXmlRefs(raw.slice(last));
}

function decodeXmlRefs(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|amp|lt|gt|quot|apos);/gi, (m, e: string) =>
    e[0] === '#' || ['amp', 'lt', 'gt', 'quot', 'apos'].includes(e.toLowerCase()) ? decodeHtmlEntities(m) : m,
  );
}

/** The `src` of the first `<img>` in an HTML fragment, if any. */
export function firstImageSrc(html: string): string | null {
  const m = /<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]+)"|'([^']+)'|([^\s>]+))/i.exec(html);
  const src = m ? (m[1] ?? m[2] ?? m[3]) : undefined;
  return src ? decodeHtmlEntities(src.trim()) : null;
}
