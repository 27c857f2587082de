import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { isBoilerplate, withoutTrailingPrompt } from './boilerplate';

/**
 * Article cleaning: HTML or plain text to clean paragraphs, in the article's own language.
 *
 * HTML goes through Mozilla's Readability (Firefox Reader View's extractor) on a linkedom DOM. linkedom rather
 * than jsdom: jsdom's current releases need Node 22, and linkedom is a fraction of the size and several times
 * faster for a parse-once, read-once job like this one. Before Readability runs, what is never the story is
 * removed from the DOM (scripts, embeds, figures with their credits, navigation, forms, share bars); after it,
 * the text-level rules of boilerplate.ts drop what markup cannot tell apart (a share prompt in a plain <p>).
 */

export interface CleanArticle {
  /** Paragraphs joined by a blank line. */
  text: string;
  /** The first paragraph. */
  lead: string;
  paragraphs: string[];
  /** The document's declared language (`<html lang>`), when HTML declared one. */
  lang: string | null;
}

/**
 * Budgets checked on the parsed DOM before Readability runs. Readability's cost grows with elements times depth
 * (2,000 nested <div>s, 22 KB, took 13.8 s); real articles stay far below both (a long story with its page chrome
 * is a few thousand elements, 20–60 deep). Past either, the article is refused rather than cleaned badly.
 */
export const MAX_ELEMENTS = 30_000;
export const MAX_DEPTH = 200;
/** The sum of every element's depth: many deep chains cost as much as one very deep one (150 × 195: 2.7 s). */
export const MAX_NESTING_WORK = 1_500_000;

/** Why an article cannot be cleaned; the message completes "html …" (or "text …") for the user. */
export class ArticleRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArticleRefused';
  }
}

/** Never article text, whatever their size. */
const NEVER =
  'script,style,noscript,template,iframe,object,embed,svg,canvas,form,button,input,select,textarea,nav,footer,' +
  'aside,figure,figcaption,picture,video,audio,[hidden],[aria-hidden="true"],' +
  'blockquote.twitter-tweet,blockquote.twitter-video,blockquote.instagram-media,blockquote.tiktok-embed,' +
  '.fb-post,.fb-video,.twitter-tweet,.instagram-media';

/** Boilerplate by its class or id; removed only while small, so a container that merely carries such a name stays. */
const SMALL_NOISE = [
  'share',
  'social',
  'newsletter',
  'subscribe',
  'related',
  'byline',
  'author',
  'credit',
  'caption',
  'advert',
  'promo',
  'sharing',
  'follow',
]
  .flatMap((w) => [`[class*="${w}"]`, `[id*="${w}"]`])
  .concat(['[rel="author"]', 'address'])
  .join(',');
const SMALL = 300;

const BLOCKS = new Set(
  'P DIV H1 H2 H3 H4 H5 H6 LI UL OL DL DT DD BLOCKQUOTE SECTION ARTICLE HEADER MAIN TABLE TR TD TH PRE HR CENTER'.split(
    ' ',
  ),
);

/** The few DOM members used here (tsconfig has no DOM lib; linkedom and Readability supply the objects). */
interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}
interface DomElement extends DomNode {
  remove(): void;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  children: ArrayLike<DomElement>;
}

export function cleanArticle(input: { html?: string; text?: string; title?: string }): CleanArticle {
  const { paragraphs: raw, lang } =
    input.html !== undefined ? extractHtml(input.html) : { paragraphs: splitLines(input.text ?? ''), lang: null };
  const paragraphs = finish(raw, input.title);
  return { text: paragraphs.join('\n\n'), lead: paragraphs[0] ?? '', paragraphs, lang };
}

/** HTML to clean paragraphs (Readability when it finds the story, else the whole pre-cleaned body). */
export function htmlToParagraphs(html: string): string[] {
  return finish(extractHtml(html).paragraphs);
}

/** Plain text to clean paragraphs: one per line, boilerplate dropped. */
export function textToParagraphs(text: string): string[] {
  return finish(splitLines(text));
}

