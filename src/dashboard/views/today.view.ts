import { DateTime } from 'luxon';
import { ADAPTERS } from '../../platforms/platform.registry';
import { DELIVERY_STATUSES } from '../../posts/statuses';
import type { AccountOption, BadgeRow, TodayPost } from '../dashboard.repository';
import { html, query, SafeHtml } from '../html';
import { shiftDate, TodayQuery } from '../today.query';
import { formatTime, page, PageContext, platformName, statusWord } from './layout.view';

export interface TodayModel {
  query: TodayQuery;
  /** A badge's `paused`: "paused: <reason>" when an active pause holds the delivery back. */
  posts: Array<TodayPost & { badges: Array<BadgeRow & { paused?: string }> }>;
  /** More posts matched than are shown (`limit`). */
  truncated: boolean;
  limit: number;
  accounts: AccountOption[];
  /** The URL named a time zone (else the script switches to the browser's). */
  tzGiven: boolean;
}

const REASON_SHOWN = 300;

/** The parameters that select what is shown, for links that keep them. */
function params(q: TodayQuery, over: Partial<Record<string, string>> = {}) {
  return {
    view: q.view,
    date: q.date,
    tz: q.tz,
    account: q.account,
    platform: q.platform,
    status: q.status,
    q: q.q,
    ...over,
  };
}

export function todayUrl(q: TodayQuery, over: Partial<Record<string, string>> = {}): string {
  return `/dashboard/today${query(params(q, over))}`;
}

export function liveUrl(q: TodayQuery): string {
  return `/dashboard/today/live${query(params(q))}`;
}

function badge(b: BadgeRow & { paused?: string }): SafeHtml {
  const reason = b.error && b.status !== 'published' ? b.error.slice(0, REASON_SHOWN) : null;
  return html`<li class="badge s-${b.status}">
    <span class="platform">${platformName(b.platform)}</span><span aria-hidden="true">·</span>
    <span class="account">${b.accountName ?? '(deleted account)'}</span>
    <span class="status">${statusWord(b.status)}</span>
    ${b.paused ? html`<span class="paused">${b.paused}</span>` : ''}
    ${reason ? html`<span class="reason">${reason}</span>` : ''}
  </li>`;
}

/** A post's name in a list: its article's title, else the start of its text. */
export function postName(p: { title: string | null; text: string | null }): string {
  const name = p.title ?? p.text ?? '(composed from an article)';
  const line = name.split('\n')[0];
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

function postItem(p: TodayModel['posts'][number], q: TodayQuery): SafeHtml {
  return html`<li class="post">
    <div class="post-head">
      <time datetime="${p.scheduledAt.toISOString()}">${formatTime(p.scheduledAt, q.tz, 'HH:mm')}</time>
      <a id="post-${p.id}" href="/dashboard/posts/${p.id}${query({ tz: q.tz })}">${postName(p)}</a>
    </div>
    <ul class="badges" aria-label="Deliveries">
      ${p.badges.map(badge)}
    </ul>
  </li>`;
}

function list(posts: TodayModel['posts'], q: TodayQuery, empty: string): SafeHtml {
  if (posts.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<ol class="posts">
    ${posts.map((p) => postItem(p, q))}
  </ol>`;
}

/** The live region: re-fetched by the script (GET /dashboard/today/live) and served inside the page. */
export function todayResults(m: TodayModel): SafeHtml {
  const q = m.query;
  const filtered = q.account || q.platform || q.status || q.q;
  const none = filtered ? 'Nothing scheduled matches the filters.' : 'Nothing scheduled.';
  let body: SafeHtml;
  if (q.view === 'day') {
    body = list(m.posts, q, none);
  } else {
    const start = DateTime.fromJSDate(q.from, { zone: q.tz });
    body = html`${Array.from({ length: 7 }, (_, i) => {
      const day = start.plus({ days: i });
      const posts = m.posts.filter((p) => DateTime.fromJSDate(p.scheduledAt, { zone: q.tz }).hasSame(day, 'day'));
      return html`<section class="day" aria-labelledby="day-${i}">
        <h2 id="day-${i}">${day.toFormat('cccc d LLLL')}</h2>
        ${list(posts, q, none)}
      </section>`;
    })}`;
  }
  const more = m.truncated
    ? html`<p class="notice" role="status">Showing the first ${m.limit} posts; narrow the filters to see the rest.</p>`
    : '';
  return html`${more}${body}`;
}

function select(name: string, label: string, value: string | undefined, options: Array<[string, string]>): SafeHtml {
  return html`<label
    >${label}
    <select name="${name}">
      <option value="">All</option>
      ${options.map(([v, text]) => html`<option value="${v}" ${v === value ? html`selected` : ''}>${text}</option>`)}
    </select></label
  >`;
}

function heading(q: TodayQuery): string {
  const day = DateTime.fromISO(q.date, { zone: q.tz });
  if (q.view === 'week') return `Week of ${DateTime.fromJSDate(q.from, { zone: q.tz }).toFormat('cccc d LLLL yyyy')}`;
  if (day.hasSame(DateTime.now().setZone(q.tz), 'day')) return `Today, ${day.toFormat('cccc d LLLL yyyy')}`;
  return day.toFormat('cccc d LLLL yyyy');
}

export function todayPage(m: TodayModel, ctx: PageContext): string {
  const q = m.query;
  const step = q.view === 'week' ? 7 : 1;
  const unit = q.view === 'week' ? 'week' : 'day';
  const filters = html`<form class="filters" method="get" action="/dashboard/today" aria-label="Filters">
    <label
      >View
      <select name="view">
        <option value="day" ${q.view === 'day' ? html`selected` : ''}>Day</option>
        <option value="week" ${q.view === 'week' ? html`selected` : ''}>Week</option>
      </select></label
    >
    <label>Date <input type="date" name="date" value="${q.date}" /></label>
    ${select(
      'account',
      'Account',
      q.account,
      m.accounts.map((a) => [a.id, `${a.name} (${platformName(a.platform)})`]),
    )}
    ${select(
      'platform',
      'Platform',
      q.platform,
      ADAPTERS.map((a) => [a.id, a.name]),
    )}
    ${select(
      'status',
      'Status',
      q.status,
      DELIVERY_STATUSES.map((s) => [s, s]),
    )}
    <label>Search title or text <input type="search" name="q" value="${q.q ?? ''}" maxlength="200" /></label>
    <input type="hidden" name="tz" value="${q.tz}" />
    <button type="submit">Show</button>
  </form>`;
  const pager = html`<nav class="pager" aria-label="Dates">
    <a href="${todayUrl(q, { date: shiftDate(q.date, -step) })}">Previous ${unit}</a>
    <a href="${todayUrl(q, { date: DateTime.now().setZone(q.tz).toISODate() as string })}">Today</a>
    <a href="${todayUrl(q, { date: shiftDate(q.date, step) })}">Next ${unit}</a>
  </nav>`;
  return page({
    title: 'Today',
    ctx,
    current: 'today',
    needsTz: !m.tzGiven,
    body: html`<h1>${heading(q)}</h1>
      <p class="muted">
        Times in ${q.tz}. Posts by scheduled time; each badge is one delivery: platform, account, status.
      </p>
      ${filters}${pager}
      <div id="results" data-refresh="${liveUrl(q)}">${todayResults(m)}</div>`,
  });
}
