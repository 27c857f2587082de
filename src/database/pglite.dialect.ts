import type { PGlite } from '@electric-sql/pglite';
import { PostgresDialect } from 'kysely';

/**
 * How long a borrower waits for the one connection, as pg-pool's connectionTimeoutMillis: a caller stuck behind a
 * transaction that does not end gets an error (503 for a request) instead of waiting with it. Same message as
 * pg-pool's, so errors.ts classifies both alike.
 */
const ACQUIRE_TIMEOUT_MS = 10_000;

/**
 * Kysely's own PostgresDialect over an embedded PGlite, through a minimal pg-Pool shape. We write these few
 * lines rather than take kysely-pglite, which pulls a CLI (oclif, codegen, chokidar) into production deps.
 * PGlite is one connection: the pool hands it out to one borrower at a time, so a transaction is never
 * interleaved with another caller's queries.
 */
export function pgliteDialect(db: PGlite, acquireTimeoutMs = ACQUIRE_TIMEOUT_MS): PostgresDialect {
  let tail: Promise<void> = Promise.resolve();
  const client = {
    async query(sql: string, params: readonly unknown[]) {
      const res = await db.query(sql, params as unknown[]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length, command: commandOf(sql) };
    },
  };
  const pool = {
    async connect() {
      let release!: () => void;
      const previous = tail;
      tail = new Promise<void>((r) => (release = r));
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<true>((r) => (timer = setTimeout(() => r(true), acquireTimeoutMs)));
      const timedOut = await Promise.race([previous.then(() => false), expired]);
      clearTimeout(timer);
      if (timedOut) {
        // Our place in line is given up the moment it comes, so the callers behind us still get their turn.
        void previous.then(release);
        throw new Error(
          `timeout exceeded when trying to connect (the embedded database was busy for ${acquireTimeoutMs} ms)`,
        );
      }
      return { ...client, release: () => release() };
    },
    async end() {
      await tail;
    },
  };
  return new PostgresDialect({ pool: pool as never });
}

function commandOf(sql: string): string {
  return sql.trimStart().split(/\s/, 1)[0]?.toUpperCase() ?? '';
}
