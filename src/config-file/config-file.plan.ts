import { DEFAULT_SPACING_SECONDS } from '../feeds/feed-schedule';
import type { DeclaredAccount, DeclaredFeed, DeclaredPause, DeclaredWebhook } from './config-file.check';

/**
 * What applying the file changes, decided from what it declares and what the database holds under the same keys.
 * Pure: the service reads the rows, asks these functions, then carries out the steps through the API's services.
 *
 * - declared, no row with its key: `create`;
 * - declared and held: `update` with the fields that differ (and `adopt` when the row had been released), else
 *   `unchanged`; a change that the API cannot make in place is a `replace` (a feed's url, a pause's scope or target)
 *   or a `conflict` (an account's platform);
 * - held under a key the file no longer declares: `release` (stays, no longer locked), or with `prune: true`
 *   `prune` (deleted; a pause is resumed). Rows already released are not touched again.
 */

/** A row the config file declared (its key kept), as the plan needs it. */
export interface Held {
  id: string;
  key: string;
  /** 'config' while managed; null once released. */
  managedBy: string | null;
}

export type Step<D> =
  | { kind: 'create'; decl: D }
  | { kind: 'update'; decl: D; id: string; changes: string[] }
  | { kind: 'unchanged'; decl: D; id: string }
  | { kind: 'replace'; decl: D; id: string; changes: string[] }
  | { kind: 'conflict'; decl: D; id: string; message: string }
  | { kind: 'release'; id: string; key: string }
  | { kind: 'prune'; id: string; key: string };

export interface HeldAccount extends Held {
  platform: string;
  name: string;
  settings: Record<string, string>;
  /** The keyed hash of the credentials the file last gave (null: none, e.g. after a release). */
  configHash: string | null;
}

export interface HeldFeed extends Held {
  url: string;
  accountIds: string[];
  delay: number;
  spacing: number;
  template: string | null;
  backfill: boolean;
}

export interface HeldPause extends Held {
  scope: string;
  target: string | null;
  reason: string | null;
  missed: string;
  skipOlderThanMinutes: number | null;
}

export interface HeldWebhook extends Held {
  url: string;
  events: string[];
  /** The keyed hash of the secret the file last gave (kept when released: the API cannot change a secret). */
  configHash: string | null;
}

/** Same keys, same values (settings maps are flat strings). */
export function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** The steps for one kind of object: `diff` names the changed fields, or answers a replace or a conflict. */
function plan<D extends { key: string }, H extends Held>(
  declared: readonly D[],
  held: readonly H[],
  prune: boolean,
  diff: (d: D, h: H) => Step<D>,
): Step<D>[] {
  const byKey = new Map(held.map((h) => [h.key, h]));
  const steps: Step<D>[] = declared.map((d) => {
    const h = byKey.get(d.key);
    return h ? diff(d, h) : { kind: 'create', decl: d };
  });
  const keys = new Set(declared.map((d) => d.key));
  for (const h of held) {
    if (keys.has(h.key) || h.managedBy === null) continue;
    steps.push({ kind: prune ? 'prune' : 'release', id: h.id, key: h.key });
  }
  return steps;
}

function changed<D>(d: D, id: string, changes: string[], adopt: boolean): Step<D> {
  const all = adopt ? ['adopt', ...changes] : changes;
  return all.length === 0 ? { kind: 'unchanged', decl: d, id } : { kind: 'update', decl: d, id, changes: all };
}

/** `hash(decl)`: the keyed hash of the declared credentials, compared with the one stored at the last apply. */
export function planAccounts(
  declared: readonly DeclaredAccount[],
  held: readonly HeldAccount[],
  prune: boolean,
  hash: (d: DeclaredAccount) => string,
): Step<DeclaredAccount>[] {
  return plan(declared, held, prune, (d, h) => {
    if (d.platform !== h.platform) {
      return {
        kind: 'conflict',
        decl: d,
        id: h.id,
        message: `platform cannot change (account ${h.id} is on ${h.platform}); give the new account another key`,
      };
    }
    const changes: string[] = [];
    if (d.name !== h.name) changes.push('name');
    if (!sameMap(d.settings, h.settings)) changes.push('settings');
    if (hash(d) !== h.configHash) changes.push('credentials');
    return changed(d, h.id, changes, h.managedBy === null);
  });
}

/** `accountIds`: the declared account keys as ids (every key of the file's accounts, applied before the feeds). */
export function planFeeds(
  declared: readonly DeclaredFeed[],
  held: readonly HeldFeed[],
  prune: boolean,
  accountIds: (d: DeclaredFeed) => string[],
): Step<DeclaredFeed>[] {
  return plan(declared, held, prune, (d, h) => {
    // Another url is another feed (its items, its discovered endpoint): the old one goes, the new one is read.
    if (d.url !== h.url) return { kind: 'replace', decl: d, id: h.id, changes: ['url'] };
    const changes: string[] = [];
    const ids = accountIds(d);
    if (ids.length !== h.accountIds.length || ids.some((id, i) => id !== h.accountIds[i])) changes.push('accounts');
    if ((d.delay ?? 0) !== h.delay) changes.push('delay');
    if ((d.spacing ?? DEFAULT_SPACING_SECONDS) !== h.spacing) changes.push('spacing');
    if ((d.template ?? null) !== h.template) changes.push('template');
    if ((d.backfill ?? false) !== h.backfill) changes.push('backfill');
    return changed(d, h.id, changes, h.managedBy === null);
  });
}

/**
 * `held`: the active pauses with a key. A pause cannot be edited over the API either: any change resumes the
 * old pause (its missed rule applies) and makes the new one. `target`: an account key resolved to its id.
 */
export function planPauses(
  declared: readonly DeclaredPause[],
  held: readonly HeldPause[],
  prune: boolean,
  target: (d: DeclaredPause) => string | null,
): Step<DeclaredPause>[] {
  return plan(declared, held, prune, (d, h) => {
    const changes: string[] = [];
    if (d.scope !== h.scope || target(d) !== h.target) changes.push('target');
    if (d.reason !== h.reason) changes.push('reason');
    if (d.missed !== h.missed || d.skipOlderThanMinutes !== h.skipOlderThanMinutes) changes.push('missed');
    if (changes.length > 0) return { kind: 'replace', decl: d, id: h.id, changes };
    return changed(d, h.id, [], h.managedBy === null);
  });
}

/**
 * `hash(decl)`: the keyed hash of the declared secret. Events are a set (their order in the file does not matter).
 * The service enables a webhook again on any change here (see WebhooksService.updateDeclared), never on `adopt`
 * alone: a webhook Crier disabled stays disabled until the file says something new about it.
 */
export function planWebhooks(
  declared: readonly DeclaredWebhook[],
  held: readonly HeldWebhook[],
  prune: boolean,
  hash: (d: DeclaredWebhook) => string,
): Step<DeclaredWebhook>[] {
  return plan(declared, held, prune, (d, h) => {
    const changes: string[] = [];
    if (d.url !== h.url) changes.push('url');
    const events = new Set(h.events);
    if (d.events.length !== events.size || d.events.some((e) => !events.has(e))) changes.push('events');
    if (hash(d) !== h.configHash) changes.push('secret');
    return changed(d, h.id, changes, h.managedBy === null);
  });
}
