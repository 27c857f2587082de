import { DateTime } from 'luxon';
import { redact } from '../../common/logger';
import { findAdapter } from '../../platforms/platform.registry';
import type { DeliveryView, PostView } from '../../posts/posts.service';
import { deliveryCause } from '../../posts/delivery-cause';
import { NOT_STARTED, RETRYABLE_BY_USER, type DeliveryStatus } from '../../posts/statuses';
import { html, query, safeHttpUrl, SafeHtml } from '../html';
import { csrfField, formatTime, page, PageContext, platformName, statusWord } from './layout.view';
import { postName } from './today.view';

export interface AttemptEntry {
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: string | null;
  statusCode: number | null;
  error: string | null;
}

export interface PostModel {
  post: PostView;
  title: string | null;
  /** Account names by id. */
  accountNames: Map<string, string>;
  /** Each delivery's attempt log, oldest first. */
  attempts: Map<string, AttemptEntry[]>;
  /** "paused: <reason>" by delivery id, for deliveries an active pause holds back. */
  paused?: Map<string, string>;
  tz: string;
  notice?: string;
  error?: string;
}

const WHEN = 'd LLL yyyy, HH:mm:ss';

function time(iso: string, tz: string): SafeHtml {
  return html`<time datetime="${iso}">${formatTime(iso, tz, WHEN)}</time>`;
}

/**
 * An error as shown: stored errors are already scrubbed of the account's secrets when written; this also removes
 * what looks like a credential in any text (a bot token in a URL path, a bearer or basic value, a URL password).
 */
export function shownError(error: string): string {
  return redact(error, []);
}

/** The platform's post as a link when its address is http(s), else as text (never a `javascript:` link). */
function remote(d: DeliveryView): SafeHtml {
  const link = safeHttpUrl(d.remoteUrl);
  return link ? html`<a href="${link}">${d.remoteUrl}</a>` : html`${d.remoteUrl}`;
}

function timeline(d: DeliveryView, attempts: AttemptEntry[], tz: string): SafeHtml {
  const items: SafeHtml[] = [html`<li>${time(d.scheduledAt, tz)}: scheduled</li>`];
  for (const a of attempts) {
    const outcome = a.finishedAt ? (a.outcome ?? 'finished') : 'in progress';
    const code = a.statusCode !== null ? html` (HTTP ${a.statusCode})` : '';
    const error = a.error ? html`: ${shownError(a.error)}` : '';
    const what = html`attempt ${a.attempt}: <strong>${outcome}</strong>${code}${error}`;
    items.push(html`<li>${time(a.startedAt, tz)}: ${what}</li>`);
  }
  if (d.publishedAt) {
    const where = d.remoteUrl ? html`: ${remote(d)}` : '';
    items.push(html`<li>${time(d.publishedAt, tz)}: published${where}</li>`);
  }
  const waiting = d.status === 'retrying' || d.status === 'scheduled';
  if (waiting && attempts.length > 0) items.push(html`<li>${time(d.nextAttemptAt, tz)}: next attempt</li>`);
  return html`<ol class="timeline">
    ${items}
  </ol>`;
}

function accountName(m: PostModel, d: DeliveryView): string {
  return d.accountId ? (m.accountNames.get(d.accountId) ?? '(deleted account)') : '(deleted account)';
}

/** The length as the platform counts it (what a preview shows as `length`). */
function counted(platform: string, text: string): SafeHtml {
  const adapter = findAdapter(platform);
  if (!adapter) return html``;
  const n = adapter.measure(text);
  return html`<p class="muted count">${n} ${n === 1 ? 'character' : 'characters'} as ${adapter.name} counts them</p>`;
}

function deliverySection(m: PostModel, d: DeliveryView, ctx: PageContext): SafeHtml {
  const account = accountName(m, d);
  // A delivery a resumed pause held is released by a person with Retry; one held for its account is not.
  const retryable =
    (RETRYABLE_BY_USER as readonly string[]).includes(d.status) ||
    deliveryCause({ status: d.status as DeliveryStatus, error: d.error, lastOutcome: null }) === 'paused';
  const head = `d-${d.id}`;
  return html`<section class="delivery" aria-labelledby="${head}">
    <h2 id="${head}" class="badge s-${d.status}">
      <span class="platform">${platformName(d.platform)}</span><span aria-hidden="true">·</span>
      <span class="account">${account}</span> <span class="status">${statusWord(d.status)}</span>
    </h2>
    ${m.paused?.has(d.id) ? html`<p class="paused">${m.paused.get(d.id)}</p>` : ''}
    ${d.error ? html`<p class="reason">${shownError(d.error)}</p>` : ''}
    ${d.remoteUrl ? html`<p>On ${platformName(d.platform)}: ${remote(d)}</p>` : ''}
    ${
      retryable
        ? html`<form method="post" action="/dashboard/deliveries/${d.id}/retry${query({ tz: m.tz })}" class="actions">
            ${csrfField(ctx)}<button type="submit" id="retry-${d.id}" aria-describedby="${head}">Retry</button>
          </form>`
        : ''
    }
    <h3>Text</h3>
    ${
      d.parts && d.parts.length > 1
        ? html`<ol>
            ${d.parts.map(
              (p) =>
                html`<li>
                  <pre class="text">${p}</pre>
                  ${counted(d.platform, p)}
                </li>`,
            )}
          </ol>`
        : html`<pre class="text">${d.text}</pre>
            ${counted(d.platform, d.text)}`
    }
    <h3>Timeline</h3>
    ${timeline(d, m.attempts.get(d.id) ?? [], m.tz)}
  </section>`;
}

