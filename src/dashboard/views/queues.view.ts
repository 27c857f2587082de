import { DELIVERY_STATUSES, DeliveryStatus } from '../../posts/statuses';
import type { QueueOverview, WebhooksQueueOverview } from '../../queue/queues-overview.service';
import { html, SafeHtml } from '../html';
import { page, PageContext, platformName, QUEUES_PATH, statusWord } from './layout.view';

export interface QueuesModel {
  queues: QueueOverview[];
  /** The webhooks queue: a last row of the jobs table. */
  webhooks?: WebhooksQueueOverview;
}

export const QUEUES_LIVE = '/dashboard/queues/live';

/** A length of time in words, to the unit that matters: "45 s", "3 min", "2 h 5 min", "3 d 4 h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

const sum = (qs: QueueOverview[], f: (q: QueueOverview) => number) => qs.reduce((n, q) => n + f(q), 0);

/** One line on what matters most: is anything late, is anyone working. */
function summary(qs: QueueOverview[]): SafeHtml {
  const workers = sum(qs, (q) => q.workers);
  const overdue = sum(qs, (q) => q.overdue);
  const worst = qs
    .filter((q) => q.mostOverdueSeconds !== null)
    .sort((a, b) => (b.mostOverdueSeconds ?? 0) - (a.mostOverdueSeconds ?? 0))[0];
  const idle = qs.filter((q) => q.workers === 0).map((q) => platformName(q.platform));
  const late =
    overdue === 0
      ? html`Nothing is overdue.`
      : html`<strong>${overdue} ${overdue === 1 ? 'delivery is' : 'deliveries are'} overdue</strong>; the most late by
          ${duration(worst?.mostOverdueSeconds ?? 0)} (${platformName(worst?.platform ?? '')}).`;
  const who =
    workers === 0
      ? html`<strong>No worker is connected</strong>: nothing is being sent. Start a process with CRIER_ROLE=worker or
          all.`
      : html`${workers} ${workers === 1 ? 'worker' : 'workers'}
        connected${idle.length ? html`; none for ${idle.join(', ')}` : ''}.`;
  return html`<p class="${overdue > 0 || workers === 0 ? 'error' : 'notice'}">${who} ${late}</p>`;
}

function age(seconds: number | null): SafeHtml | string {
  return seconds === null ? html`<span class="muted">none</span>` : duration(seconds);
}

function jobsTable(qs: QueueOverview[], webhooks: WebhooksQueueOverview | undefined): SafeHtml {
  const rows: Array<(QueueOverview | WebhooksQueueOverview) & { label: string }> = [
    ...qs.map((q) => ({ ...q, label: platformName(q.platform) })),
    ...(webhooks ? [{ ...webhooks, label: 'Webhooks' }] : []),
  ];
  return html`<div class="table-wrap" role="region" aria-labelledby="jobs-h" tabindex="0">
    <table class="grid">
      <thead>
        <tr>
          <th scope="col">Platform</th>
          <th scope="col">Workers</th>
          <th scope="col">Waiting</th>
          <th scope="col">Oldest waiting</th>
          <th scope="col">Delayed</th>
          <th scope="col">Active</th>
          <th scope="col">Failed</th>
          <th scope="col">Completed</th>
          <th scope="col">Paused</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (q) =>
            html`<tr>
              <th scope="row">${q.label}</th>
              <td class="${q.workers === 0 ? 'warn' : ''}">${q.workers}</td>
              <td>${q.waiting}</td>
              <td>${age(q.oldestWaitingSeconds)}</td>
              <td>${q.delayed}</td>
              <td>${q.active}</td>
              <td>${q.failed}</td>
              <td>${q.completed}</td>
              <td>${q.paused}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function deliveriesTable(qs: QueueOverview[]): SafeHtml {
  const rows = qs.filter((q) => DELIVERY_STATUSES.some((s) => q.deliveries[s] > 0));
  if (rows.length === 0) return html`<p class="muted">No deliveries yet.</p>`;
  const total = (s: DeliveryStatus) => sum(rows, (q) => q.deliveries[s]);
  // Statuses no delivery has are left out: nine columns do not fit a phone, and a zero column says little.
  const statuses = DELIVERY_STATUSES.filter((s) => total(s) > 0);
  return html`<div class="table-wrap" role="region" aria-labelledby="deliveries-h" tabindex="0">
    <table class="grid">
      <thead>
        <tr>
          <th scope="col">Platform</th>
          <th scope="col">Overdue</th>
          <th scope="col">Most late</th>
          ${statuses.map((s) => html`<th scope="col">${statusWord(s)}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (q) =>
            html`<tr>
              <th scope="row">${platformName(q.platform)}</th>
              <td class="${q.overdue > 0 ? 'warn' : ''}">${q.overdue}</td>
              <td>${age(q.mostOverdueSeconds)}</td>
              ${statuses.map((s) => html`<td>${q.deliveries[s]}</td>`)}
            </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">All platforms</th>
          <td>${sum(rows, (q) => q.overdue)}</td>
          <td></td>
          ${statuses.map((s) => html`<td>${total(s)}</td>`)}
        </tr>
      </tfoot>
    </table>
  </div>`;
}

/** The live part of the Queues page (GET /dashboard/queues/live). */
export function queuesLive(m: QueuesModel): SafeHtml {
  return html`${summary(m.queues)}
    <h2 id="jobs-h">Jobs and workers</h2>
    <p class="muted">
      BullMQ jobs per platform queue. A delivery has a job only when it is its account's turn; "oldest waiting" is how
      long the job at the head of the waiting list has been runnable. Webhooks: one job per signed message to a
      receiver.
    </p>
    ${jobsTable(m.queues, m.webhooks)}
    <h2 id="deliveries-h">Deliveries</h2>
    <p class="muted">
      From the database: deliveries by status (statuses none has are left out). Overdue: scheduled or retrying, its time
      has come, not sent yet.
    </p>
    ${deliveriesTable(m.queues)}`;
}

export function queuesPage(m: QueuesModel, ctx: PageContext): string {
  return page({
    title: 'Queues',
    ctx,
    current: 'queues',
    body: html`<h1>Queues</h1>
      <p>
        Each job in detail (data, attempts, errors):
        <a href="${QUEUES_PATH}">bull-board at ${QUEUES_PATH}</a>
        <span class="muted">(the browser asks for a user name, any, and the API token as the password)</span>.
      </p>
      <div id="live" data-refresh="${QUEUES_LIVE}">${queuesLive(m)}</div>`,
  });
}
