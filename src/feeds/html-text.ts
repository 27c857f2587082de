/**
 * Small text helpers for feed fields. Feed titles and categories arrive as HTML-ish text (WordPress writes
 * `&#8217;`, RSS titles are often escaped twice); bodies stay HTML and go to the article cleaner as they are.
 *
 * Everything here runs on every item of every poll, on text a hostile feed wrote, so every helper is a forward
 * scan in linear time: no regular expression that searches on from each `<` (`<[^>]*>`, `<script[\s\S]*?</script>`
 * cost the square of the input when the closing part never comes: 56 KB of `<script` took 0.36 s).
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

/** HTML to one line of plain text: tags, comments, scripts and styles dropped, references decoded, whitespace collapsed. */
export function htmlToPlain(html: string): string {
  return decodeHtmlEntities(stripTags(unwrapCdata(html, (s) => s)))
    .replace(/[\s\u00a0]+/g, ' ')
    .trim();
}

/**
 * Raw XML text of an element the parser left unparsed (Atom content): CDATA sections unwrapped, the XML
 * references decoded, everything else kept.
 */
export function decodeXmlText(raw: string): string {
  return unwrapCdata(raw, decodeXmlRefs);
}

/** The `src` of the first `<img>` with a non-empty one in an HTML fragment, if any. */
export function firstImageSrc(html: string): string | null {
  for (const attrs of startTags(html, 'img')) {
    const src = attrs.get('src')?.trim();
    if (src) return decodeHtmlEntities(src);
  }
  return null;
}

/**
 * The attributes (names lower-cased, values as written) of every start tag `<name …>` in document order. Each
 * tag is read once, forward, and the next search starts where it ended: linear in the length of `html`.
 */
export function* startTags(html: string, name: string): Generator<Map<string, string>> {
  const lower = asciiLower(html);
  const needle = `<${name.toLowerCase()}`;
  for (let at = lower.indexOf(needle); at >= 0;) {
    const after = at + needle.length;
    if (isNameChar(html.charCodeAt(after))) {
      at = lower.indexOf(needle, after);
      continue;
    }
    const { attrs, end } = readAttributes(html, after);
    yield attrs;
    at = lower.indexOf(needle, end);
  }
}

/** Each CDATA section replaced by its content, the text between them passed through `outside`. */
function unwrapCdata(s: string, outside: (text: string) => string): string {
  const out: string[] = [];
  let pos = 0;
  for (;;) {
    const open = s.indexOf('<![CDATA[', pos);
    // Without an end after this opening there is none after any later one: the rest is plain text.
    const close = open < 0 ? -1 : s.indexOf(']]>', open + 9);
    if (close < 0) break;
    out.push(outside(s.slice(pos, open)), s.slice(open + 9, close));
    pos = close + 3;
  }
  out.push(outside(s.slice(pos)));
  return out.join('');
}

/** Tags and comments become a space, `<script>`/`<style>` with their content too; a `<` that never closes is text. */
function stripTags(html: string): string {
  const out: string[] = [];
  let lower: string | undefined;
  // A search that failed from some point fails from any later one: remember it, so no end is looked for twice.
  const missed = new Map<string, number>();
  const find = (needle: string, from: number, text: string) => {
    if (from >= (missed.get(needle) ?? Infinity)) return -1;
    const i = text.indexOf(needle, from);
    if (i < 0) missed.set(needle, from);
    return i;
  };
  let pos = 0;
  while (pos < html.length) {
    const lt = html.indexOf('<', pos);
    if (lt < 0) break;
    out.push(html.slice(pos, lt));
    let end = -1;
    if (html.startsWith('<!--', lt)) {
      const close = find('-->', lt + 4, html);
      end = close < 0 ? -1 : close + 3;
    } else {
      lower ??= asciiLower(html);
      const raw = lower.startsWith('<script', lt) ? 'script' : lower.startsWith('<style', lt) ? 'style' : null;
      if (raw && !isNameChar(html.charCodeAt(lt + raw.length + 1))) {
        const close = find(`</${raw}>`, lt, lower);
        end = close < 0 ? -1 : close + raw.length + 3;
      }
    }
    if (end < 0) {
      const gt = find('>', lt, html);
      if (gt < 0) {
        pos = lt; // no `>` anywhere after: this `<` and the rest are text
        break;
      }
      end = gt + 1;
    }
    out.push(' ');
    pos = end;
  }
  out.push(html.slice(pos));
  return out.join('');
}

/** Attributes from just after a tag name to its `>` (or the end of the text); quoted values may hold `>`. */
function readAttributes(html: string, from: number): { attrs: Map<string, string>; end: number } {
  const attrs = new Map<string, string>();
  const n = html.length;
  let i = from;
  const skipSpace = () => {
    while (i < n && isSpace(html.charCodeAt(i))) i++;
  };
  while (i < n) {
    skipSpace();
    const c = html[i];
    if (c === '>') return { attrs, end: i + 1 };
    if (c === '/') {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < n && !isSpace(html.charCodeAt(i)) && !'/>='.includes(html[i])) i++;
    if (i === nameStart) i++; // a stray `=`: step over it
    const name = html.slice(nameStart, i).toLowerCase();
    skipSpace();
    let value = '';
    if (html[i] === '=') {
      i++;
      skipSpace();
      const q = html[i];
      if (q === '"' || q === "'") {
        const close = html.indexOf(q, i + 1);
        value = html.slice(i + 1, close < 0 ? n : close);
        i = close < 0 ? n : close + 1;
      } else {
        const start = i;
        while (i < n && !isSpace(html.charCodeAt(i)) && html[i] !== '>') i++;
        value = html.slice(start, i);
      }
    }
    if (name && !attrs.has(name)) attrs.set(name, value);
  }
  return { attrs, end: n };
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** ASCII letters, digits, `-`, `_` and `:` continue a tag name (`<imgx>` is not `<img>`). */
function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95 || c === 58;
}

/** Lower-cases A–Z only, so every index stays the same as in the original (toLowerCase can change lengths). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function decodeXmlRefs(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|amp|lt|gt|quot|apos);/gi, (m, e: string) =>
    e[0] === '#' || ['amp', 'lt', 'gt', 'quot', 'apos'].includes(e.toLowerCase()) ? decodeHtmlEntities(m) : m,
  );
}
