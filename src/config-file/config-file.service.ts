import { HttpException, Injectable, Logger } from '@nestjs/common';
import { AccountInput, AccountsService } from '../accounts/accounts.service';
import { CredentialCipher } from '../accounts/credential-cipher';
import { LeasesRepository } from '../database/leases.repository';
import { FeedsService } from '../feeds/feeds.service';
import { PausesService } from '../pauses/pauses.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import type {
  DeclaredAccount,
  DeclaredConfig,
  DeclaredFeed,
  DeclaredPause,
  DeclaredWebhook,
  PathProblem,
} from './config-file.check';
import type { PathPart } from './config-file.parse';
import { HeldAccount, planAccounts, planFeeds, planPauses, planWebhooks, Step } from './config-file.plan';
import { ConfigFileRepository } from './config-file.repository';

/** What one apply did: a line per object created, updated, replaced, released or pruned; and what it could not do. */
export interface ApplyReport {
  changes: string[];
  unchanged: number;
  problems: PathProblem[];
}

/** One apply at a time across processes (several API processes may start together). */
const LEASE = 'config-file:apply';
const LEASE_MS = 30_000;
const WAIT_FOR_LEASE_MS = 60_000;

const DONE: Record<Step<unknown>['kind'], string> = {
  create: 'created',
  update: 'updated',
  unchanged: 'unchanged',
  replace: 'replaced',
  conflict: 'refused',
  release: 'released (no longer in the file; editable over the API)',
  prune: 'pruned (no longer in the file)',
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * Applies a checked config file (docs/ARCHITECTURE.md, "The config file"): what it declares is created or updated
 * through the same services as the API (so the same rules, events and encryption), what it no longer declares is
 * released or, with `prune: true`, deleted. Idempotent: a second apply of the same file finds every object as
 * declared and writes nothing; credentials and webhook secrets are re-encrypted only when the file's values changed
 * (a keyed hash of what the file gave is kept, never the values).
 */
@Injectable()
export class ConfigFileService {
  private readonly log = new Logger('ConfigFile');

  constructor(
    private readonly repo: ConfigFileRepository,
    private readonly accounts: AccountsService,
    private readonly feeds: FeedsService,
    private readonly pauses: PausesService,
    private readonly webhooks: WebhooksService,
    private readonly cipher: CredentialCipher,
    private readonly leases: LeasesRepository,
  ) {}

  async apply(config: DeclaredConfig): Promise<ApplyReport> {
    const deadline = Date.now() + WAIT_FOR_LEASE_MS;
    let lease = await this.leases.hold(LEASE, LEASE_MS);
    while (!lease) {
      if (Date.now() > deadline) throw new Error('another Crier process kept applying the config file for over 60 s');
      await sleep(250);
      lease = await this.leases.hold(LEASE, LEASE_MS);
    }
    try {
      return await this.applyHeld(config);
    } finally {
      await lease.release();
    }
  }

  /** The keyed hash of what the file gives as credentials: compared, never the credentials themselves. */
  credentialsHash(d: DeclaredAccount): string {
    return this.cipher.fingerprint(`config:${d.key}`, d.credentials);
  }

  /** The same for a webhook's signing secret (another scope: an account and a webhook may share a key). */
  secretHash(d: DeclaredWebhook): string {
    return this.cipher.fingerprint(`config-webhook:${d.key}`, { secret: d.secret });
  }

  private async applyHeld(config: DeclaredConfig): Promise<ApplyReport> {
    const report: ApplyReport = { changes: [], unchanged: 0, problems: [] };
    const { prune } = config;

    const held = await this.repo.heldAccounts();
    const accountSteps = planAccounts(config.accounts, held, prune, (d) => this.credentialsHash(d));
    const ids = new Map<string, string>();
    for (const step of accountSteps) {
      if (step.kind === 'release' || step.kind === 'prune') continue;
      await this.run(report, 'accounts', step, async () => {
        const id = await this.applyAccount(step, held);
        if (id && 'decl' in step) ids.set(step.decl.key, id);
      });
    }

    const missing = (keys: string[], path: PathPart[]) => {
      const lost = keys.filter((k) => !ids.has(k));
      if (lost.length > 0) report.problems.push({ path, message: `not applied: account ${lost.join(', ')} was not` });
      return lost.length > 0;
    };
    const feedSteps = planFeeds(config.feeds, await this.repo.heldFeeds(), prune, (d) =>
      d.accounts.map((k) => ids.get(k) ?? ''),
    );
    for (const step of feedSteps) {
      if (step.kind === 'release' || step.kind === 'prune') continue;
      if ('decl' in step && missing(step.decl.accounts, step.decl.path)) continue;
      await this.run(report, 'feeds', step, () => this.applyFeed(step, ids));
    }

    const target = (d: DeclaredPause) => (d.scope === 'account' ? (ids.get(d.target as string) ?? '') : d.target);
    const pauseSteps = planPauses(config.pauses, await this.repo.heldPauses(), prune, target);
    for (const step of pauseSteps) {
      if (step.kind === 'release' || step.kind === 'prune') continue;
      if ('decl' in step && step.decl.scope === 'account' && missing([step.decl.target as string], step.decl.path)) {
        continue;
      }
      await this.run(report, 'pauses', step, () => this.applyPause(step, target));
    }

    const webhookSteps = planWebhooks(config.webhooks, await this.repo.heldWebhooks(), prune, (d) =>
      this.secretHash(d),
    );
    for (const step of webhookSteps) {
      if (step.kind === 'release' || step.kind === 'prune') continue;
      await this.run(report, 'webhooks', step, () => this.applyWebhook(step));
    }

    // What the file dropped, dependants first: a pruned account's feeds and pauses are gone or released by now.
    for (const [section, steps] of [
      ['webhooks', webhookSteps],
      ['pauses', pauseSteps],
      ['feeds', feedSteps],
      ['accounts', accountSteps],
    ] as const) {
      for (const step of steps as Step<unknown>[]) {
        if (step.kind !== 'release' && step.kind !== 'prune') continue;
        await this.run(report, section, step, async () => {
          if (step.kind === 'release') return this.repo.release(section, step.id);
          const mark = { key: step.key };
          if (section === 'webhooks') await this.webhooks.delete(step.id, mark);
          else if (section === 'pauses') await this.pauses.resume(step.id, mark);
          else if (section === 'feeds') await this.feeds.remove(step.id, mark);
          else await this.accounts.remove(step.id, mark);
        });
      }
    }
    return report;
  }

  /** Runs one step: an API refusal (4xx) becomes a problem at the object's path; anything else is thrown. */
  private async run(report: ApplyReport, section: string, step: Step<unknown>, fn: () => Promise<unknown>) {
    const key = 'decl' in step ? (step.decl as { key: string }).key : step.key;
    const path: PathPart[] = 'decl' in step ? (step.decl as { path: PathPart[] }).path : [section];
    if (step.kind === 'conflict') {
      report.problems.push({ path, message: step.message });
      return;
    }
    try {
      await fn();
    } catch (e) {
      if (!(e instanceof HttpException) || e.getStatus() >= 500) throw e;
      const message = (e.getResponse() as { message?: unknown }).message;
      report.problems.push({ path, message: String(message ?? e.message) });
      return;
    }
    if (step.kind === 'unchanged') {
      report.unchanged++;
      return;
    }
    const what = 'changes' in step ? ` (${step.changes.join(', ')})` : '';
    const line = `${section} ${key}: ${DONE[step.kind]}${what}`;
    report.changes.push(line);
    this.log.log(`config file: ${line}`);
  }

  /** The account's id once applied. */
  private async applyAccount(step: Step<DeclaredAccount>, held: readonly HeldAccount[]): Promise<string | null> {
    if (step.kind === 'unchanged') return step.id;
    if (step.kind === 'create') {
      const d = step.decl;
      const input = { platform: d.platform, name: d.name, settings: d.settings, credentials: d.credentials };
      return (await this.accounts.create(input, { key: d.key, credentialsHash: this.credentialsHash(d) })).id;
    }
    if (step.kind !== 'update') return null;
    const d = step.decl;
    const before = held.find((h) => h.id === step.id);
    const input: AccountInput = {};
    if (step.changes.includes('name')) input.name = d.name;
    const credentials = step.changes.includes('credentials');
    if (step.changes.includes('settings')) {
      // Settings the file dropped are removed (null), as a PATCH would remove them.
      const dropped = Object.keys(before?.settings ?? {}).filter((k) => !(k in d.settings));
      input.settings = { ...Object.fromEntries(dropped.map((k) => [k, null])), ...d.settings };
    }
    // A move to another host must carry the credentials (API.md): the file's go with it.
    const moved = before?.settings.apiBaseUrl !== d.settings.apiBaseUrl;
    if (credentials || (input.settings && moved)) input.credentials = d.credentials;
    const mark = { key: d.key, ...(input.credentials ? { credentialsHash: this.credentialsHash(d) } : {}) };
    await this.accounts.update(step.id, input, mark);
    return step.id;
  }

  private async applyFeed(step: Step<DeclaredFeed>, ids: ReadonlyMap<string, string>): Promise<void> {
    if (!('decl' in step) || step.kind === 'unchanged' || step.kind === 'conflict') return;
    const d = step.decl;
    const mark = { key: d.key };
    const input = {
      accountIds: d.accounts.map((k) => ids.get(k) as string),
      delay: d.delay,
      spacing: d.spacing,
      template: d.template,
      backfill: d.backfill,
    };
    if (step.kind === 'update') {
      await this.feeds.reconfigure(step.id, input, mark);
      return;
    }
    // Another url is another feed: the old one stops (its scheduled posts stay), the new one is read now.
    if (step.kind === 'replace') await this.feeds.remove(step.id, mark);
    await this.feeds.create({ url: d.url, ...input }, mark);
  }

  private async applyPause(step: Step<DeclaredPause>, target: (d: DeclaredPause) => string | null): Promise<void> {
    if (!('decl' in step) || step.kind === 'unchanged' || step.kind === 'conflict') return;
    const d = step.decl;
    const mark = { key: d.key };
    if (step.kind === 'update') {
      await this.repo.adoptPause(step.id);
      return;
    }
    if (step.kind === 'replace') await this.pauses.resume(step.id, mark);
    await this.pauses.create(
      {
        scope: d.scope,
        target: target(d) ?? undefined,
        reason: d.reason ?? undefined,
        missed: d.missed,
        skipOlderThanMinutes: d.skipOlderThanMinutes ?? undefined,
      },
      mark,
    );
  }

  /** Only what changed is written: the secret is re-encrypted only when its hash differs (planWebhooks). */
  private async applyWebhook(step: Step<DeclaredWebhook>): Promise<void> {
    if (step.kind !== 'create' && step.kind !== 'update') return;
    const d = step.decl;
    const mark = { key: d.key, credentialsHash: this.secretHash(d) };
    if (step.kind === 'create') {
      await this.webhooks.createDeclared({ url: d.url, events: d.events, secret: d.secret }, mark);
      return;
    }
    const has = (c: string) => step.changes.includes(c);
    await this.webhooks.updateDeclared(
      step.id,
      {
        ...(has('url') ? { url: d.url } : {}),
        ...(has('events') ? { events: d.events } : {}),
        ...(has('secret') ? { secret: d.secret } : {}),
      },
      mark,
    );
  }
}
