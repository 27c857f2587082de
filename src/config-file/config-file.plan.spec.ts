import type { DeclaredAccount, DeclaredFeed, DeclaredPause, DeclaredWebhook } from './config-file.check';
import {
  HeldAccount,
  HeldFeed,
  HeldPause,
  HeldWebhook,
  planAccounts,
  planFeeds,
  planPauses,
  planWebhooks,
  Step,
} from './config-file.plan';

const account = (key: string, over: Partial<DeclaredAccount> = {}): DeclaredAccount => ({
  key,
  path: ['accounts', 0],
  platform: 'telegram',
  name: `Account ${key}`,
  settings: { chatId: '-100' },
  credentials: { botToken: `token-${key}` },
  ...over,
});
/** A stand-in for the keyed hash: what matters is that equal credentials hash alike. */
const hash = (d: DeclaredAccount) => JSON.stringify(d.credentials);
const heldAccount = (d: DeclaredAccount, over: Partial<HeldAccount> = {}): HeldAccount => ({
  id: `id-${d.key}`,
  key: d.key,
  managedBy: 'config',
  platform: d.platform,
  name: d.name,
  settings: { ...d.settings },
  configHash: hash(d),
  ...over,
});
const kinds = <D>(steps: Step<D>[]) =>
  steps.map((s) => `${s.kind}:${'decl' in s ? (s.decl as { key: string }).key : s.key}`);

