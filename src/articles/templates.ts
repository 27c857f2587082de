import type { PlatformId } from '../platforms/platform';

/**
 * Post templates: literal text and newlines with four placeholders, `{title}`, `{summary}`, `{url}` and
 * `{hashtags}`; `{{` and `}}` stand for literal braces. `{url}` is required (the link is always in the post).
 * On Telegram the literal text is HTML (`<b>{title}</b>`); values are escaped, so an article can never inject
 * markup. A placeholder whose value is empty takes its blank line with it.
 */

export const FIELDS = ['title', 'summary', 'url', 'hashtags'] as const;
export type Field = (typeof FIELDS)[number];
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'field'; name: Field };

export const MAX_TEMPLATE_LENGTH = 2000;

export class TemplateError extends Error {}

/** How a platform's default post reads, and how much of the article it wants. */
export interface ComposeStyle {
  template: string;
  /** Most summary sentences (the summary may be shorter when the room or `softMax` says so). */
  maxSentences: number;
  /** Preferred longest summary, in the platform's units; only a preference: the platform limit is the rule. */
  softMax: number;
  maxHashtags: number;
}

const HOOK = '{summary}\n\n{url}\n\n{hashtags}';
const hook = (maxHashtags: number): ComposeStyle => ({ template: HOOK, maxSentences: 1, softMax: 300, maxHashtags });

/** Short platforms: a one-sentence hook and the link; Telegram: bold title, two to four sentences; and so on. */
export const STYLES: Record<PlatformId, ComposeStyle> = {
  x: hook(2),
  mastodon: hook(3),
  gab: hook(3),
  truthsocial: hook(3),
  gettr: hook(3),
  telegram: {
    template: '<b>{title}</b>\n\n{summary}\n\n{url}\n\n{hashtags}',
    maxSentences: 4,
    softMax: 800,
    maxHashtags: 5,
  },
  facebook: { template: HOOK, maxSentences: 3, softMax: 500, maxHashtags: 3 },
  minds: { template: HOOK, maxSentences: 3, softMax: 500, maxHashtags: 5 },
  // Video platforms: Gab TV's status carries title and description; Rumble has its own title field.
  gabtv: { template: '{title}\n\n{summary}\n\n{url}\n\n{hashtags}', maxSentences: 5, softMax: 1000, maxHashtags: 5 },
  rumble: { template: HOOK, maxSentences: 5, softMax: 1500, maxHashtags: 5 },
};

export function parseTemplate(src: string): TemplatePart[] {
  if (src.length > MAX_TEMPLATE_LENGTH) throw new TemplateError(`is longer than ${MAX_TEMPLATE_LENGTH} characters`);
  const parts: TemplatePart[] = [];
  let text = '';
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if ((ch === '{' || ch === '}') && src[i + 1] === ch) {
      text += ch;
      i++;
    } else if (ch === '{') {
      const end = src.indexOf('}', i);
      const name = end < 0 ? '' : src.slice(i + 1, end);
      if (end < 0) throw new TemplateError(`has an unclosed "{" at ${i} (write {{ for a literal brace)`);
      if (!(FIELDS as readonly string[]).includes(name)) {
        throw new TemplateError(`has an unknown placeholder {${name}}; use ${FIELDS.map((f) => `{${f}}`).join(', ')}`);
      }
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'field', name: name as Field });
      i = end;
    } else if (ch === '}') {
      throw new TemplateError(`has a stray "}" at ${i} (write }} for a literal brace)`);
    } else text += ch;
  }
  if (text) parts.push({ kind: 'text', text });
  if (!uses(parts, 'url')) throw new TemplateError('must contain {url}: every post carries the link');
  return parts;
}

const TG_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'code',
  'pre',
  'a',
  'tg-spoiler',
  'span',
  'blockquote',
]);

/** Template syntax, plus (`html`, Telegram) literal markup Telegram accepts: known tags, balanced, `&` as entity. */
export function templateProblem(src: unknown, html: boolean): string | null {
  if (typeof src !== 'string' || src.trim() === '') return 'must be a non-empty string';
  try {
    const parts = parseTemplate(src);
    if (html) checkTelegramMarkup(parts.map((p) => (p.kind === 'text' ? p.text : '')).join(''));
    return null;
  } catch (e) {
    if (e instanceof TemplateError) return e.message;
    throw e;
  }
}

function checkTelegramMarkup(literal: string): void {
  const open: string[] = [];
  for (const m of literal.matchAll(
    /<(\/?)([a-z][a-z0-9-]*)([^>]*)>|[<>]|&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-f]+);)/gi,
  )) {
    if (m[2] === undefined) throw new TemplateError(`has "${m[0]}" outside a tag; write &lt; &gt; &amp; for Telegram`);
    const tag = m[2].toLowerCase();
    if (!TG_TAGS.has(tag)) throw new TemplateError(`has <${tag}>, which Telegram does not support`);
    if (m[1] === '') open.push(tag);
    else if (open.pop() !== tag) throw new TemplateError(`closes </${tag}> without opening it`);
  }
  if (open.length > 0) throw new TemplateError(`leaves <${open[open.length - 1]}> open`);
}

export function uses(parts: TemplatePart[], field: Field): boolean {
  return parts.some((p) => p.kind === 'field' && p.name === field);
}

/** Fills the template; `escape` turns plain values into the platform's text (Telegram HTML). */
export function renderTemplate(
  parts: TemplatePart[],
  values: Record<Field, string>,
  escape: (s: string) => string,
  html: boolean,
): string {
  let out = '';
  for (const p of parts) out += p.kind === 'text' ? p.text : escape(values[p.name]);
  if (html) out = out.replace(/<([a-z][a-z0-9-]*)[^>]*>\s*<\/\1>/gi, '');
  return out
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
