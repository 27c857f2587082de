import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import { Pool, types } from 'pg';
import type { Database } from './schema';
import { MIGRATIONS } from './migrations';
import { pgliteDialect } from './pglite.dialect';

export const DATABASE = Symbol('DATABASE');
export type Db = Kysely<Database>;

// bigint (count(*), bigserial) as number: our counts never approach 2^53.
types.setTypeParser(20, (v) => Number(v));

export interface DatabaseHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** Opens Postgres when a URL is given, else the embedded PGlite under the data dir; applies migrations. */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string }): Promise<DatabaseHandle> {
  let handle: DatabaseHandle;
  if (opts.databaseUrl) {
    const pool = new Pool({ connectionString: opts.databaseUrl, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    handle = { db, kind: 'postgres', close: () => db.destroy() };
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const dir = path.resolve(opts.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    const lite = await PGlite.create(dir);
    const db = new Kysely<Database>({ dialect: pgliteDialect(lite) });
    handle = {
      db,
      kind: 'pglite',
      close: async () => {
        await db.destroy();
        await lite.close();
      },
    };
  }
  try {
    await migrate(handle.db);
  } catch (e) {
    await handle.close();
    throw e;
  }
  return handle;
}

export async function migrate(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: 'crier_migrations',
    migrationLockTableName: 'crier_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? error}`);
  }
}

export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
