import type { AccountHealth, AccountWithHealth, RateLimitWait } from '../../accounts/account-health.service';
import type { AccountView } from '../../accounts/accounts.service';
import type { PauseView } from '../../pauses/pauses.service';
import type { FieldSpec, VerifyResult } from '../../platforms/platform';
import { html, query, safeHttpUrl, SafeHtml } from '../html';
import { csrfField, formatTime, page, PageContext, platformName, statusWord } from './layout.view';

export type AccountItem = AccountWithHealth & {
  /** Active pauses covering the account: its own, its platform's, everything. */
  pauses: readonly PauseView[];
};

export interface AccountsModel {
  accounts: AccountItem[];
  tz: string;
  notice?: string;
  error?: string;
  verified?: { account: AccountView; result: VerifyResult; reactivated: boolean };
}

export const ACCOUNTS_LIVE = '/dashboard/accounts/live';
const WHEN = 'd LLL yyyy, HH:mm';
const MESSAGE_SHOWN = 300;

function time(iso: string, tz: string, format = WHEN): SafeHtml {
  return html`<time datetime="${iso}">${formatTime(iso, tz, format)}</time>`;
}

function postLink(postId: string, tz: string, label: string): SafeHtml {
  return html`<a href="/dashboard/posts/${postId}${query({ tz })}">${label}</a>`;
}

/** "20 per minute", "100 per 15 minutes", "300 per 3 hours". */
export function budgetWords(max: number, windowMs: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [ms, unit] of units) {
    if (windowMs % ms === 0) {
      const n = windowMs / ms;
      return `${max} per ${n === 1 ? unit : `${n} ${unit}s`}`;
    }
  }
  return `${max} per ${windowMs} ms`;
}

function waitWords(w: RateLimitWait, tz: string): SafeHtml {
  const why =
    w.by === 'platform'
      ? `the platform asked to wait (${w.scope} limit)`
      : w.by === 'daily-cap'
        ? `daily cap of ${w.max ?? '?'} posts reached`
        : `budget of ${budgetWords(w.max ?? 0, w.windowMs ?? 0)} spent (${w.scope})`;
  return html`waits until ${time(w.until, tz, 'd LLL, HH:mm:ss')}: ${why}`;
}

/** "$0.015", "$0.20", "$12.40": a tenth of a cent matters below a dollar (X bills $0.015 a post). */
export function usd(n: number): string {
  const mills = n.toFixed(3);
  return `$${n >= 1 || mills.endsWith('0') ? n.toFixed(2) : mills}`;
}

function costWords(c: NonNullable<AccountHealth['cost']>): SafeHtml {
  const cap = c.cap === null ? 'no daily cap' : `cap ${c.cap}`;
  return html`${c.last24h.published} published in the last 24 hours (${cap}), ${c.today.published} today · about
    ${usd(c.last24h.estimatedUsd)} in 24 hours, ${usd(c.today.estimatedUsd)} today
    <span class="muted"
      >(${usd(c.perPostUsd)} a post, ${usd(c.perPostWithUrlUsd)} with a
      link${c.last24h.posts > 0 ? `; ${c.last24h.postsWithUrl} of ${c.last24h.posts} posts had one` : ''})</span
    >`;
}

function health(a: AccountItem, tz: string): SafeHtml {
  const h = a.health;
  const s = h.lastSuccess;
  const e = h.lastError;
  const remote = s ? safeHttpUrl(s.remoteUrl) : null;
  const p = h.pending;
  const parts = [
    p.scheduled ? `${p.scheduled} scheduled` : '',
    p.retrying ? `${p.retrying} retrying` : '',
    p.publishing ? `${p.publishing} publishing` : '',
  ].filter(Boolean);
  return html`<dl class="health">
    <dt>Last success</dt>
    <dd>
      ${
        s
          ? html`${time(s.at, tz)} ·
            ${postLink(s.postId, tz, 'post')}${
              remote ? html` · <a href="${remote}">on ${platformName(a.platform)}</a>` : ''
            }`
          : 'none yet'
      }
    </dd>
    <dt>Last error</dt>
    <dd>
      ${
        e
          ? html`${time(e.at, tz)} ·
            ${e.outcome}${e.statusCode !== null ? html` (HTTP ${e.statusCode})` : ''}${
              e.message ? html`: <span class="reason">${e.message.slice(0, MESSAGE_SHOWN)}</span>` : ''
            }
            · ${postLink(e.postId, tz, 'post')}`
          : 'none'
      }
    </dd>
    <dt>Rate limit</dt>
    <dd>${h.rateLimit ? waitWords(h.rateLimit, tz) : 'can send now'}</dd>
    <dt>Pending</dt>
    <dd>
      ${p.total}${parts.length ? ` (${parts.join(', ')})` : ''}${h.held ? html` · <strong>${h.held} held</strong>` : ''}
    </dd>
    ${
      h.cost
        ? html`<dt>Cost</dt>
            <dd>${costWords(h.cost)}</dd>`
        : ''
    }
  </dl>`;
}

