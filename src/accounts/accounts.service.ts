import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { AccountRow } from '../database/schema';
import { BadInput, isUuid, NotFound } from '../common/errors';
import { templateProblem } from '../articles/templates';
import { THREAD_PLATFORMS } from '../articles/thread';
import {
  AccountRef,
  isPlatformError,
  PlatformAdapter,
  PlatformId,
  Pricing,
  RemoteAccount,
  VerifyResult,
} from '../platforms/platform';
import { matchCredentialSet, missingFields } from '../platforms/credential-sets';
import { findAdapter, getAdapter } from '../platforms/platform.registry';
import { AccountsRepository } from './accounts.repository';
import { CredentialCipher, maskSecret, UndecryptableCredentials } from './credential-cipher';
import { AccountEvents } from './account-events';
import { checkHostMove } from './account-host';
import { CredentialRefreshService } from './credential-refresh.service';
import { ConfigMark, ManagedBy, managedView, markColumns, refuseManaged } from '../config-file/managed';

export const ACCOUNT_STATUSES = ['active', 'reauth_required', 'disabled'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface AccountView {
  id: string;
  platform: string;
  name: string;
  status: string;
  statusReason: string | null;
  settings: Record<string, string>;
  credentials: Record<string, string>;
  remoteAccount: RemoteAccount | null;
  /** Per-post cost where the platform bills per post (X). */
  pricing: Pricing | null;
  createdAt: string;
  updatedAt: string;
  /** 'config' when the config file declares it: the API then refuses to change it (409). */
  managedBy?: ManagedBy | null;
  /** Its key in the config file, when managed. */
  configKey?: string | null;
}

export interface AccountInput {
  platform?: string;
  name?: string;
  credentials?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  status?: string;
}

/** Accounts and their credentials: validation against the adapter's fields, encryption, masking, verify. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly repo: AccountsRepository,
    private readonly cipher: CredentialCipher,
    private readonly events: AccountEvents,
    private readonly refresher: CredentialRefreshService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `mark`: the config file's apply creating the account it declares under that key. */
  async create(input: AccountInput, mark?: ConfigMark): Promise<AccountView> {
    const adapter = findAdapter(String(input.platform ?? ''));
    if (!adapter) throw new BadInput(`platform must be one of the platform ids listed by GET /api/v1/platforms`);
    const name = requireName(input.name);
    const credentials = checkCredentials(adapter, input.credentials, true);
    const settings = checkSettings(adapter, input.settings ?? {});
    const id = randomUUID();
    const row = await this.repo.insert({
      id,
      platform: adapter.id,
      name,
      status: 'active',
      settings: JSON.stringify(settings),
      credentials_enc: this.cipher.encrypt(id, credentials),
      remote: null,
      ...markColumns(mark),
      config_hash: mark?.credentialsHash ?? null,
    });
    return this.view(row);
  }

  async list(): Promise<AccountView[]> {
    return (await this.repo.list()).map((r) => this.view(r));
  }

  async get(id: string): Promise<AccountView> {
    return this.view(await this.row(id));
  }

  async row(id: string): Promise<AccountRow> {
    const row = isUuid(id) ? await this.repo.find(id) : undefined;
    if (!row) throw new NotFound(`account ${id} not found`);
    return row;
  }

  /** `mark`: the config file's apply (without it, an account the file manages answers 409). */
  async update(id: string, input: AccountInput, mark?: ConfigMark): Promise<AccountView> {
    const row = await this.row(id);
    refuseManaged('account', row, mark);
    const adapter = getAdapter(row.platform as PlatformId);
    if (input.platform !== undefined && input.platform !== row.platform) {
      throw new BadInput('platform cannot be changed; create a new account');
    }
    const patch: Parameters<AccountsRepository['update']>[1] = { ...markColumns(mark) };
    if (mark?.credentialsHash) patch.config_hash = mark.credentialsHash;
    if (input.name !== undefined) patch.name = requireName(input.name);
    let moved = false;
    if (input.settings !== undefined) {
      const settings = checkSettings(adapter, { ...row.settings, ...input.settings });
      patch.settings = JSON.stringify(settings);
      const [before, after] = [row.settings, settings].map((x) => withDefaults(adapter, x).apiBaseUrl);
      moved = checkHostMove(before, after, input.credentials !== undefined);
      // What the last verify learned (remote id, instance limits) describes the old host.
      if (moved) patch.remote = null;
    }
    let resume = false;
    if (input.credentials !== undefined) {
      const given = checkCredentials(adapter, input.credentials, false);
      patch.credentials_enc = this.cipher.encrypt(
        row.id,
        // After a move nothing stored may follow the account: the given credentials must be complete on their own.
        checkCredentials(adapter, moved ? given : this.patchedCredentials(adapter, row, given)),
      );
      // New credentials are the human fix a held account waits for.
      if (row.status === 'reauth_required') {
        patch.status = 'active';
        patch.status_reason = null;
        resume = true;
      }
    }
    if (input.status !== undefined) {
      if (!(ACCOUNT_STATUSES as readonly string[]).includes(input.status) || input.status === 'reauth_required') {
        throw new BadInput('status must be active or disabled');
      }
      patch.status = input.status;
      patch.status_reason = null;
      resume = input.status === 'active' && row.status !== 'active';
    }
    const updated = await this.repo.update(id, patch);
    if (!updated) throw new NotFound(`account ${id} not found`);
    if (resume) await this.events.accountFixed(id);
    return this.view(updated);
  }

  /**
   * New credentials from the user: a complete kind on its own replaces what is stored (so X can switch from OAuth
   * 2.0 to 1.0a); otherwise the fields are merged in. Tokens Crier manages are dropped either way: they belonged to
   * the old credentials.
   */
  private patchedCredentials(
    adapter: PlatformAdapter,
    row: AccountRow,
    given: Record<string, string>,
  ): Record<string, string> {
    const sets = adapter.credentialSets;
    if (sets && matchCredentialSet(sets, Object.keys(given), 'user')) return given;
    // Stored credentials no key opens (a lost key) cannot be merged: the given ones must then be complete.
    const read = this.readCredentials(row);
    const stored = 'credentials' in read ? read.credentials : {};
    const managed = new Set((sets ?? []).flatMap((s) => s.managed ?? []));
    const kept = Object.fromEntries(Object.entries(stored).filter(([k]) => !managed.has(k)));
    return { ...kept, ...given };
  }

  async remove(id: string, mark?: ConfigMark): Promise<void> {
    const row = await this.row(id);
    refuseManaged('account', row, mark);
    await this.events.accountDeleted(row.id);
    await this.repo.delete(row.id);
  }

  async verify(id: string): Promise<VerifyResult> {
    const row = await this.row(id);
    const adapter = getAdapter(row.platform as PlatformId);
    let result: VerifyResult;
    try {
      result = await adapter.verify(this.accountRef(row), {
        timeoutMs: this.config.httpTimeoutMs,
        refreshCredentials: this.refresher.forAccount(row.id),
        allowPrivateAddresses: this.config.feedsAllowPrivate,
        allowPrivateApiAddresses: this.config.platformsAllowPrivate,
      });
    } catch (e) {
      // Nothing was sent: the platform cannot be asked about credentials Crier cannot read.
      if (e instanceof UndecryptableCredentials) return { ok: false, checked: false, reason: e.message };
      if (!isPlatformError(e)) throw e;
      result = { ok: false, checked: e.kind !== 'transient' && e.kind !== 'rate-limited', reason: e.message };
    }
    if (result.ok && result.remoteAccount) {
      await this.repo.update(row.id, { remote: JSON.stringify({ ...(row.remote ?? {}), ...result.remoteAccount }) });
    }
    if (result.ok && result.checked && row.status === 'reauth_required') {
      await this.repo.update(row.id, { status: 'active', status_reason: null });
      await this.events.accountFixed(row.id);
    }
    return result;
  }

  /** Decrypted credentials and defaulted settings, for adapters only. */
  accountRef(row: AccountRow): AccountRef {
    const adapter = getAdapter(row.platform as PlatformId);
    return {
      accountId: row.id,
      credentials: this.cipher.decrypt(row.id, row.credentials_enc),
      settings: withDefaults(adapter, row.settings),
      remote: (row.remote as RemoteAccount | null) ?? null,
    };
  }

  /** The stored credentials, or why no key of this process opens them (the account then needs new ones). */
  private readCredentials(row: AccountRow): { credentials: Record<string, string> } | { unreadable: string } {
    try {
      return { credentials: this.cipher.decrypt(row.id, row.credentials_enc) };
    } catch (e) {
      if (e instanceof UndecryptableCredentials) return { unreadable: e.message };
      throw e;
    }
  }

  /** Never fails on credentials it cannot read: such an account shows as reauth_required, saying why. */
  view(row: AccountRow): AccountView {
    const adapter = getAdapter(row.platform as PlatformId);
    const read = this.readCredentials(row);
    const creds = 'credentials' in read ? read.credentials : {};
    const unreadable = 'unreadable' in read ? read.unreadable : null;
    const masked: Record<string, string> = {};
    for (const [k, v] of Object.entries(creds)) {
      const spec = adapter.credentialFields.find((f) => f.name === k);
      masked[k] = spec && !spec.secret ? v : maskSecret(v);
    }
    return {
      id: row.id,
      platform: row.platform,
      name: row.name,
      status: unreadable && row.status === 'active' ? 'reauth_required' : row.status,
      statusReason: unreadable ?? row.status_reason,
      settings: withDefaults(adapter, row.settings),
      credentials: masked,
      remoteAccount: (row.remote as RemoteAccount | null) ?? null,
      pricing: adapter.pricing ?? null,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
      ...managedView(row),
    };
  }
}

