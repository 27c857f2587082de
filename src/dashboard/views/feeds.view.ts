import type { FeedItemView, FeedView } from '../../feeds/feeds.service';
import type { AccountOption } from '../dashboard.repository';
import { html, query, safeHttpUrl, SafeHtml } from '../html';
import { formatTime, page, PageContext, platformName, statusWord } from './layout.view';
import { duration } from './queues.view';

export interface FeedsModel {
  feeds: FeedView[];
  accounts: AccountOption[];
  tz: string;
  now: Date;
  /** The URL named no time zone: the script reloads the page in the browser's. */
  tzGiven: boolean;
}

export interface FeedModel extends FeedsModel {
  feed: FeedView;
  items: FeedItemView[];
  /** Items the page shows at most (the newest). */
  limit: number;
}

const WHEN = 'd LLL yyyy, HH:mm';
const REASON_SHOWN = 300;

export const feedUrl = (id: string, tz: string) => `/dashboard/feeds/${id}${query({ tz })}`;

/** An instant, and how far from now it is in words ("3 min ago", "in 5 min"). */
function when(iso: string | null, m: { tz: string; now: Date }): SafeHtml {
  if (!iso) return html`<span class="muted">never</span>`;
  const s = (new Date(iso).getTime() - m.now.getTime()) / 1000;
  const rel = Math.abs(s) < 1 ? 'now' : s < 0 ? `${duration(-s)} ago` : `in ${duration(s)}`;
  return html`<time datetime="${iso}">${formatTime(iso, m.tz, WHEN)}</time> <span class="muted">(${rel})</span>`;
}

function feedName(f: FeedView): string {
  return f.title?.trim() || f.url;
}

