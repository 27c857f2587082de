import { DateTime } from 'luxon';
import { findAdapter } from '../../platforms/platform.registry';
import { CSS_PATH, SCRIPT_PATH } from '../assets';
import { html, SafeHtml } from '../html';

export const QUEUES_PATH = '/admin/queues';

/** What every signed-in page needs: the CSRF token for its forms. */
export interface PageContext {
  csrf: string;
  /** The active pauses (what each covers, in words, and why): a banner on every page while there are any. */
  pauses?: readonly { what: string; reason: string | null }[];
}

type NavKey = 'today' | 'failures' | 'post' | 'pauses' | 'accounts' | 'feeds' | 'queues' | 'webhooks';

export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;
}

export function platformName(id: string): string {
  return findAdapter(id)?.name ?? id;
}

export function formatTime(d: Date | string, tz: string, format: string): string {
  return DateTime.fromJSDate(new Date(d), { zone: tz }).toFormat(format);
}

/** `partially_published` reads as "partially published". */
export function statusWord(status: string): string {
  return status.replace(/_/g, ' ');
}

function nav(current: NavKey, ctx: PageContext | null): SafeHtml {
  if (!ctx) return html``;
  return html`<nav class="main" aria-label="Dashboard">
      <ul>
        <li><a href="/dashboard/today" ${current === 'today' ? html`aria-current="page"` : ''}>Today</a></li>
        <li>
          <a href="/dashboard/failures" ${current === 'failures' ? html`aria-current="page"` : ''}>Failures</a>
        </li>
        <li>
          <a href="/dashboard/accounts" ${current === 'accounts' ? html`aria-current="page"` : ''}>Accounts</a>
        </li>
        <li><a href="/dashboard/pauses" ${current === 'pauses' ? html`aria-current="page"` : ''}>Pauses</a></li>
        <li><a href="/dashboard/feeds" ${current === 'feeds' ? html`aria-current="page"` : ''}>Feeds</a></li>
        <li><a href="/dashboard/queues" ${current === 'queues' ? html`aria-current="page"` : ''}>Queues</a></li>
        <li>
          <a href="/dashboard/webhooks" ${current === 'webhooks' ? html`aria-current="page"` : ''}>Webhooks</a>
        </li>
      </ul>
    </nav>
    <form class="inline" method="post" action="/dashboard/sign-out">
      ${csrfField(ctx)}<button type="submit">Sign out</button>
    </form>`;
}

function pauseBanner(ctx: PageContext | null): SafeHtml {
  if (!ctx?.pauses || ctx.pauses.length === 0) return html``;
  return html`<div class="banner" role="status">
    <strong>Publishing is paused:</strong>
    ${ctx.pauses.map((p, i) => html`${i > 0 ? '; ' : ''}${p.what}${p.reason ? html` (${p.reason})` : ''}`)}.
    <a href="/dashboard/pauses">Pauses</a>
  </div>`;
}

export function page(opts: {
  title: string;
  body: SafeHtml;
  ctx: PageContext | null;
  current?: NavKey;
  /** The Today page without a `tz` parameter: the script reloads it in the browser's time zone. */
  needsTz?: boolean;
}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${opts.title} · Crier</title>
<link rel="stylesheet" href="${CSS_PATH}">
<script src="${SCRIPT_PATH}" defer></script>
</head>
<body${opts.needsTz ? html` data-needs-tz="1"` : ''}>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><span class="brand">Crier</span>${nav(opts.current ?? 'post', opts.ctx)}</header>
${pauseBanner(opts.ctx)}
<main id="main" tabindex="-1">
${opts.body}
</main>
</body>
</html>
`.value;
}

export function errorPage(status: number, message: string, ctx: PageContext | null): string {
  const title =
    status === 404 ? 'Not found' : status === 403 ? 'Refused' : status >= 500 ? 'Unavailable' : 'Not possible';
  return page({
    title,
    ctx,
    body: html`<h1>${title}</h1>
      <p class="error" role="alert">${message}</p>
      <p><a href="/dashboard/today">Back to Today</a></p>`,
  });
}
