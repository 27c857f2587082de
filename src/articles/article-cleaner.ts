/**
 * First version of article cleaning: HTML to paragraphs of plain text, without share-bar and subscription
 * boilerplate. (A Readability-based extractor replaces the HTML part in the composer issue.)
 */

const BOILERPLATE = [
  /^please\s+(follow|like|subscribe|share)\b/i,
  /^(follow|like)\s+us\s+on\b/i,
  /^share\s+(this|on)\b/i,
  /^click\s+here\s+to\s+(subscribe|follow|share)/i,
  /^subscribe\s+to\s+(our|the)\s+(newsletter|channel)/i,
  /^sign\s+up\s+for\s+our\s+newsletter/i,
  /^related\s*:/i,
];

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', hellip: '…', mdash: '—', ndash: '–', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

export function htmlToParagraphs(html: string): string[] {
  const text = html
    .replace(/<(script|style|noscript|iframe|svg|figure|figcaption|nav|footer|aside|form)\b[\s\S]*?<\/\1>/gi, '\n')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/?(p|div|h[1-6]|li|ul|ol|blockquote|section|article|header|tr|table)\b[^>]*>/gi, '\n\n')
    .replace(/<[^>]+>/g, '');
  return textToParagraphs(decodeEntities(text));
}

export function textToParagraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n|\n/)
    .map((p) => p.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter((p) => p.length > 0 && !isBoilerplate(p));
}

export function isBoilerplate(paragraph: string): boolean {
  return BOILERPLATE.some((re) => re.test(paragraph));
}

export interface CleanArticle {
  text: string;
  lead: string;
}

export function cleanArticle(input: { html?: string; text?: string }): CleanArticle {
  const paragraphs = input.html !== undefined ? htmlToParagraphs(input.html) : textToParagraphs(input.text ?? '');
  return { text: paragraphs.join('\n\n'), lead: paragraphs[0] ?? '' };
}