function pauseWords(p: PauseView): string {
  const what =
    p.scope === 'account' ? 'Paused' : p.scope === 'platform' ? 'Its platform is paused' : 'Everything is paused';
  return `${what}: ${p.reason ?? 'no reason given'}`;
}

function pauseControls(a: AccountItem, m: AccountsModel, ctx: PageContext, head: string): SafeHtml {
  const own = a.pauses.find((p) => p.scope === 'account');
  const back = query({ tz: m.tz });
  if (own) {
    return html`<form method="post" action="/dashboard/accounts/${a.id}/resume${back}" class="actions">
      ${csrfField(ctx)}<input type="hidden" name="pause" value="${own.id}" />
      <button type="submit" class="primary" id="resume-${a.id}" aria-describedby="${head}">Resume</button>
    </form>`;
  }
  return html`<form method="post" action="/dashboard/accounts/${a.id}/pause${back}" class="actions pause-account">
    ${csrfField(ctx)}
    <label for="pause-reason-${a.id}">Reason</label>
    <input type="text" id="pause-reason-${a.id}" name="reason" maxlength="500" />
    <label for="pause-missed-${a.id}">Missed deliveries</label>
    <select id="pause-missed-${a.id}" name="missed">
      <option value="send">send on resume</option>
      <option value="skip">skip the late ones</option>
      <option value="hold">hold for a person</option>
    </select>
    <label for="pause-minutes-${a.id}">Late after (minutes, for skip)</label>
    <input type="number" id="pause-minutes-${a.id}" name="skipOlderThanMinutes" min="0" max="525600" value="60" />
    <button type="submit" class="danger" id="pause-${a.id}" aria-describedby="${head}">Pause</button>
  </form>`;
}

function item(a: AccountItem, m: AccountsModel, ctx: PageContext): SafeHtml {
  const head = `a-${a.id}`;
  const reason = a.health.statusReason;
  return html`<li class="account" aria-labelledby="${head}">
    <h2 id="${head}" class="badge s-${a.status}">
      <span class="platform">${platformName(a.platform)}</span><span aria-hidden="true">·</span>
      <span class="account">${a.name}</span> <span class="status">${statusWord(a.status)}</span>
      ${a.managedBy ? html`<span class="managed muted">config file: ${a.configKey}</span>` : ''}
    </h2>
    ${reason ? html`<p class="reason">${reason}</p>` : ''}
    ${a.pauses.map((p) => html`<p class="paused">${pauseWords(p)}</p>`)} ${health(a, m.tz)}
    <div class="actions">
      <form method="post" action="/dashboard/accounts/${a.id}/verify${query({ tz: m.tz })}" class="inline">
        ${csrfField(ctx)}<button type="submit" id="verify-${a.id}" aria-describedby="${head}">Verify</button>
      </form>
      ${
        a.managedBy
          ? '' // The config file holds its credentials: the API would refuse the edit (409).
          : html`<form method="get" action="/dashboard/accounts/${a.id}/credentials" class="inline">
              <input type="hidden" name="tz" value="${m.tz}" />
              <button type="submit" id="credentials-${a.id}" aria-describedby="${head}">Edit credentials</button>
            </form>`
      }
    </div>
    ${pauseControls(a, m, ctx, head)}
  </li>`;
}

/** The live part of the page (GET /dashboard/accounts/live): every account with its health and actions. */
export function accountsLive(m: AccountsModel, ctx: PageContext): SafeHtml {
  if (m.accounts.length === 0) return html`<p>No accounts yet: add one with POST /api/v1/accounts.</p>`;
  return html`<ul class="accounts" aria-label="Accounts">
    ${m.accounts.map((a) => item(a, m, ctx))}
  </ul>`;
}

