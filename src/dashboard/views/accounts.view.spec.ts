import type { AccountHealth } from '../../accounts/account-health.service';
import type { AccountView } from '../../accounts/accounts.service';
import { getAdapter } from '../../platforms/platform.registry';
import { accountsPage, budgetWords, credentialsPage, fieldLabel, usd } from './accounts.view';

const EVIL = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`;
const INERT = '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;';
const ctx = { csrf: 'csrf-token-value' };
const ID = '1b2c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c03';
const POST = '6f1d7c0e-3f7a-4d55-9a4a-0c1f9c1b2a01';

function account(over: Partial<AccountView> = {}): AccountView {
  return {
    id: ID,
    platform: 'x',
    name: EVIL,
    status: 'reauth_required',
    statusReason: EVIL,
    settings: {},
    credentials: { accessToken: '••••abcd', clientId: 'client-123' },
    remoteAccount: null,
    pricing: null,
    createdAt: '2026-12-09T08:00:00.000Z',
    updatedAt: '2026-12-09T08:00:00.000Z',
    ...over,
  };
}

const health: AccountHealth = {
  status: 'reauth_required',
  statusReason: EVIL,
  lastSuccess: { at: '2026-12-09T09:00:00.000Z', deliveryId: POST, postId: POST, remoteUrl: 'javascript:alert(3)' },
  lastError: {
    at: '2026-12-09T09:30:00.000Z',
    deliveryId: POST,
    postId: POST,
    outcome: 'reauth',
    statusCode: 401,
    message: EVIL,
  },
  rateLimit: { until: '2026-12-09T10:15:00.000Z', by: 'budget', scope: 'account', max: 100, windowMs: 900_000 },
  pending: { scheduled: 2, retrying: 1, publishing: 0, total: 3 },
  held: 4,
  cost: {
    cap: 5,
    perPostUsd: 0.015,
    perPostWithUrlUsd: 0.2,
    last24h: { published: 3, posts: 4, postsWithUrl: 2, estimatedUsd: 0.43 },
    today: { since: '2026-12-08T23:00:00.000Z', published: 2, posts: 3, postsWithUrl: 2, estimatedUsd: 0.415 },
  },
};

describe('the Accounts page', () => {
  it('shows hostile names, reasons and errors as text; a non-http link is not a link', () => {
    const html = accountsPage({ accounts: [{ ...account(), health, pauses: [] }], tz: 'Europe/Berlin' }, ctx);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(INERT);
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('name="_csrf" value="csrf-token-value"');
    expect(html).toMatch(
      /<span class="platform">X<\/span>[\s\S]*?<span class="account">&lt;script[\s\S]*?reauth required/,
    );
    // Times in the page's zone; the wait, the pending counts and the cost in words.
    expect(html).toContain('9 Dec 2026, 10:00');
    expect(html).toContain('budget of 100 per 15 minutes spent (account)');
    expect(html).toContain('3 (2 scheduled, 1 retrying)');
    expect(html).toContain('4 held');
    expect(html).toMatch(/about\s+\$0\.43 in 24 hours, \$0\.415 today/);
    for (const name of ['Verify', 'Edit credentials', 'Pause']) expect(html).toContain(`>${name}</button>`);
  });

  it('a paused account offers Resume and shows the reason, not Pause', () => {
    const pause = {
      id: POST,
      scope: 'account' as const,
      target: ID,
      targetName: 'n',
      reason: EVIL,
      missed: 'send' as const,
      skipOlderThanMinutes: null,
      active: true,
      createdAt: '2026-12-09T08:00:00.000Z',
      resumedAt: null,
      outcome: null,
    };
    const html = accountsPage({ accounts: [{ ...account(), health, pauses: [pause] }], tz: 'UTC' }, ctx);
    expect(html).toContain(`Paused: ${INERT}`);
    expect(html).toContain('>Resume</button>');
    expect(html).not.toContain('>Pause</button>');
  });
});

describe('the Edit credentials page', () => {
  it('has one empty password field per secret, never a stored value', () => {
    const fields = getAdapter('x').credentialFields;
    const html = credentialsPage(
      { account: account(), fields, kinds: 'OAuth 1.0a (…) or OAuth 2.0 (…)', tz: 'UTC' },
      ctx,
    );
    for (const f of fields) {
      const input = new RegExp(`<input[^>]*name="credentials\\.${f.name}"[^>]*>`).exec(html)?.[0] ?? '';
      expect(input).toContain(`type="${f.secret ? 'password' : 'text'}"`);
      expect(input).not.toContain('value=');
    }
    expect(html).not.toContain('abcd');
    expect(html).toContain('A value is stored.');
    expect(html).toContain('Now: client-123.');
    expect(html).toContain(INERT);
    expect(html).toContain('name="_csrf" value="csrf-token-value"');
  });
});

describe('words', () => {
  it('budgets, dollars and field labels', () => {
    expect(budgetWords(20, 60_000)).toBe('20 per minute');
    expect(budgetWords(300, 3 * 3600_000)).toBe('300 per 3 hours');
    expect(budgetWords(1, 1000)).toBe('1 per second');
    expect(budgetWords(3, 1500)).toBe('3 per 1500 ms');
    expect([0, 0.015, 0.2, 0.43, 0.415, 12.4].map(usd)).toEqual([
      '$0.00',
      '$0.015',
      '$0.20',
      '$0.43',
      '$0.415',
      '$12.40',
    ]);
    expect(fieldLabel('pageAccessToken')).toBe('Page access token');
    expect(fieldLabel('clientId')).toBe('Client ID');
    expect(fieldLabel('apiKey')).toBe('API key');
  });
});
