import type { PGlite } from '@electric-sql/pglite';
import { PostgresDialect } from 'kysely';

/**
 * Kysely's own PostgresDialect over an embedded PGlite, through a minimal pg-Pool shape. We write these few
 * lines rather than take kysely-pglite, which pulls a CLI (oclif, codegen, chokidar) into production deps.
 * PGlite is one connection: the pool hands it out to one borrower at a time, so a transaction is never
 * interleaved with another caller's queries.
 */
export function pgliteDialect(db: PGlite): PostgresDialect {
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
      await previous;
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