export function requireName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
    throw new BadInput('name must be a non-empty string of at most 200 characters');
  }
  return name.trim();
}

/** Every credential a string; unknown fields refused; required ones present (alternatives: any one group). */
export function checkCredentials(adapter: PlatformAdapter, input: unknown, requireAll = true): Record<string, string> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new BadInput('credentials must be an object');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) {
    const spec = adapter.credentialFields.find((f) => f.name === k);
    if (!spec) throw new BadInput(`credentials.${k} is not a credential field of ${adapter.id}`);
    if (typeof v !== 'string' || v.trim() === '' || v.length > 4096) {
      throw new BadInput(`credentials.${k} must be a non-empty string`);
    }
    out[k] = v.trim();
  }
  if (requireAll) {
    for (const f of adapter.credentialFields) {
      if (f.required && !(f.name in out)) throw new BadInput(`credentials.${f.name} is required for ${adapter.id}`);
    }
    const sets = adapter.credentialSets;
    if (sets && !matchCredentialSet(sets, Object.keys(out), 'user')) {
      const kinds = sets.map(
        (set) => `${set.name} {${[...set.fields, ...(set.optional ?? []).map((f) => f + '?')].join(', ')}}`,
      );
      const missing = missingFields(sets, Object.keys(out)).map((n) => `credentials.${n}`);
      throw new BadInput(
        `credentials must be one kind for ${adapter.id}: ${kinds.join(' or ')}` +
          (missing.length ? `; missing ${missing.join(', ')}` : ''),
      );
    }
  }
  return out;
}

