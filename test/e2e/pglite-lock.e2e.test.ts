import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { freePort } from '../support/crier-process';
import { waitFor } from '../support/wait';

jest.setTimeout(180_000);

const MAIN = path.resolve(process.env.CRIER_TEST_DIST ?? path.resolve(__dirname, '../../dist'), 'main.js');

/** dist/main.js on the embedded database (no DATABASE_URL) in `dataDir`, with its exit code and output. */
function run(dataDir: string, port: number, role: 'all' | 'api' | 'worker', prefix: string) {
  const env = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    CRIER_ROLE: role,
    CRIER_DATA_DIR: dataDir,
    CRIER_QUEUE_PREFIX: prefix,
    CRIER_LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  let gone = false;
  void exited.then(() => (gone = true));
  const healthy = () =>
    waitFor(
      async () => {
        if (gone) throw new Error(`crier exited during start-up:\n${output}`);
        return (await fetch(`${url}/health`).catch(() => null))?.status === 200;
      },
      { timeoutMs: 60_000, what: `crier (${role}) on ${dataDir} to answer /health` },
    );
  return { child, exited, url, healthy, output: () => output };
}

describe('one process per embedded database directory', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crier-lock-'));
  const prefix = `lock${process.pid}`;
  const running: Array<ReturnType<typeof run>> = [];
  const start = async (role: 'all' | 'api' | 'worker' = 'all') => {
    const p = run(dataDir, await freePort(), role, prefix);
    running.push(p);
    return p;
  };

  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(running.map((p) => p.exited));
    rmSync(dataDir, { recursive: true, force: true });
    const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('refuses a second process with a clear message, and lets a new one in after a clean exit or a SIGKILL', async () => {
    const first = await start('all');
    await first.healthy();
    // Swagger UI is served from swagger-ui-dist, whose @scarf/scarf dependency is replaced by an empty stub.
    const docs = await fetch(`${first.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');

    // Split roles without DATABASE_URL: the worker would open the same PGlite files.
    const second = await start('worker');
    // Refused after waiting out a possible crash of the holder (about 13 s), not left running.
    const stillRunning = new Promise<string>((r) => setTimeout(() => r('still running after 60 s'), 60_000).unref());
    expect(await Promise.race([second.exited, stillRunning])).toBe(1);
    expect(second.output()).toContain('is in use by another Crier process');
    expect(second.output()).toContain('DATABASE_URL');
    expect(second.output()).not.toMatch(/^\s+at /m); // a message, not a stack trace
    // The first one was not disturbed.
    expect((await fetch(`${first.url}/health`)).status).toBe(200);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const third = await start('all');
    await third.healthy();

    // A crash releases nothing explicitly: the lock goes stale and the next process takes it over.
    third.child.kill('SIGKILL');
    await third.exited;
    const fourth = await start('all');
    await fourth.healthy();
    fourth.child.kill('SIGTERM');
    expect(await fourth.exited).toBe(0);
  });
});