export { isBoilerplate };

function extractHtml(html: string): { paragraphs: string[]; lang: string | null } {
  const page = /<html[\s>]/i.test(html) ? html : `<!doctype html><html><head></head><body>${html}</body></html>`;
  const { document } = parseHTML(page);
  const body = document.body as unknown as DomElement | null;
  if (!body) return { paragraphs: [], lang: null };
  const lang = document.documentElement?.getAttribute('lang')?.trim() || null;
  withinBudget(document.documentElement as unknown as DomElement);
  for (const el of Array.from(body.querySelectorAll(NEVER))) el.remove();
  for (const el of Array.from(body.querySelectorAll(SMALL_NOISE))) {
    if ((el.textContent ?? '').trim().length < SMALL) el.remove();
  }
  const whole = domToLines(body);
  const wholeLength = whole.join('').length;

  let story: string[] | null = null;
  try {
    const reader = new Readability<DomNode>(document as never, {
      serializer: (node) => node as unknown as DomNode,
      charThreshold: 200,
      maxElemsToParse: MAX_ELEMENTS,
    });
    const parsed = reader.parse();
    if (parsed?.content) story = domToLines(parsed.content);
  } catch {
    story = null; // Readability gives up on some malformed pages: the pre-cleaned body is the fallback.
  }
  // A fragment (just the article body) comes back nearly whole; a full page comes back without its chrome. When
  // Readability keeps too little of a short text it has guessed wrong, and the body is the better answer.
  const storyLength = story?.join('').length ?? 0;
  const useStory = story !== null && (storyLength >= 500 || storyLength >= 0.6 * wholeLength);
  return { paragraphs: useStory && story ? story : whole, lang };
}

/** Counts elements and depth without recursion (the walk must not overflow the stack it is guarding). */
function withinBudget(root: DomElement): void {
  const stack: Array<[DomElement, number]> = [[root, 1]];
  let elements = 0;
  let work = 0;
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [el, depth] = top;
    if (++elements > MAX_ELEMENTS) throw new ArticleRefused(`has more than ${MAX_ELEMENTS} elements`);
    if (depth > MAX_DEPTH) throw new ArticleRefused(`nests elements more than ${MAX_DEPTH} deep`);
    if ((work += depth) > MAX_NESTING_WORK)
      throw new ArticleRefused('nests too many elements too deep (the sum of their depths is over 1,500,000)');
    for (const child of Array.from(el.children)) stack.push([child, depth + 1]);
  }
}

/** Block elements start new lines, <br> breaks a line, text collapses its whitespace (except in <pre>). */
function domToLines(root: DomNode): string[] {
  const lines: string[] = [];
  let current = '';
  const flush = () => {
    lines.push(current);
    current = '';
  };
  const walk = (node: DomNode, pre: boolean) => {
    if (node.nodeType === 3) {
      const t = node.textContent ?? '';
      current += pre ? t : t.replace(/\s+/g, ' ');
      return;
    }
    if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) return;
    const name = node.nodeName.toUpperCase();
    if (name === 'BR') {
      flush();
      return;
    }
    const block = BLOCKS.has(name);
    if (block) flush();
    for (const child of Array.from(node.childNodes)) walk(child, pre || name === 'PRE');
    if (block) flush();
  };
  walk(root, false);
  flush();
  return lines.flatMap((l) => l.split('\n'));
}

function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

/** Whitespace tidied, empty lines, boilerplate and a repeated title dropped, trailing share prompts cut. */
function finish(lines: string[], title?: string): string[] {
  const out: string[] = [];
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
  for (const line of lines) {
    const p = withoutTrailingPrompt(line.replace(/[ \t\u00a0\u200b]+/g, ' ').trim());
    if (p === '' || isBoilerplate(p)) continue;
    if (out.length === 0 && title !== undefined && norm(p) === norm(title)) continue;
    out.push(p);
  }
  return out;
}
