import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { Pool } from 'pg';
import { testSecrets } from '../test/support/crier-process';
import { adminUrl, urlFor } from '../test/support/pg';

/** A throwaway database and queue prefix for one benchmark run, and their removal. */
export async function benchEnvironment() {
  const dbName = `crier_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl(), max: 1 });
  await admin.query(`CREATE DATABASE ${dbName}`);
  const secrets = testSecrets();
  return {
    databaseUrl: urlFor(dbName),
    secrets,
    async cleanup(): Promise<void> {
      const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      const keys = await redis.keys(`${secrets.queuePrefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    },
  };
}