describe('config file: the plan (what an apply changes)', () => {
  it('creates what is new, leaves what matches alone, updates only the fields that differ', () => {
    const a = account('a');
    const b = account('b');
    const c = account('c');
    const held = [heldAccount(a), heldAccount(b, { name: 'Old name', settings: { chatId: '-100', apiBaseUrl: 'x' } })];
    const steps = planAccounts([a, b, c], held, false, hash);
    expect(kinds(steps)).toEqual(['unchanged:a', 'update:b', 'create:c']);
    expect(steps[1]).toMatchObject({ id: 'id-b', changes: ['name', 'settings'] });
  });

  it('credentials count as changed only when the keyed hash of what the file gives differs from the stored one', () => {
    const a = account('a');
    const rotated = heldAccount(a);
    expect(kinds(planAccounts([a], [rotated], false, hash))).toEqual(['unchanged:a']);
    const newToken = account('a', { credentials: { botToken: 'new' } });
    expect(planAccounts([newToken], [rotated], false, hash)[0]).toMatchObject({
      kind: 'update',
      changes: ['credentials'],
    });
  });

  it('what the file no longer declares is released, or pruned with prune: true; released rows are left alone', () => {
    const a = account('a');
    const gone = heldAccount(account('gone'));
    const released = heldAccount(account('old'), { managedBy: null });
    expect(kinds(planAccounts([a], [heldAccount(a), gone, released], false, hash))).toEqual([
      'unchanged:a',
      'release:gone',
    ]);
    expect(kinds(planAccounts([a], [heldAccount(a), gone, released], true, hash))).toEqual([
      'unchanged:a',
      'prune:gone',
    ]);
  });

  it('a released row declared again is adopted (marked again), and its credentials re-encrypted', () => {
    const a = account('a');
    const step = planAccounts([a], [heldAccount(a, { managedBy: null, configHash: null })], false, hash)[0];
    expect(step).toMatchObject({ kind: 'update', id: 'id-a', changes: ['adopt', 'credentials'] });
  });

  it('an account cannot change platform under the same key: a conflict, nothing done', () => {
    const a = account('a', { platform: 'mastodon' });
    const step = planAccounts([a], [heldAccount(account('a'))], false, hash)[0];
    expect(step).toMatchObject({ kind: 'conflict', id: 'id-a' });
    expect((step as { message: string }).message).toContain('platform cannot change');
  });

  it('feeds: another url replaces the feed; other fields update it; defaults compare as the API stores them', () => {
    const decl: DeclaredFeed = { key: 'f', path: ['feeds', 0], url: 'https://n.example/feed', accounts: ['a'] };
    const held: HeldFeed = {
      id: 'feed-1',
      key: 'f',
      managedBy: 'config',
      url: 'https://n.example/feed',
      accountIds: ['id-a'],
      delay: 0,
      spacing: 120,
      template: null,
      backfill: false,
    };
    const ids = (d: DeclaredFeed) => d.accounts.map((k) => `id-${k}`);
    expect(kinds(planFeeds([decl], [held], false, ids))).toEqual(['unchanged:f']);
    expect(planFeeds([{ ...decl, accounts: ['a', 'b'], delay: 60 }], [held], false, ids)[0]).toMatchObject({
      kind: 'update',
      changes: ['accounts', 'delay'],
    });
    expect(planFeeds([{ ...decl, url: 'https://n.example/other' }], [held], false, ids)[0]).toMatchObject({
      kind: 'replace',
      id: 'feed-1',
    });
    expect(kinds(planFeeds([], [held], true, ids))).toEqual(['prune:f']);
  });

  it('pauses: any change replaces the pause (resumed, made again); the same one is left alone', () => {
    const decl: DeclaredPause = {
      key: 'p',
      path: ['pauses', 0],
      scope: 'account',
      target: 'a',
      reason: 'night',
      missed: 'send',
      skipOlderThanMinutes: null,
    };
    const held: HeldPause = {
      id: 'pause-1',
      key: 'p',
      managedBy: 'config',
      scope: 'account',
      target: 'id-a',
      reason: 'night',
      missed: 'send',
      skipOlderThanMinutes: null,
    };
    const target = (d: DeclaredPause) => (d.target ? `id-${d.target}` : null);
    expect(kinds(planPauses([decl], [held], false, target))).toEqual(['unchanged:p']);
    expect(planPauses([{ ...decl, reason: 'storm' }], [held], false, target)[0]).toMatchObject({
      kind: 'replace',
      changes: ['reason'],
    });
    expect(planPauses([{ ...decl, target: 'b' }], [held], false, target)[0]).toMatchObject({
      kind: 'replace',
      changes: ['target'],
    });
    expect(kinds(planPauses([], [held], false, target))).toEqual(['release:p']);
  });

  it('webhooks: url, events (as a set) and secret (by its hash) are the changes; released ones are adopted', () => {
    const decl: DeclaredWebhook = {
      key: 'w',
      path: ['webhooks', 0],
      url: 'https://hooks.example/crier',
      events: ['post.failed', 'delivery.published'],
      secret: 'whsec_one',
    };
    const secretHash = (d: DeclaredWebhook) => `hash-of-${d.secret}`;
    const held: HeldWebhook = {
      id: 'hook-1',
      key: 'w',
      managedBy: 'config',
      url: 'https://hooks.example/crier',
      events: ['delivery.published', 'post.failed'],
      configHash: 'hash-of-whsec_one',
    };
    expect(kinds(planWebhooks([decl], [held], false, secretHash))).toEqual(['unchanged:w']);
    expect(
      planWebhooks([{ ...decl, events: ['post.failed'], secret: 'whsec_two' }], [held], false, secretHash)[0],
    ).toMatchObject({ kind: 'update', id: 'hook-1', changes: ['events', 'secret'] });
    expect(planWebhooks([{ ...decl, url: 'https://hooks.example/v2' }], [held], false, secretHash)[0]).toMatchObject({
      kind: 'update',
      changes: ['url'],
    });
    // Released, declared again unchanged: adopted, with no change that would enable it again.
    expect(planWebhooks([decl], [{ ...held, managedBy: null }], false, secretHash)[0]).toMatchObject({
      kind: 'update',
      changes: ['adopt'],
    });
    expect(kinds(planWebhooks([], [held], false, secretHash))).toEqual(['release:w']);
    expect(kinds(planWebhooks([], [held], true, secretHash))).toEqual(['prune:w']);
  });
});
