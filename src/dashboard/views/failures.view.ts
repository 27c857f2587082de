import type { ListedDeliveryView } from '../../posts/deliveries.service';
import { NOT_STARTED, RETRYABLE_BY_USER, type DeliveryStatus } from '../../posts/statuses';
import type { InboxGroup } from '../failure-groups';
import { html, query, SafeHtml } from '../html';
import { csrfField, formatTime, page, PageContext, statusWord } from './layout.view';
import { postName } from './today.view';

export interface FailuresModel {
  groups: InboxGroup[];
  /** More deliveries matched than are shown (`limit`). */
  truncated: boolean;
  limit: number;
  tz: string;
  notice?: string;
  error?: string;
}

const REASON_SHOWN = 300;
const WHEN = 'd LLL yyyy, HH:mm';
export const FAILURES_LIVE = '/dashboard/failures/live';

/** What to do about it, in words, when the stored error does not say enough. */
function advice(d: ListedDeliveryView): string | null {
  if (d.cause === 'paused') return 'Held when its pause was resumed: Retry sends it.';
  if (d.status === 'held') {
    return "Fix the account's credentials (Edit credentials, or PATCH /api/v1/accounts/:id); it is sent once fixed.";
  }
  if (d.status === 'unconfirmed') return 'The platform may have published it: check there before retrying.';
  if (d.cause === 'rate-limited') return 'The platform asked us to slow down; it is sent again automatically.';
  if (d.status === 'retrying') return 'Still being retried automatically, for more than 15 minutes now.';
  return null;
}

function row(d: ListedDeliveryView, m: FailuresModel, ctx: PageContext): SafeHtml {
  const head = `f-${d.id}`;
  // A delivery a resumed pause held is released by a person with Retry; one held for its account is not.
  const retryable = (RETRYABLE_BY_USER as readonly string[]).includes(d.status) || d.cause === 'paused';
  const cancellable = NOT_STARTED.includes(d.status as DeliveryStatus);
  const back = query({ tz: m.tz, back: 'failures' });
  const reason = d.reason ? d.reason.slice(0, REASON_SHOWN) : null;
  const tip = advice(d);
  return html`<li class="failure" aria-labelledby="${head}">
    <p id="${head}" class="badge s-${d.status}">
      <span class="platform">${d.platformName}</span><span aria-hidden="true">·</span>
      <span class="account">${d.accountName ?? '(deleted account)'}</span>
      <span class="status">${statusWord(d.status)}</span>
    </p>
    <p>
      <a href="/dashboard/posts/${d.postId}${query({ tz: m.tz })}">${postName({ title: d.postTitle, text: null })}</a>
      <span class="muted"
        >scheduled <time datetime="${d.scheduledAt}">${formatTime(d.scheduledAt, m.tz, WHEN)}</time></span
      >
    </p>
    ${reason ? html`<p class="reason">${reason}</p>` : ''} ${tip ? html`<p class="muted">${tip}</p>` : ''}
    ${
      retryable
        ? html`<form method="post" action="/dashboard/deliveries/${d.id}/retry${back}" class="actions">
            ${csrfField(ctx)}<button type="submit" id="retry-${d.id}" aria-describedby="${head}">Retry</button>
          </form>`
        : ''
    }
    ${
      // Held for its account: the fix is the account's (the Accounts page's Verify and Edit credentials).
      d.status === 'held' && d.cause !== 'paused' && d.accountId
        ? html`<div class="actions">
            <form method="post" action="/dashboard/accounts/${d.accountId}/verify${query({ tz: m.tz })}" class="inline">
              ${csrfField(ctx)}<button type="submit" id="verify-${d.id}" aria-describedby="${head}">Verify</button>
            </form>
            <form method="get" action="/dashboard/accounts/${d.accountId}/credentials" class="inline">
              <button type="submit" id="credentials-${d.id}" aria-describedby="${head}">Edit credentials</button>
            </form>
          </div>`
        : ''
    }
    ${
      cancellable
        ? html`<form method="post" action="/dashboard/posts/${d.postId}/cancel${back}" class="actions">
            ${csrfField(ctx)}
            <button type="submit" class="danger" id="cancel-${d.id}" aria-describedby="${head} cancel-help-${d.id}">
              Cancel
            </button>
            <span id="cancel-help-${d.id}" class="muted"
              >Cancels every delivery of this post that has not started.</span
            >
          </form>`
        : ''
    }
  </li>`;
}

/** The live part of the inbox (GET /dashboard/failures/live): every group and the note on the cap. */
export function failuresLive(m: FailuresModel, ctx: PageContext): SafeHtml {
  if (m.groups.length === 0) return html`<p>Nothing needs a look: no failed, held, unconfirmed or stuck delivery.</p>`;
  const more = m.truncated
    ? html`<p class="notice" role="status">
        Showing the newest ${m.limit} deliveries; fix or retry these to see the rest.
      </p>`
    : '';
  return html`${more}
  ${m.groups.map(
    (g) =>
      html`<section aria-labelledby="g-${g.key}">
        <h2 id="g-${g.key}">${g.title} <span class="muted">(${g.items.length})</span></h2>
        <ul class="failures" aria-label="${g.title}">
          ${g.items.map((d) => row(d, m, ctx))}
        </ul>
      </section>`,
  )}`;
}

export function failuresPage(m: FailuresModel, ctx: PageContext): string {
  return page({
    title: 'Failures',
    ctx,
    current: 'failures',
    body: html`<h1>Failures</h1>
      ${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
      ${m.error ? html`<p class="error" role="alert">${m.error}</p>` : ''}
      <p class="muted">
        Times in ${m.tz}. Failed, held and unconfirmed deliveries, and those retrying for more than 15 minutes or held
        back by a rate limit; newest first.
      </p>
      <div id="live" data-refresh="${FAILURES_LIVE}${query({ tz: m.tz })}">${failuresLive(m, ctx)}</div>`,
  });
}