function verifyMessage(v: NonNullable<AccountsModel['verified']>): SafeHtml {
  const who = `${platformName(v.account.platform)} · ${v.account.name}`;
  const r = v.result;
  if (r.ok && r.checked) {
    const as = r.remoteAccount?.username ?? r.remoteAccount?.name;
    const again = v.reactivated ? ' The account is active again; its held deliveries go out in order.' : '';
    return html`<p class="notice" role="status">
      Verified ${who}: the platform accepted the credentials${as ? ` (as ${String(as)})` : ''}.${again}
    </p>`;
  }
  if (r.ok) return html`<p class="notice" role="status">${who}: ${r.reason ?? 'the platform offers no check.'}</p>`;
  const what = r.checked ? 'the platform refused the credentials' : 'the credentials could not be checked now';
  return html`<p class="error" role="alert">Verify ${who}: ${what}: ${r.reason ?? 'no reason given'}</p>`;
}

export function accountsPage(m: AccountsModel, ctx: PageContext): string {
  return page({
    title: 'Accounts',
    ctx,
    current: 'accounts',
    body: html`<h1>Accounts</h1>
      ${m.verified ? verifyMessage(m.verified) : ''}
      ${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
      ${m.error ? html`<p class="error" role="alert">${m.error}</p>` : ''}
      <p class="muted">
        Times in ${m.tz}. Pending counts scheduled, retrying and publishing deliveries; held ones wait for new
        credentials. Verify asks the platform whether the stored credentials work.
      </p>
      <div id="live" data-refresh="${ACCOUNTS_LIVE}${query({ tz: m.tz })}">${accountsLive(m, ctx)}</div>`,
  });
}

export interface CredentialsModel {
  account: AccountView;
  fields: readonly FieldSpec[];
  /** The platform's kinds of credentials, in words (X: OAuth 1.0a or OAuth 2.0), or null. */
  kinds: string | null;
  tz: string;
  error?: string;
}

/** `pageAccessToken` reads "Page access token". */
export function fieldLabel(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return (words.charAt(0).toUpperCase() + words.slice(1)).replace(/\bid\b/g, 'ID').replace(/\bapi\b/gi, 'API');
}

function credentialField(f: FieldSpec, m: CredentialsModel): SafeHtml {
  const id = `cred-${f.name}`;
  const stored = m.account.credentials[f.name];
  // Secrets are write-only: never a value, and only whether one is stored. Identifiers are shown as the API shows them.
  const now = f.secret ? (stored ? 'A value is stored.' : 'Not set.') : stored ? `Now: ${stored}.` : 'Not set.';
  return html`<div class="field">
    <label for="${id}">${fieldLabel(f.name)}</label>
    <input
      id="${id}"
      name="credentials.${f.name}"
      type="${f.secret ? 'password' : 'text'}"
      autocomplete="${f.secret ? 'new-password' : 'off'}"
      spellcheck="false"
      aria-describedby="${id}-help"
    />
    <span id="${id}-help" class="muted">${f.description.replace(/\.$/, '')}. ${now}</span>
  </div>`;
}

export function credentialsPage(m: CredentialsModel, ctx: PageContext): string {
  const a = m.account;
  const title = `Edit credentials: ${platformName(a.platform)} · ${a.name}`;
  return page({
    title,
    ctx,
    current: 'accounts',
    body: html`<p><a href="/dashboard/accounts${query({ tz: m.tz })}">Back to Accounts</a></p>
      <h1>${title}</h1>
      ${m.error ? html`<p class="error" role="alert">${m.error}</p>` : ''}
      <p>Status: <strong>${statusWord(a.status)}</strong>${a.statusReason ? html` · ${a.statusReason}` : ''}</p>
      <p class="muted">
        Fill in only what changes: empty fields keep the stored value. Stored secrets are never shown.
        ${m.kinds ? html`Credentials are one kind: ${m.kinds}; a complete kind replaces what is stored.` : ''} New
        credentials bring an account that needs re-authentication back, with its held deliveries.
      </p>
      <form method="post" action="/dashboard/accounts/${a.id}/credentials${query({ tz: m.tz })}" class="credentials">
        ${csrfField(ctx)} ${m.fields.map((f) => credentialField(f, m))}
        <button type="submit" class="primary">Save credentials</button>
      </form>`,
  });
}
