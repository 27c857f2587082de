import { Conflict } from '../common/errors';

/** The one value of `managed_by` (migration 0015): the object comes from the config file. */
export const MANAGED_BY_CONFIG = 'config';
export type ManagedBy = typeof MANAGED_BY_CONFIG;

/** What the config file's apply passes to a service's write: the object's key in the file (and its marks). */
export interface ConfigMark {
  key: string;
  /**
   * Accounts and webhooks: the keyed hash of the credentials or secret the file gave
   * (CredentialCipher.fingerprint).
   */
  credentialsHash?: string;
}

/** The columns a managed row carries, as the services write them. */
export function markColumns(mark: ConfigMark | undefined) {
  return mark ? { managed_by: MANAGED_BY_CONFIG, config_key: mark.key } : {};
}

/**
 * `managedBy` ('config' or null) and `configKey` (its key in the file, or null), as the API shows them on accounts,
 * feeds, pauses and webhooks. Optional in the type only, so that views built by hand (test fixtures) need not name
 * them; the services always set both.
 */
export interface ManagedFields {
  managedBy?: ManagedBy | null;
  configKey?: string | null;
}

export function managedView(row: { managed_by?: string | null; config_key?: string | null }): ManagedFields {
  const managed = row.managed_by === MANAGED_BY_CONFIG;
  return { managedBy: managed ? MANAGED_BY_CONFIG : null, configKey: managed ? (row.config_key ?? null) : null };
}

/** The section of the config file each kind of object is declared in. */
const SECTIONS = { account: 'accounts', feed: 'feeds', pause: 'pauses', webhook: 'webhooks' } as const;

/**
 * An API (or dashboard) write to an object the config file declares: 409, naming the file's key, because the next
 * start would put the file's version back and the change would silently disappear. Nothing when `mark` is given
 * (the apply itself) or the row is not managed.
 */
export function refuseManaged(
  kind: keyof typeof SECTIONS,
  row: { id: string; managed_by?: string | null; config_key?: string | null },
  mark?: ConfigMark,
): void {
  if (mark || row.managed_by !== MANAGED_BY_CONFIG) return;
  throw new Conflict(
    `${kind} ${row.id} is managed by the config file (${SECTIONS[kind]}: key ${row.config_key}): ` +
      'change or remove it there (CRIER_CONFIG) and restart Crier',
  );
}
