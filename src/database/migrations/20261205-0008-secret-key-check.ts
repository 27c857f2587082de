import { Kysely, sql } from 'kysely';

/**
 * The encryption key's check value (README "The encryption key"): one row naming the key the stored credentials
 * are encrypted with, by its id and a keyed hash of a fixed text, never the key itself. A process started with
 * another key refuses to start instead of failing on every account it reads. Forward-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('secret_key_check')
    // One row at most: the key of this database.
    .addColumn('id', 'smallint', (c) =>
      c
        .primaryKey()
        .defaultTo(1)
        .check(sql`id = 1`),
    )
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('check_value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