function actions(m: PostModel, ctx: PageContext): SafeHtml {
  const p = m.post;
  const cancellable = p.deliveries.some((d) => NOT_STARTED.includes(d.status as DeliveryStatus));
  const failures = p.deliveries.filter((d) => d.status === 'failed' || d.status === 'unconfirmed').length;
  const failed = failures === 1 ? 'the failed delivery' : `the ${failures} failed or unconfirmed deliveries`;
  const action = (name: string) => `/dashboard/posts/${p.id}/${name}${query({ tz: m.tz })}`;
  const retryAll = html`<form method="post" action="${action('retry-failed')}" class="actions">
    ${csrfField(ctx)}
    <button type="submit" id="retry-failed-${p.id}" aria-describedby="retry-failed-help">Retry all failed</button>
    <span id="retry-failed-help" class="muted">Sends ${failed} again.</span>
  </form>`;
  const cancel = html`<form method="post" action="${action('cancel')}" class="actions">
    ${csrfField(ctx)}
    <button type="submit" class="danger" id="cancel-${p.id}" aria-describedby="cancel-help">Cancel</button>
    <span id="cancel-help" class="muted">Cancels every delivery that has not started.</span>
  </form>`;
  return html`${failures > 0 ? retryAll : ''}${cancellable ? cancel : ''}`;
}

/** The live part of the post page (GET /dashboard/posts/:id/live): status, actions and every delivery. */
export function postLive(m: PostModel, ctx: PageContext): SafeHtml {
  const p = m.post;
  const status = html`<strong>${statusWord(p.status)}</strong>`;
  return html`<p>Scheduled for ${time(p.scheduledAt, m.tz)} (${m.tz}) · post status: ${status}</p>
    ${actions(m, ctx)} ${p.deliveries.map((d) => deliverySection(m, d, ctx))}`;
}

const MOVABLE: readonly string[] = ['scheduled', 'retrying', 'held'];
const LOCAL_INPUT = "yyyy-LL-dd'T'HH:mm";

/**
 * Reschedule: one date-time field in the page's time zone (the browser's own picker, no script) and, when more than
 * one delivery could move, which: the whole post or one delivery. Outside the live region, so a refresh never
 * throws away a time being typed.
 */
function rescheduleForm(m: PostModel, ctx: PageContext): SafeHtml {
  const p = m.post;
  const movable = p.deliveries.filter((d) => MOVABLE.includes(d.status));
  if (movable.length === 0) return html``;
  const value = DateTime.fromISO(p.scheduledAt, { zone: m.tz }).toFormat(LOCAL_INPUT);
  const which =
    movable.length > 1
      ? html`<label for="reschedule-target"
          >Move
          <select id="reschedule-target" name="target">
            <option value="post">The whole post</option>
            ${movable.map(
              (d) => html`<option value="${d.id}">Only ${platformName(d.platform)} · ${accountName(m, d)}</option>`,
            )}
          </select></label
        >`
      : html`<input type="hidden" name="target" value="post" />`;
  return html`<form
    method="post"
    action="/dashboard/posts/${p.id}/reschedule${query({ tz: m.tz })}"
    class="actions reschedule"
    aria-label="Reschedule"
  >
    ${csrfField(ctx)}<input type="hidden" name="timezone" value="${m.tz}" />
    <label for="reschedule-at"
      >New time
      <input
        type="datetime-local"
        id="reschedule-at"
        name="scheduledAt"
        value="${value}"
        required
        aria-describedby="reschedule-help"
    /></label>
    ${which}
    <button type="submit" id="reschedule-${p.id}">Reschedule</button>
    <span id="reschedule-help" class="muted">In ${m.tz}. Moves what has not started; what went out stays.</span>
  </form>`;
}

export function postPage(m: PostModel, ctx: PageContext): string {
  const p = m.post;
  return page({
    title: postName({ title: m.title, text: p.text }),
    ctx,
    body: html`<p><a href="/dashboard/today${query({ tz: m.tz })}">Back to Today</a></p>
      <h1>${postName({ title: m.title, text: p.text })}</h1>
      ${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
      ${m.error ? html`<p class="error" role="alert">${m.error}</p>` : ''}
      ${p.text && m.title ? html`<pre class="text">${p.text}</pre>` : ''} ${rescheduleForm(m, ctx)}
      <div id="live" data-refresh="/dashboard/posts/${p.id}/live${query({ tz: m.tz })}">${postLive(m, ctx)}</div>`,
  });
}
