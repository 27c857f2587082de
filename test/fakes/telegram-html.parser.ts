/**
 * The fake's own reading of Telegram's HTML parse mode (deliberately not Crier's counting code): the tags the
 * Bot API accepts, the four named entities plus numeric ones, and TDLib-style error texts.
 */

const ALLOWED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'span',
  'tg-spoiler',
  'tg-emoji',
  'blockquote',
]);
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export type ParsedHtml = { ok: true; text: string } | { ok: false; error: string };

export function parseTelegramHtml(html: string): ParsedHtml {
  const stack: string[] = [];
  let text = '';
  let i = 0;
  const at = (idx: number) => Buffer.byteLength(html.slice(0, idx), 'utf8');
  while (i < html.length) {
    const c = html[i];
    if (c === '<') {
      const end = html.indexOf('>', i);
      const m = end < 0 ? null : /^(\/?)([a-z][a-z0-9-]*)(\s[\s\S]*)?$/i.exec(html.slice(i + 1, end));
      if (!m) return { ok: false, error: `Unsupported start tag at byte offset ${at(i)}` };
      const [, slash, rawName] = m;
      const name = rawName.toLowerCase();
      if (slash) {
        if (stack.pop() !== name)
          return {
            ok: false,
            error: `Unmatched end tag at byte offset ${at(i)}, expected "</${stack.at(-1) ?? ''}>", found "</${name}>"`,
          };
      } else {
        if (!ALLOWED_TAGS.has(name))
          return { ok: false, error: `Unsupported start tag "${name}" at byte offset ${at(i)}` };
        stack.push(name);
      }
      i = end + 1;
      continue;
    }
    if (c === '&') {
      const m = /^&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/i.exec(html.slice(i, i + 12));
      const name = m?.[1].toLowerCase();
      if (m && name) {
        const decoded = name in NAMED ? NAMED[name] : name.startsWith('#') ? fromNumeric(name) : null;
        // An unknown named entity is kept literally, as TDLib does.
        if (decoded !== null) {
          text += decoded;
          i += m[0].length;
          continue;
        }
      }
    }
    text += c;
    i++;
  }
  if (stack.length) return { ok: false, error: `Can't find end tag corresponding to start tag "${stack.at(-1)}"` };
  return { ok: true, text };
}

function fromNumeric(name: string): string | null {
  const cp = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
  return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : null;
}

/** TDLib's utf8_length: code points. */
export function codePoints(text: string): number {
  return Array.from(text).length;
}
