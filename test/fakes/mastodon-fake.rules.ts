/**
 * The platform rules the Mastodon-family fake enforces, written from docs/PLATFORMS.md independently of Crier's
 * counting code so the contract tests can catch a disagreement between the two.
 */

export type Flavour = 'mastodon' | 'gab' | 'truthsocial';

export const DEFAULT_MAX_CHARS: Record<Flavour, number> = { mastodon: 500, gab: 5000, truthsocial: 1000 };

/** A URL ends on a character that is not sentence punctuation (close enough to twitter-text for the fake). */
const URL = /https?:\/\/[^\s<>"]*[^\s<>".,:;!?'")\]]/giu;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function graphemeCount(text: string): number {
  return Array.from(graphemes.segment(text)).length;
}

/** Status length as each server validates it (§3.1 mastodon/gab: URL = 23; §3.2 truth: `.?URL` → min(len, 24)). */
export function statusLength(flavour: Flavour, text: string): number {
  if (flavour === 'truthsocial') {
    const withPreceding = new RegExp(`.?(?:${URL.source})`, 'giu');
    return graphemeCount(text.replace(withPreceding, (m) => 'x'.repeat(Math.min(Array.from(m).length, 24))));
  }
  return graphemeCount(text.replace(URL, 'x'.repeat(23)));
}

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Renders status text the way Mastodon does: paragraphs, <br />, and links split into invisible/ellipsis spans. */
export function renderContent(text: string): string {
  const linkify = (s: string) => {
    let out = '';
    let pos = 0;
    for (const m of s.matchAll(URL)) {
      const url = m[0];
      const [, scheme, rest] = /^(https?:\/\/)(.*)$/i.exec(url) ?? ['', '', url];
      out += escapeHtml(s.slice(pos, m.index));
      out +=
        `<a href="${escapeHtml(url)}" rel="nofollow noopener" target="_blank">` +
        `<span class="invisible">${escapeHtml(scheme)}</span><span class="ellipsis">${escapeHtml(rest.slice(0, 30))}</span>` +
        `<span class="invisible">${escapeHtml(rest.slice(30))}</span></a>`;
      pos = m.index + url.length;
    }
    return out + escapeHtml(s.slice(pos));
  };
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${p.split('\n').map(linkify).join('<br />')}</p>`)
    .join('');
}

/** Gab's `status_limit_validator.rb` windows and their message prefixes. */
export interface GabCaps {
  minute: number;
  semiHourly: number;
  hourly: number;
  daily: number;
}

export const DEFAULT_GAB_CAPS: GabCaps = { minute: 20, semiHourly: 100, hourly: 250, daily: 1500 };

const WINDOWS: Array<[keyof GabCaps, number, string]> = [
  ['minute', 60_000, 'Minute by minute'],
  ['semiHourly', 30 * 60_000, 'Semi-hourly'],
  ['hourly', 3600_000, 'Hourly'],
  ['daily', 24 * 3600_000, 'Daily'],
];

/** The 422 text when a new status would exceed a window, e.g. "Validation failed: Minute by minute …, Hourly …". */
export function gabCapError(createdAt: Date[], caps: GabCaps, now = Date.now()): string | null {
  const reached = WINDOWS.filter(
    ([key, ms]) => createdAt.filter((d) => now - d.getTime() < ms).length >= caps[key],
  ).map(([, , label]) => `${label} status limit reached. Please slow down.`);
  return reached.length ? `Validation failed: ${reached.join(', ')}` : null;
}
