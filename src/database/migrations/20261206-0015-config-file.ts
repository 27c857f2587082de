import { Kysely, sql } from 'kysely';

/**
 * Configuration as code (src/config-file/, docs/ARCHITECTURE.md "The config file"): accounts, feeds and pauses
 * declared in the file named by CRIER_CONFIG carry `managed_by = 'config'` and the key they have in the file
 * (`config_key`), so the next start finds them again, the API shows them as managed and refuses to change them.
 *
 * - `config_key` stays when the file stops declaring an object without `prune` (it is then released: `managed_by`
 *   null, editable over the API), so declaring the key again adopts the same row instead of making a second one.
 *   Unique per table (for pauses: among the active ones; an ended pause keeps its key as history).
 * - `accounts.config_hash`: a keyed hash (HMAC under CRIER_SECRET_KEY) of the credentials the file gave, never the
 *   credentials: the next start re-encrypts only when the file's values changed, and never writes back over tokens
 *   Crier rotated itself since (X's OAuth 2.0 refresh).
 *
 * Forward-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['accounts', 'feeds', 'pauses']) {
    await sql`alter table ${sql.table(table)}
      add column managed_by text check (managed_by in ('config')),
      add column config_key text,
      add constraint ${sql.ref(`${table}_managed_has_key`)} check (managed_by is null or config_key is not null)`.execute(
      db,
    );
  }
  await sql`alter table accounts add column config_hash text`.execute(db);
  await sql`create unique index accounts_config_key_idx on accounts (config_key) where config_key is not null`.execute(
    db,
  );
  await sql`create unique index feeds_config_key_idx on feeds (config_key) where config_key is not null`.execute(db);
  await sql`create unique index pauses_config_key_idx on pauses (config_key)
    where config_key is not null and resumed_at is null`.execute(db);
}