/** Every account accepts a post template (README "Composing") besides its adapter's own settings. */
const GENERIC_TEMPLATE = 'template';
/** `thread` ('true'/'false', default false): long articles as numbered replies (README "Threads"). */
const GENERIC_THREAD = 'thread';

function checkThread(adapter: PlatformAdapter, v: unknown): string {
  if (!THREAD_PLATFORMS.includes(adapter.id)) {
    throw new BadInput(
      `settings.thread is not available on ${adapter.id}; threads are posted only on ${THREAD_PLATFORMS.join(', ')}`,
    );
  }
  if (v === true || v === 'true') return 'true';
  if (v === false || v === 'false') return 'false';
  throw new BadInput('settings.thread must be true or false');
}

export function checkSettings(adapter: PlatformAdapter, input: unknown): Record<string, string> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new BadInput('settings must be an object');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) {
    if (k === GENERIC_TEMPLATE) {
      if (v === null || v === undefined || v === '') continue;
      const problem = templateProblem(v, adapter.limits(null).counting === 'code-points-after-html');
      if (problem) throw new BadInput(`settings.template ${problem}`);
      out.template = (v as string).trim();
      continue;
    }
    if (k === GENERIC_THREAD) {
      if (v === null || v === undefined || v === '') continue;
      out.thread = checkThread(adapter, v);
      continue;
    }
    const spec = adapter.settingsFields.find((f) => f.name === k);
    if (!spec) throw new BadInput(`settings.${k} is not a setting of ${adapter.id}`);
    if (v === null || v === undefined || v === '') continue;
    if (typeof v !== 'string' && typeof v !== 'number') throw new BadInput(`settings.${k} must be a string`);
    out[k] = String(v).trim();
  }
  for (const f of adapter.settingsFields) {
    if (f.required && !(f.name in out) && f.default === undefined) {
      throw new BadInput(`settings.${f.name} is required for ${adapter.id}`);
    }
  }
  if (out.apiBaseUrl !== undefined) {
    let ok = false;
    try {
      const u = new URL(out.apiBaseUrl);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      ok = false;
    }
    if (!ok) throw new BadInput('settings.apiBaseUrl must be an http(s) URL without user or password');
    out.apiBaseUrl = out.apiBaseUrl.replace(/\/+$/, '');
  }
  return out;
}

function withDefaults(adapter: PlatformAdapter, settings: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of adapter.settingsFields) if (f.default !== undefined) out[f.name] = f.default;
  return { ...out, ...settings };
}
