import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

/** The Postgres the tests use: TEST_DATABASE_URL, else the local server of this machine and CI. */
export function adminUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/**
 * The migrated template of this jest run. Each run makes its own (named in the environment by global setup,
 * which test workers inherit), so two runs on one machine never drop each other's template.
 */
export function templateDb(): string {
  const name = process.env.CRIER_TEST_TEMPLATE_DB;
  if (!name) throw new Error('CRIER_TEST_TEMPLATE_DB is unset: run medium and e2e tests through jest (global setup)');
  return name;
}

export function urlFor(database: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh database cloned from the migrated template; drop() removes it. */
export async function freshDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `crier_t_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl(), max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDb()}`);
  } finally {
    await admin.end();
  }
  return {
    url: urlFor(name),
    name,
    drop: async () => {
      const a = new Pool({ connectionString: adminUrl(), max: 1 });
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/**
 * A pool on a test's own database, with the error listener every pool needs (STYLE.md). An idle client cut off
 * when its file's database is dropped (`DROP DATABASE … WITH (FORCE)`: 57P01) is expected; anything else is
 * printed. Without a listener, pg raises either as an unhandled error in whichever test runs at that moment.
 */
export function testPool(connectionString: string, max: number): Pool {
  const pool = new Pool({ connectionString, max });
  pool.on('error', (e: Error & { code?: string }) => {
    if (e.code !== '57P01') process.stderr.write(`test pool: ${e.message}\n`);
  });
  return pool;
}
