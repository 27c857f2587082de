import type { AccountRow } from '../database/schema';
import type { AccountRef, PlatformAdapter, PlatformId } from '../platforms/platform';
import { getAdapter } from '../platforms/platform.registry';
import { ResolvedBudget, resolveBudgets } from './budgets';

/** An account as a worker publishes for it: the row it read, its adapter, its decrypted credentials, its budgets. */
export interface KnownAccount {
  row: AccountRow;
  adapter: PlatformAdapter;
  ref: AccountRef;
  budgets: ResolvedBudget[];
}

/**
 * The accounts a worker has published for, so that the next delivery of the account is claimed without reading
 * the account (and decrypting its credentials) again. An entry is only a guess: the claim checks the account's
 * `version` (moved on every update, migration 0007) and that it is active, and a miss sends the worker the full
 * way. Accounts with a daily cap are not kept, since the cap needs a count before each claim.
 */
export class AccountCache {
  private readonly entries = new Map<string, KnownAccount>();

  constructor(
    private readonly toRef: (row: AccountRow) => AccountRef,
    private readonly max = 10_000,
  ) {}

  get(id: string): KnownAccount | undefined {
    return this.entries.get(id);
  }

  /** The account as read now (active); kept for the fast path unless it has a daily cap. */
  remember(row: AccountRow): KnownAccount {
    const held = this.entries.get(row.id);
    if (held && held.row.version === row.version) return held;
    const adapter = getAdapter(row.platform as PlatformId);
    const ref = this.toRef(row);
    const known: KnownAccount = { row, adapter, ref, budgets: resolveBudgets(adapter, ref) };
    this.entries.delete(row.id);
    if (dailyCapOf(row) !== null) return known;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(row.id, known);
    return known;
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}

/** `settings.maxPostsPerDay` (see PublishService.dailyCap): a positive whole number, else no cap (null). */
export function dailyCapOf(row: AccountRow): number | null {
  const cap = Number(row.settings.maxPostsPerDay);
  return Number.isInteger(cap) && cap > 0 ? cap : null;
}
