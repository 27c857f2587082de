import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, PostgresPool, sql } from 'kysely';
import { Pool, PoolConfig, types } from 'pg';
import { markUnavailable } from '../common/errors';
import { DataDirLockOptions, lockDataDir } from './data-dir-lock';
import type { Database } from './schema';
import { MIGRATIONS } from './migrations';
import { pgliteDialect, PgliteLease, pgliteLease } from './pglite.dialect';
import type { PGlite } from '@electric-sql/pglite';

export const DATABASE = Symbol('DATABASE');
export type Db = Kysely<Database>;

// bigint (count(*), bigserial) as number: our counts never approach 2^53.
types.setTypeParser(20, (v) => Number(v));

/**
 * Every external dependency can go away (STYLE.md): a restart, a failover or a pgbouncer recycle ends our sessions,
 * a partition leaves them silent. These bound how long a caller waits before it gets an error it can map to 503.
 */
export const POOL_SETTINGS: PoolConfig = {
  max: 10,
  /** Connecting, and waiting for a free client of the pool: past this a request fails instead of queueing. */
  connectionTimeoutMillis: 3_000,
  idleTimeoutMillis: 30_000,
  /** Finds a peer that vanished without a FIN (a partition, a dead host) instead of waiting on it forever. */
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
  /** Server side: no statement of ours runs longer; our queries are small and indexed. */
  statement_timeout: 10_000,
  /** Client side: a query on a connection that went silent fails even when the server cannot say so. */
  query_timeout: 12_000,
  /** A transaction left open by a paused or lost process does not hold its row locks for long. */
  idle_in_transaction_session_timeout: 30_000,
};

/**
 * Every error of a pg pool's sessions goes to `report`, none is left unhandled (a restart, failover or FORCE drop
 * ends them): an idle client's through the pool's listener, a lent one's (a query in progress, a LISTEN connection
 * held for good) through its own, which pg offers to nobody else.
 */
export function reportPoolErrors(pool: Pool, report: (e: Error) => void): void {
  pool.on('error', report);
  const lent = new WeakSet<object>();
  pool.on('acquire', (client) => lent.add(client));
  pool.on('release', (_err, client) => lent.delete(client));
  pool.on('connect', (client) => {
    client.on('error', (e) => {
      if (lent.has(client)) report(e);
    });
  });
}

export interface DatabaseHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** The embedded database and the lease every user of its one session takes (the embedded queue store too). */
  embedded?: { lite: PGlite; lease: PgliteLease };
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Told about connections that fail outside any query (a terminated idle session); default: ignored. */
  onConnectionError?: (e: Error) => void;
  /** Shown in pg_stat_activity (so an operator can tell Crier's sessions, and its roles, apart). */
  applicationName?: string;
  /** Connections in the pool (default 10): a worker runs many jobs at once, each holding one per transaction. */
  poolSize?: number;
  /** PGlite only: the lock on its directory (one process per directory), see data-dir-lock.ts. */
  dataDirLock?: DataDirLockOptions;
}

/** Opens Postgres when a URL is given, else the embedded PGlite under the data dir; applies migrations. */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    // Migrations get their own short-lived pool without the statement timeout: one may rewrite a large table.
    const migrator = postgresPool(opts.databaseUrl, { max: 1, statement_timeout: 0, query_timeout: 0 }, opts);
    const migrationDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: migrator }) });
    try {
      await migrate(migrationDb);
    } finally {
      await migrationDb.destroy();
    }
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: postgresPool(opts.databaseUrl, opts.poolSize ? { max: opts.poolSize } : {}, opts),
      }),
    });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dir = path.resolve(opts.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  // Before PGlite touches a file: a second process on the same directory is refused (DataDirInUse).
  const unlock = await lockDataDir(dir, opts.dataDirLock);
  const lite = await PGlite.create(dir).catch(async (e: unknown) => {
    await unlock();
    throw e;
  });
  const lease = pgliteLease();
  const db = new Kysely<Database>({ dialect: pgliteDialect(lite, lease) });
  const handle: DatabaseHandle = {
    db,
    kind: 'pglite',
    embedded: { lite, lease },
    close: async () => {
      try {
        await db.destroy();
        await lite.close();
      } finally {
        await unlock();
      }
    },
  };
  try {
    await migrate(handle.db);
  } catch (e) {
    await handle.close();
    throw e;
  }
  return handle;
}

/**
 * A pg Pool that never takes the process down: node-postgres emits `error` on an idle client whose session ends
 * (through the pool) and on a checked-out client between queries (on the client only, as the pool detaches its
 * listener while a client is lent). With no listener either one is an uncaught exception. Both are logged here;
 * the pool drops the dead client, and the query in flight or the next checkout gets an error of its own.
 */
function postgresPool(url: string, overrides: PoolConfig, opts: OpenDatabaseOptions): PostgresPool {
  const report = opts.onConnectionError ?? (() => undefined);
  const pool = new Pool({
    ...POOL_SETTINGS,
    ...overrides,
    connectionString: url,
    application_name: opts.applicationName ?? 'crier',
  });
  reportPoolErrors(pool, report);
  // Any failure to get a connection (refused, reset, timed out, the server starting or shutting down) is the
  // database being unavailable: marked so, requests answer 503 rather than 500.
  return {
    connect: () => pool.connect().catch((e: unknown) => Promise.reject(markUnavailable(e, 'database'))),
    end: () => pool.end(),
  };
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
