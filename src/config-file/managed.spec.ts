import { HttpException } from '@nestjs/common';
import type { AccountHealth } from '../accounts/account-health.service';
import type { AccountView } from '../accounts/accounts.service';
import { accountsPage } from '../dashboard/views/accounts.view';
import { managedView, refuseManaged } from './managed';

const ID = '1b2c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c03';
const account = (over: Partial<AccountView>): AccountView => ({
  id: ID,
  platform: 'telegram',
  name: 'Newsroom channel',
  status: 'active',
  statusReason: null,
  settings: {},
  credentials: { botToken: '••••abcd' },
  remoteAccount: null,
  pricing: null,
  createdAt: '2026-12-09T08:00:00.000Z',
  updatedAt: '2026-12-09T08:00:00.000Z',
  ...over,
});
const health: AccountHealth = {
  status: 'active',
  statusReason: null,
  lastSuccess: null,
  lastError: null,
  rateLimit: null,
  pending: { scheduled: 0, retrying: 0, publishing: 0, total: 0 },
  held: 0,
  cost: null,
};

describe('objects managed by the config file', () => {
  it('the API view names the manager and the key only when managed', () => {
    expect(managedView({ managed_by: 'config', config_key: 'tg' })).toEqual({ managedBy: 'config', configKey: 'tg' });
    // Released: the key is kept in the row for a later adoption, but the object is not managed.
    expect(managedView({ managed_by: null, config_key: 'tg' })).toEqual({ managedBy: null, configKey: null });
  });

  it('an API write to a managed row is a 409 naming the section and key; the apply itself passes', () => {
    const row = { id: ID, managed_by: 'config', config_key: 'newsroom-telegram' };
    let caught: unknown;
    try {
      refuseManaged('account', row);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HttpException);
    expect((caught as HttpException).getStatus()).toBe(409);
    expect((caught as HttpException).message).toBe(
      `account ${ID} is managed by the config file (accounts: key newsroom-telegram): change or remove it there ` +
        '(CRIER_CONFIG) and restart Crier',
    );
    expect(() => refuseManaged('account', row, { key: 'newsroom-telegram' })).not.toThrow();
    expect(() => refuseManaged('feed', { ...row, managed_by: null })).not.toThrow();
  });

  it('the Accounts page labels a managed account and offers no credentials form (the file holds them)', () => {
    const page = (over: Partial<AccountView>) =>
      accountsPage({ accounts: [{ ...account(over), health, pauses: [] }], tz: 'UTC' }, { csrf: 'c' });
    const managed = page({ managedBy: 'config', configKey: 'newsroom-telegram' });
    expect(managed).toContain('<span class="managed muted">config file: newsroom-telegram</span>');
    expect(managed).not.toContain('>Edit credentials</button>');
    expect(managed).toContain('>Verify</button>');
    const plain = page({ managedBy: null, configKey: null });
    expect(plain).not.toContain('config file:');
    expect(plain).toContain('>Edit credentials</button>');
  });
});
