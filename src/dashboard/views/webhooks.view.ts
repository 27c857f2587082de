import { html, query } from '../html';
import { csrfField, formatTime, page, PageContext } from './layout.view';

export interface WebhooksModel {
  webhooks: {
    id: string;
    url: string;
    events: string[];
    enabled: boolean;
    disabledReason: string | null;
    /** 'config' when the config file declares it (its key in configKey). */
    managedBy?: string | null;
    configKey?: string | null;
    lastAttempts: { at: Date; event: string; statusCode: number | null; error: string | null; durationMs: number }[];
  }[];
  tz: string;
}

const WHEN = 'd LLL yyyy, HH:mm:ss';

/** GET /dashboard/webhooks: every receiver, whether Crier still sends to it (and why not), and its last attempts. */
export function webhooksPage(m: WebhooksModel, ctx: PageContext): string {
  const body = html`<h1>Webhooks</h1>
    <p>
      Registered over the API (<code>POST /api/v1/webhooks</code>) or declared in the config file; signing secrets are
      never shown here.
    </p>
    ${
      m.webhooks.length === 0
        ? html`<p>No webhooks.</p>`
        : m.webhooks.map(
            (w) =>
              html`<section class="webhook">
                <h2>${w.url}</h2>
                ${w.managedBy ? html`<p class="managed muted">config file: ${w.configKey}</p>` : ''}
                <p>
                  ${
                    w.enabled
                      ? html`<strong>Sending</strong>`
                      : html`<strong class="error">Disabled</strong>: ${w.disabledReason ?? 'no reason recorded'}`
                  }
                  · ${w.events.join(', ')}
                </p>
                ${
                  w.enabled
                    ? ''
                    : html`<form method="post" action="/dashboard/webhooks/${w.id}/enable${query({ tz: m.tz })}">
                        ${csrfField(ctx)}<button type="submit" class="primary">Send again</button>
                        <span class="muted">with the same secret, from the next event on</span>
                      </form>`
                }
                ${
                  w.lastAttempts.length === 0
                    ? html`<p>Nothing sent yet.</p>`
                    : html`<table>
                        <caption>
                          Last attempts, newest first
                        </caption>
                        <thead>
                          <tr>
                            <th scope="col">When (${m.tz})</th>
                            <th scope="col">Event</th>
                            <th scope="col">Answer</th>
                            <th scope="col">Time</th>
                          </tr>
                        </thead>
                        <tbody>
                          ${w.lastAttempts.map(
                            (a) =>
                              html`<tr>
                                <td>${formatTime(a.at, m.tz, WHEN)}</td>
                                <td>${a.event}</td>
                                <td>${a.error === null ? `HTTP ${a.statusCode ?? ''}` : a.error}</td>
                                <td>${a.durationMs} ms</td>
                              </tr>`,
                          )}
                        </tbody>
                      </table>`
                }
              </section>`,
          )
    }`;
  return page({ title: 'Webhooks', body, ctx, current: 'webhooks' });
}
