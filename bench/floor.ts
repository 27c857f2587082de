/**
 * Floor: what a BullMQ worker on this machine reaches when each job does the least a publish must do, without
 * any of Crier. Usage: `npx tsx bench/floor.ts` (env: JOBS 3000, CONCURRENCY 32, POOL 20: connections to PostgreSQL). Needs the local Redis and
 * PostgreSQL. It bounds the burst benchmark's ratio from above (docs/BENCHMARKS.md, "Burst").
 *
 * Modes, each draining JOBS jobs added beforehand (as bench/burst.ts's bare BullMQ baseline does):
 * - `bare`: no-op jobs (the burst's baseline);
 * - `http`: one JSON POST per job with axios to a plain node:http server in a child process (the platform's
 *   place), on a fresh TCP connection as Crier's adapters make (docs/ARCHITECTURE.md: "connected" marks sent);
 * - `http+pg`: the same plus the least durable state a fenced publish needs: one UPDATE that claims the row (token,
 *   lease) before the request and one that settles it under the token after, each its own transaction;
 * - `http keep-alive`: `http` on reused connections, for reference only (Crier does not do it; see BENCHMARKS.md).
 * CPU per job is read from /proc for this process, the server and the PostgreSQL backends.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import axios from 'axios';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { Pool } from 'pg';
import { benchEnvironment, cpuSecondsOf, deleteRedisPrefix, redisUrl } from './bench-env';

const JOBS = Number(process.env.JOBS ?? 3000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);

if (process.argv[2] === 'server') {
  // The child: a platform that answers every POST at once.
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const id = randomUUID();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, url: `https://platform.example/posts/${id}`, length: body.length }));
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as { port: number }).port));
} else {
  void main();
}

async function main(): Promise<void> {
  const child = fork(__filename, ['server'], { execArgv: process.execArgv });
  const port = await new Promise<number>((r) => child.once('message', (m) => r(m as number)));
  const env = await benchEnvironment();
  const pool = new Pool({ connectionString: env.databaseUrl, max: Number(process.env.POOL ?? 20) });
  const redis = new IORedis(redisUrl(), { maxRetriesPerRequest: null });
  try {
    await pool.query(
      `create table d (id int primary key, status text not null, token uuid, lease_until timestamptz,
        remote_id text, published_at timestamptz)`,
    );
    const backendPids = async () =>
      (
        await pool.query<{ pid: number }>(
          'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
        )
      ).rows.map((r) => r.pid);
    const fresh = new http.Agent({ keepAlive: false });
    const kept = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const post = (agent: http.Agent, n: number) =>
      axios.post<{ id: string }>(
        `http://127.0.0.1:${port}/api/v1/statuses`,
        { status: `Post number ${n} `.repeat(12), visibility: 'public' },
        { httpAgent: agent, timeout: 10_000, proxy: false, maxRedirects: 0, headers: { authorization: 'Bearer x' } },
      );
    const modes: Record<string, (n: number) => Promise<unknown>> = {
      bare: async () => undefined,
      http: (n) => post(fresh, n),
      'http+pg': async (n) => {
        const token = randomUUID();
        const claimed = await pool.query(
          `update d set status = 'publishing', token = $2, lease_until = now() + interval '30 seconds'
            where id = $1 and status = 'scheduled'`,
          [n, token],
        );
        if (claimed.rowCount !== 1) throw new Error(`row ${n} not claimable`);
        const res = await post(fresh, n);
        await pool.query(
          `update d set status = 'published', remote_id = $3, published_at = now(), token = null
            where id = $1 and token = $2`,
          [n, token, res.data.id],
        );
      },
      'http keep-alive': (n) => post(kept, n),
    };
    const results: Record<string, { jobsPerSecond: number; cpuMsPerJob: number }> = {};
    for (const [mode, fn] of Object.entries(modes)) {
      await pool.query('truncate d');
      await pool.query(`insert into d (id, status) select g, 'scheduled' from generate_series(0, $1) g`, [JOBS]);
      const prefix = `cfloor${randomUUID().slice(0, 8)}`;
      const queue = new Queue('floor', { connection: redis, prefix });
      for (let i = 0; i < JOBS; i += 1000) {
        await queue.addBulk(
          Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({
            name: 'job',
            data: { n: i + k },
            opts: { removeOnComplete: { count: 1000 } },
          })),
        );
      }
      let done = 0;
      let allDone!: () => void;
      const finished = new Promise<void>((r) => (allDone = r));
      const worker = new Worker<{ n: number }>('floor', async (job) => void (await fn(job.data.n)), {
        connection: redis,
        prefix,
        concurrency: CONCURRENCY,
        autorun: false,
      });
      worker.on('completed', () => {
        if (++done === JOBS) allDone();
      });
      worker.on('failed', (_, e) => console.error(`${mode}: ${e.message}`));
      await worker.waitUntilReady();
      const pids = [child.pid as number, ...(await backendPids())];
      const cpuBefore = cpuSecondsOf(pids);
      const ownBefore = process.cpuUsage();
      const started = performance.now();
      void worker.run();
      await finished;
      const seconds = (performance.now() - started) / 1000;
      const own = process.cpuUsage(ownBefore);
      const cpu = cpuSecondsOf(pids) - cpuBefore + (own.user + own.system) / 1e6;
      results[mode] = {
        jobsPerSecond: Math.round(JOBS / seconds),
        cpuMsPerJob: Math.round((cpu * 1000 * 100) / JOBS) / 100,
      };
      await worker.close();
      await queue.close();
      await deleteRedisPrefix(redis, prefix);
    }
    const bare = results.bare.jobsPerSecond;
    console.log(`floor: ${JOBS} jobs per mode, concurrency ${CONCURRENCY}`);
    console.log('mode              jobs/s   × bare   CPU ms per job (worker, server, PostgreSQL)');
    for (const [mode, r] of Object.entries(results)) {
      console.log(
        `${mode.padEnd(16)}  ${String(r.jobsPerSecond).padStart(6)}   ${(r.jobsPerSecond / bare).toFixed(3).padStart(6)}   ${r.cpuMsPerJob}`,
      );
    }
  } finally {
    child.kill();
    await pool.end();
    redis.disconnect();
    await env.cleanup();
  }
}
