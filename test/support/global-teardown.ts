import { Pool } from 'pg';
import { adminUrl } from './pg';

/** Drops this run's template and any test database a crashed file left behind from it. */
export default async function globalTeardown(): Promise<void> {
  const name = process.env.CRIER_TEST_TEMPLATE_DB;
  if (!name) return;
  const admin = new Pool({ connectionString: adminUrl(), max: 1 });
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
