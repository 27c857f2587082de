import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { migrate } from '../../src/database/database';
import { adminUrl, TEMPLATE_DB, urlFor } from './pg';

/**
 * Once per run: a migrated template database. Each medium/e2e test file clones it (CREATE DATABASE … TEMPLATE),
 * which is much faster than migrating per file and keeps files from seeing each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  const admin = new Pool({ connectionString: adminUrl(), max: 1 });
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new Pool({ connectionString: urlFor(TEMPLATE_DB) }) }) });
  try {
    await migrate(db);
  } finally {
    await db.destroy();
  }
}
