import { randomBytes } from 'node:crypto';
import { runMigrations } from 'bullmq';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { migrate } from '../../src/database/database';
import { QUEUE_SCHEMA } from '../../src/queue/job-catalogue';
import { adminUrl, urlFor } from './pg';

/**
 * Once per run: a migrated template database, named for this run. Each medium/e2e test file clones it
 * (CREATE DATABASE … TEMPLATE), which is much faster than migrating per file and keeps files apart.
 */
export default async function globalSetup(): Promise<void> {
  // The medium and e2e projects both name this setup; one template serves the whole run.
  if (process.env.CRIER_TEST_TEMPLATE_DB) return;
  const name = `crier_tpl_${randomBytes(5).toString('hex')}`;
  process.env.CRIER_TEST_TEMPLATE_DB = name;
  const admin = new Pool({ connectionString: adminUrl(), max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new Pool({ connectionString: urlFor(name) }) }),
  });
  try {
    await migrate(db);
  } finally {
    await db.destroy();
  }
  // BullMQ's schema too, so tests on CRIER_QUEUE=postgres find it in every clone (Crier itself migrates it at boot).
  const client = new Pool({ connectionString: urlFor(name), max: 1 });
  try {
    await runMigrations(client as never, QUEUE_SCHEMA);
  } finally {
    await client.end();
  }
}