/** Item counts in words: "12 found: 3 scheduled, 8 seen before, 1 failed". */
function itemsFound(f: FeedView): string {
  const c = f.items;
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  if (total === 0) return 'none yet';
  const parts = Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s === 'seen' ? 'seen before (in the feed when it was added)' : s}`);
  return `${total} found: ${parts.join(', ')}`;
}

/** The last poll's trouble in plain words, or null when it went well. */
function lastError(f: FeedView): string | null {
  if (!f.lastError) return null;
  const reason = f.lastError.slice(0, REASON_SHOWN);
  if (f.consecutiveFailures === 0) return `The last poll worked, but an item could not be posted: ${reason}`;
  const polls = f.consecutiveFailures === 1 ? 'The last poll' : `The last ${f.consecutiveFailures} polls`;
  return `${polls} failed: ${reason}`;
}

/** Why the next poll is later than usual, or null when it is not. */
function backoff(f: FeedView): string | null {
  if (!f.backoff) return null;
  const n = f.backoff.failures;
  return (
    `Later than usual: after ${n === 1 ? 'a failed poll' : `${n} failed polls in a row`} it waits ` +
    `${duration(f.backoff.interval)} instead of ${duration(f.pollInterval)} (doubled per failure, at most 6 h).`
  );
}

function accountsOf(f: FeedView, accounts: AccountOption[]): string {
  return f.accountIds
    .map((id) => {
      const a = accounts.find((x) => x.id === id);
      return a ? `${a.name} (${platformName(a.platform)})` : '(deleted account)';
    })
    .join(', ');
}

/** A feed's state as a list of facts (the Feeds page and the top of a feed's page). */
function facts(f: FeedView, m: FeedsModel): SafeHtml {
  const error = lastError(f);
  const later = backoff(f);
  return html`<dl class="facts">
    <dt>Last poll</dt>
    <dd>${when(f.lastPolledAt, m)}${f.consecutiveFailures > 0 ? html` <strong class="warn">failed</strong>` : ''}</dd>
    ${
      error
        ? html`<dt>Last error</dt>
            <dd class="reason">${error}</dd>`
        : ''
    }
    <dt>Next poll</dt>
    <dd>${when(f.nextPollAt, m)}${later ? html`<br /><span class="warn">${later}</span>` : ''}</dd>
    <dt>Items</dt>
    <dd>${itemsFound(f)}</dd>
    <dt>Posts to</dt>
    <dd>${accountsOf(f, m.accounts)}</dd>
  </dl>`;
}

function feedEntry(f: FeedView, m: FeedsModel): SafeHtml {
  const head = `feed-${f.id}`;
  const url = safeHttpUrl(f.url);
  return html`<li class="card" aria-labelledby="${head}">
    <h2 id="${head}"><a href="${feedUrl(f.id, m.tz)}">${feedName(f)}</a></h2>
    <p class="muted wrap">${url ? html`<a href="${url}">${f.url}</a>` : f.url} · ${f.kind}</p>
    ${facts(f, m)}
  </li>`;
}

/** The live part of the Feeds page (GET /dashboard/feeds/live). */
export function feedsLive(m: FeedsModel): SafeHtml {
  if (m.feeds.length === 0) return html`<p>No feeds yet. Add one with <code>POST /api/v1/feeds</code>.</p>`;
  return html`<ul class="cards" aria-label="Feeds">
    ${m.feeds.map((f) => feedEntry(f, m))}
  </ul>`;
}

export function feedsPage(m: FeedsModel, ctx: PageContext): string {
  return page({
    title: 'Feeds',
    ctx,
    current: 'feeds',
    needsTz: !m.tzGiven,
    body: html`<h1>Feeds</h1>
      <p class="muted">Times in ${m.tz}. Each feed: its last and next poll, what went wrong, and what it found.</p>
      <div id="live" data-refresh="/dashboard/feeds/live${query({ tz: m.tz })}">${feedsLive(m)}</div>`,
  });
}

/** What an item became, in words (its status alone says little to someone who did not write the poller). */
function became(i: FeedItemView, m: FeedModel): SafeHtml {
  switch (i.status) {
    case 'seen':
      return html`Seen before: it was in the feed when the feed was added, so it is remembered and not posted.`;
    case 'pending':
      return html`Being scheduled: a poll took it and is making its post.`;
    case 'scheduled':
      return i.postId
        ? html`Became <a href="/dashboard/posts/${i.postId}${query({ tz: m.tz })}" id="post-of-${i.id}">a post</a>${
              i.scheduledAt ? html` for ${when(i.scheduledAt, m)}` : ''
            },
            now <strong>${statusWord(i.postStatus ?? 'scheduled')}</strong>.`
        : html`Scheduled as a post.`;
    case 'failed':
      return html`Not posted, failed:
        <span class="reason">${(i.error ?? 'no reason recorded').slice(0, REASON_SHOWN)}</span>`;
    case 'skipped':
      return html`Not posted, skipped:
        <span class="reason">${(i.error ?? 'no reason recorded').slice(0, REASON_SHOWN)}</span>`;
    default:
      return html`${statusWord(i.status)}`;
  }
}

const ITEM_BADGE: Record<string, string> = {
  seen: 'skipped',
  pending: 'publishing',
  scheduled: 'scheduled',
  failed: 'failed',
  skipped: 'skipped',
};

function itemEntry(i: FeedItemView, m: FeedModel): SafeHtml {
  const head = `item-${i.id}`;
  const link = safeHttpUrl(i.link);
  const names = new Map(m.accounts.map((a) => [a.id, a.name]));
  return html`<li class="card" aria-labelledby="${head}">
    <p class="item-head">
      <span class="badge s-${ITEM_BADGE[i.status] ?? 'skipped'}"
        ><span class="status">${statusWord(i.status)}</span></span
      >
      <strong id="${head}">${i.title || i.link || '(untitled item)'}</strong>
    </p>
    <p class="muted wrap">found ${when(i.firstSeenAt, m)}${link ? html` · <a href="${link}">the original</a>` : ''}</p>
    <p>${became(i, m)}</p>
    ${
      i.deliveries.length > 0
        ? html`<ul class="badges" aria-label="Deliveries">
            ${i.deliveries.map((d) => {
              const remote = safeHttpUrl(d.remoteUrl);
              const reason = d.error && d.status !== 'published' ? d.error.slice(0, REASON_SHOWN) : null;
              return html`<li class="badge s-${d.status}">
                <span class="platform">${platformName(d.platform)}</span><span aria-hidden="true">·</span>
                <span class="account">${(d.accountId && names.get(d.accountId)) || '(deleted account)'}</span>
                <span class="status">${statusWord(d.status)}</span>
                ${remote ? html`<a href="${remote}">view</a>` : ''}
                ${reason ? html`<span class="reason">${reason}</span>` : ''}
              </li>`;
            })}
          </ul>`
        : ''
    }
  </li>`;
}

/** The live part of a feed's page (GET /dashboard/feeds/:id/live): its state and its newest items. */
export function feedLive(m: FeedModel): SafeHtml {
  const more = m.items.length >= m.limit ? html`<p class="muted">Showing the newest ${m.limit} items.</p>` : '';
  return html`${facts(m.feed, m)}
    <h2 id="items-h">Items</h2>
    ${
      m.items.length === 0
        ? html`<p class="muted">No items yet.</p>`
        : html`${more}
            <ol class="cards" aria-labelledby="items-h">
              ${m.items.map((i) => itemEntry(i, m))}
            </ol>`
    }`;
}

export function feedPage(m: FeedModel, ctx: PageContext): string {
  const f = m.feed;
  const url = safeHttpUrl(f.url);
  return page({
    title: feedName(f),
    ctx,
    current: 'feeds',
    needsTz: !m.tzGiven,
    body: html`<p><a href="/dashboard/feeds${query({ tz: m.tz })}">Back to Feeds</a></p>
      <h1>${feedName(f)}</h1>
      <p class="muted wrap">
        ${url ? html`<a href="${url}">${f.url}</a>` : f.url} · ${f.kind} · times in ${m.tz}; newest items first
      </p>
      <div id="live" data-refresh="/dashboard/feeds/${f.id}/live${query({ tz: m.tz })}">${feedLive(m)}</div>`,
  });
}
