import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { CredentialCipher } from '../../src/accounts/credential-cipher';
import { AppConfig, loadConfig } from '../../src/config/config';
import type { Db } from '../../src/database/database';
import type { AccountRow, Database } from '../../src/database/schema';
import type { PostsRepository } from '../../src/posts/posts.repository';
import type { DeliveryStatus } from '../../src/posts/statuses';
import { postgresQueueBackend, QueueBackend, queuePool, redisQueueBackend } from '../../src/queue/queue-backend';
import { createRedis } from '../../src/queue/redis';
import { freshDatabase, testPool } from '../support/pg';

/** Medium tier helpers: a fresh database per file, a real Redis, unique queue prefixes, row factories. */

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The queue backend these tests run on: CRIER_QUEUE=postgres runs the same files on BullMQ's PostgreSQL backend. */
export const QUEUE_KIND: 'redis' | 'postgres' = process.env.CRIER_QUEUE === 'postgres' ? 'postgres' : 'redis';

/** PostgreSQL backends opened by mediumQueue and not yet closed, with their database. */
const openedBackends: Array<{ backend: QueueBackend; url: string }> = [];
afterAll(() => closeBackends());

/** Closes the queue backends opened so far (only those on `url`, if given); answers their databases. */
async function closeBackends(url?: string): Promise<string[]> {
  const opened: typeof openedBackends = [];
  for (let i = openedBackends.length - 1; i >= 0; i--) {
    if (url === undefined || openedBackends[i].url === url) opened.push(...openedBackends.splice(i, 1));
  }
  const bounded = (p: Promise<unknown>) =>
    Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
  await Promise.all(opened.map((o) => bounded(o.backend.close())));
  return [...new Set(opened.map((o) => o.url))];
}

/**
 * Empties what a test left in the queue store: its prefix's keys on Redis; on PostgreSQL the backends it opened are
 * closed and their databases' jobs deleted (tests of one file share a database).
 */
export async function clearQueueStore(redis: Redis, prefix: string): Promise<void> {
  if (QUEUE_KIND === 'redis') return deletePrefixKeys(redis, prefix);
  for (const url of await closeBackends()) {
    const pool = testPool(url, 1);
    pool.on('error', () => undefined);
    try {
      await pool.query('DELETE FROM bullmq.job; DELETE FROM bullmq.event');
    } catch {
      // The file's database is already dropped: nothing left to clear.
    } finally {
      await pool.end();
    }
  }
}

/**
 * The queue backend of this run: Redis on `redis` (the prefix keeps tests apart), or PostgreSQL in the `bullmq`
 * schema of the test's own database `databaseUrl` (the template carries BullMQ's migrations; the database keeps
 * tests apart). Closed after the file's tests.
 */
export function mediumQueue(redis: Redis, databaseUrl?: string): QueueBackend {
  if (QUEUE_KIND === 'redis') return redisQueueBackend(redis);
  if (!databaseUrl) throw new Error('a PostgreSQL queue backend needs the test database');
  const pool = queuePool(databaseUrl, 4, () => undefined);
  const backend = postgresQueueBackend(pool, () => pool.end());
  openedBackends.push({ backend, url: databaseUrl });
  return backend;
}

export interface MediumDb {
  db: Db;
  url: string;
  close(): Promise<void>;
}

/** A Kysely over a fresh clone of the migrated template; close() destroys the pool and drops the database. */
export async function mediumDb(): Promise<MediumDb> {
  const fresh = await freshDatabase();
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: testPool(fresh.url, 4) }),
  });
  return {
    db,
    url: fresh.url,
    close: async () => {
      // The queue store's pools on this database first: its drop would otherwise end their sessions under them.
      await closeBackends(fresh.url);
      await db.destroy();
      await fresh.drop();
    },
  };
}

/** A queue prefix no other test (or process) uses. */
export function uniquePrefix(tag: string): string {
  return `m-${tag}-${randomBytes(5).toString('hex')}`;
}

/** The fakes listen on 127.0.0.1: platform API calls may reach private addresses here (refused by default). */
export function mediumConfig(prefix: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    CRIER_QUEUE_PREFIX: prefix,
    CRIER_QUEUE: QUEUE_KIND,
    ...(QUEUE_KIND === 'redis' ? { REDIS_URL } : {}),
    CRIER_PLATFORMS_ALLOW_PRIVATE: 'true',
    ...env,
  });
}

export function mediumRedis(name = 'crier-medium-test'): Redis {
  return createRedis(REDIS_URL, name);
}

/** Deletes every Redis key under the prefix (SCAN, not KEYS, so a busy Redis is not blocked). */
export async function deletePrefixKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export async function countPrefixKeys(redis: Redis, prefix: string): Promise<number> {
  let n = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    n += keys.length;
    cursor = next;
  } while (cursor !== '0');
  return n;
}

export function testCipher(): CredentialCipher {
  return new CredentialCipher(randomBytes(32));
}

/** Inserts an account with properly encrypted credentials. */
export async function insertAccount(
  db: Db,
  cipher: CredentialCipher,
  over: { platform?: string; name?: string; credentials?: Record<string, string> } = {},
): Promise<AccountRow> {
  const id = randomUUID();
  const credentials = over.credentials ?? { botToken: `123:${randomBytes(8).toString('hex')}` };
  return db
    .insertInto('accounts')
    .values({
      id,
      platform: over.platform ?? 'telegram',
      name: over.name ?? 'Medium test account',
      status: 'active',
      settings: JSON.stringify({ chatId: '-100123' }),
      credentials_enc: cipher.encrypt(id, credentials),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface DeliverySpec {
  account: { id: string; platform: string };
  status?: DeliveryStatus;
}

/** One post (scheduled at `scheduledAt`) with one delivery per spec; returns the post id and delivery ids in order. */
export async function insertPostWith(
  posts: PostsRepository,
  scheduledAt: Date,
  specs: DeliverySpec[],
): Promise<{ postId: string; deliveryIds: string[] }> {
  const postId = randomUUID();
  const deliveries = specs.map((s) => ({
    id: randomUUID(),
    accountId: s.account.id,
    platform: s.account.platform,
    status: s.status ?? ('scheduled' as const),
    text: 'Council approves the new budget',
    error: null,
  }));
  await posts.insertPost({ id: postId, articleId: null, text: null, scheduledAt, timezone: null }, deliveries);
  return { postId, deliveryIds: deliveries.map((d) => d.id) };
}

export const seconds = (n: number): Date => new Date(Date.now() + n * 1000);

/** Loads .ts files in a child Node process by transpiling each one (no type check), then runs process.argv[1]. */
const TS_CHILD_BOOT = `
const ts = require('typescript');
const fs = require('fs');
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true,
      experimentalDecorators: true, emitDecoratorMetadata: true },
  });
  module._compile(outputText, filename);
};
require(process.argv[1]);
`;

/**
 * Runs a TypeScript script in a plain Node process (for code jest's VM cannot host) and returns the JSON it
 * prints on a `RESULT ` line. Rejects with its output on a non-zero exit or after `timeoutMs`.
 */
export function runTsChild(script: string, args: string[], timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', TS_CHILD_BOOT, script, ...args], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} did not finish within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${path.basename(script)} exited with ${code}:\n${out}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>);
    });
  });
}
