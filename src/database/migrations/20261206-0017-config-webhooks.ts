import { Kysely, sql } from 'kysely';

/**
 * Webhooks in the config file (src/config-file/, docs/API.md "Config file"): the same three columns migration 0015
 * gave accounts, feeds and pauses.
 *
 * - `managed_by = 'config'` while the file declares the webhook (the API then refuses to delete it), `config_key` its
 *   key in the file, kept when released so that declaring the key again adopts the same row. Unique.
 * - `config_hash`: a keyed hash (HMAC under CRIER_SECRET_KEY) of the signing secret the file gave (read from the
 *   environment), never the secret: the next start re-encrypts it only when its value changed.
 *
 * Forward-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table webhooks
    add column managed_by text check (managed_by in ('config')),
    add column config_key text,
    add column config_hash text,
    add constraint webhooks_managed_has_key check (managed_by is null or config_key is not null)`.execute(db);
  await sql`create unique index webhooks_config_key_idx on webhooks (config_key) where config_key is not null`.execute(
    db,
  );
}
