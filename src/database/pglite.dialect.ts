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
export function pgliteDialect(db: PGlite, lease: PgliteLease = pgliteLease()): PostgresDialect {
  const client = {
    async query(sql: string, params: readonly unknown[]) {
      const res = await db.query(sql, params as unknown[]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length, command: commandOf(sql) };
    },
  };
  const pool = {
    async connect() {
      const release = await lease.acquire();
      return { ...client, release };
    },
    end: () => lease.drained(),
  };
  return new PostgresDialect({ pool: pool as never });
}

/**
 * Turns on PGlite's one session, first come first served. Everything that talks to the embedded database takes it:
 * Crier's Kysely (a whole transaction per turn) and the embedded queue store (src/queue/pglite-pool.ts, one
 * statement per turn), so that a statement of one never lands inside the other's open transaction.
 */
export interface PgliteLease {
  /** Waits for the turn (at most the acquire timeout); call the returned function to give it up. */
  acquire(): Promise<() => void>;
  /** Resolves once every turn handed out so far has ended. */
  drained(): Promise<void>;
}

export function pgliteLease(acquireTimeoutMs = ACQUIRE_TIMEOUT_MS): PgliteLease {
  let tail: Promise<void> = Promise.resolve();
  return {
    async acquire() {
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
      return () => release();
    },
    drained: () => tail,
  };
}

function commandOf(sql: string): string {
  return sql.trimStart().split(/\s/, 1)[0]?.toUpperCase() ?? '';
}
