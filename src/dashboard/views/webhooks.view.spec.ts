import { webhooksPage } from './webhooks.view';

describe('the Webhooks page', () => {
  const ctx = { csrf: 'token' };

  it('shows each receiver, why it was disabled, and its last attempts; text from outside is escaped', () => {
    const out = webhooksPage(
      {
        tz: 'UTC',
        webhooks: [
          {
            id: 'w1',
            url: 'https://hooks.example/<script>',
            events: ['post.failed', 'delivery.held'],
            enabled: false,
            disabledReason: 'disabled after message msg_1 (post.failed) failed 12 sends; last: HTTP 500',
            lastAttempts: [
              {
                at: new Date('2026-12-06T10:00:00Z'),
                event: 'post.failed',
                statusCode: 500,
                error: 'HTTP 500',
                durationMs: 12,
              },
              {
                at: new Date('2026-12-06T09:00:00Z'),
                event: 'post.failed',
                statusCode: 204,
                error: null,
                durationMs: 8,
              },
            ],
          },
        ],
      },
      ctx,
    );
    expect(out).toContain('https://hooks.example/&lt;script&gt;');
    expect(out).not.toContain('<script>');
    expect(out).toContain('Disabled</strong>: disabled after message msg_1');
    // A disabled receiver can be sent to again from here, with the page's CSRF token.
    expect(out).toContain('action="/dashboard/webhooks/w1/enable?tz=UTC"');
    expect(out).toContain('name="_csrf" value="token"');
    expect(out).toContain('Send again');
    expect(out).toContain('post.failed, delivery.held');
    expect(out).toContain('6 Dec 2026, 10:00:00');
    expect(out).toContain('HTTP 204');
    expect(out).toContain('aria-current="page">Webhooks');
    expect(out).not.toContain('config file:');
  });

  it('labels a receiver the config file declares with its key', () => {
    const hook = { id: 'w2', url: 'https://hooks.example/', events: ['post.failed'], enabled: true };
    const out = webhooksPage(
      {
        tz: 'UTC',
        webhooks: [{ ...hook, disabledReason: null, managedBy: 'config', configKey: 'ops', lastAttempts: [] }],
      },
      ctx,
    );
    expect(out).toContain('<p class="managed muted">config file: ops</p>');
    // It is sending: nothing to enable.
    expect(out).not.toContain('/enable');
  });

  it('says so when there are none', () => {
    expect(webhooksPage({ tz: 'UTC', webhooks: [] }, ctx)).toContain('No webhooks.');
  });
});
