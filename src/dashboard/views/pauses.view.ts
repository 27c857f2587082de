import type { MissedRule } from '../../pauses/pause-rules';
import { describeScope } from '../../pauses/pause-rules';
import type { PauseView } from '../../pauses/pauses.service';
import type { AccountOption } from '../dashboard.repository';
import { html, query, SafeHtml } from '../html';
import { csrfField, formatTime, page, PageContext, platformName } from './layout.view';

export interface PausesModel {
  active: PauseView[];
  /** Ended pauses, newest first (a few). */
  ended: PauseView[];
  accounts: AccountOption[];
  platforms: readonly { id: string; name: string }[];
  tz: string;
  notice?: string;
  error?: string;
}

const WHEN = 'd LLL yyyy, HH:mm';

const MISSED_WORDS: Record<MissedRule, string> = {
  send: 'send them',
  skip: 'skip the old ones',
  hold: 'hold them for a person',
};

/** What a waiting delivery shows: "paused: <reason>". */
export function pausedLabel(p: Pick<PauseView, 'reason'>): string {
  return p.reason ? `paused: ${p.reason}` : 'paused';
}

export function pauseScopeWords(p: Pick<PauseView, 'scope' | 'targetName'>): string {
  return describeScope(p.scope, p.targetName);
}

function missedWords(p: PauseView): string {
  if (p.missed === 'skip') {
    const n = p.skipOlderThanMinutes ?? 0;
    return n === 0 ? 'skip them' : `skip those over ${n} ${n === 1 ? 'minute' : 'minutes'} late, send the rest`;
  }
  return MISSED_WORDS[p.missed];
}

function activeItem(p: PauseView, m: PausesModel, ctx: PageContext): SafeHtml {
  const head = `p-${p.id}`;
  return html`<li class="pause">
    <h3 id="${head}">${pauseScopeWords(p)}</h3>
    <p class="reason">${p.reason ?? 'No reason given.'}</p>
    <p class="muted">
      Since <time datetime="${p.createdAt}">${formatTime(p.createdAt, m.tz, WHEN)}</time>. Deliveries that fall due
      meanwhile: ${missedWords(p)} on resume.
    </p>
    <form method="post" action="/dashboard/pauses/${p.id}/resume${query({ tz: m.tz })}" class="actions">
      ${csrfField(ctx)}<button type="submit" class="primary" aria-describedby="${head}">Resume</button>
    </form>
  </li>`;
}

function endedItem(p: PauseView, tz: string): SafeHtml {
  const o = p.outcome;
  return html`<li>
    ${pauseScopeWords(p)}${p.reason ? html`: ${p.reason}` : ''}
    <span class="muted"
      >(<time datetime="${p.createdAt}">${formatTime(p.createdAt, tz, WHEN)}</time> to
      ${p.resumedAt ? html`<time datetime="${p.resumedAt}">${formatTime(p.resumedAt, tz, WHEN)}</time>` : ''}${
        o ? html`; ${o.sent} sent, ${o.skipped} skipped, ${o.held} held` : ''
      })</span
    >
  </li>`;
}

function pauseForm(m: PausesModel, ctx: PageContext): SafeHtml {
  return html`<form method="post" action="/dashboard/pauses${query({ tz: m.tz })}" class="pause-form">
    ${csrfField(ctx)}
    <label
      >What to pause
      <select name="what" required>
        <option value="all">Everything</option>
        <optgroup label="A platform">
          ${m.platforms.map((p) => html`<option value="platform:${p.id}">${p.name}</option>`)}
        </optgroup>
        <optgroup label="An account">
          ${m.accounts.map((a) => html`<option value="account:${a.id}">${a.name} (${platformName(a.platform)})</option>`)}
        </optgroup>
      </select>
    </label>
    <label
      >Reason <input type="text" name="reason" maxlength="500" placeholder="Shown on every page while paused"
    /></label>
    <label
      >On resume, deliveries that fell due meanwhile
      <select name="missed">
        <option value="send">Send them</option>
        <option value="skip">Skip the old ones</option>
        <option value="hold">Hold them for a person</option>
      </select>
    </label>
    <label
      >Skip those over this many minutes late (with "skip")
      <input type="number" name="skipOlderThanMinutes" min="0" max="525600" step="1" value="60" />
    </label>
    <button type="submit" class="danger">Pause</button>
  </form>`;
}

export function pausesPage(m: PausesModel, ctx: PageContext): string {
  return page({
    title: 'Pauses',
    ctx,
    current: 'pauses',
    body: html`<h1>Pauses</h1>
      ${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
      ${m.error ? html`<p class="error" role="alert">${m.error}</p>` : ''}
      <p class="muted">
        While paused, nothing due is sent and nothing is lost: the deliveries wait. Something already being published
        finishes. Times in ${m.tz}.
      </p>
      <h2>Active</h2>
      ${
        m.active.length === 0
          ? html`<p>Nothing is paused.</p>`
          : html`<ul class="pauses">
              ${m.active.map((p) => activeItem(p, m, ctx))}
            </ul>`
      }
      <h2>Pause</h2>
      ${pauseForm(m, ctx)}
      ${
        m.ended.length > 0
          ? html`<h2>Ended</h2>
              <ul class="ended">
                ${m.ended.map((p) => endedItem(p, m.tz))}
              </ul>`
          : ''
      }`,
  });
}
