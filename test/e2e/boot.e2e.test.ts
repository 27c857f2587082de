import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import request from 'supertest';
import { freePort } from '../support/crier-process';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

const MAIN = path.resolve(process.env.CRIER_TEST_DIST ?? path.resolve(__dirname, '../../dist'), 'main.js');

/** Runs dist/main.js with exactly `env`; resolves with its exit code and output, or leaves it running. */
function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, output: () => output };
}

describe('start-up', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'crier-boot-'));
    dirs.push(d);
    return d;
  };
  const prefixes: string[] = [];
  afterAll(async () => {
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
    const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  });

  it('lists every bad variable at once and refuses to start', async () => {
    const p = run({ PORT: 'eighty', CRIER_ROLE: 'both', REDIS_URL: 'http://x', CRIER_DATA_DIR: tmp() });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('PORT');
    expect(p.output()).toContain('CRIER_ROLE');
    expect(p.output()).toContain('REDIS_URL');
  });

  it('refuses an invalid CRIER_SECRET_KEY with a clear message, without echoing it', async () => {
    const p = run({ CRIER_SECRET_KEY: 'not-a-valid-key-value', CRIER_DATA_DIR: tmp() });
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/CRIER_SECRET_KEY must be 32 bytes/);
    expect(p.output()).not.toContain('not-a-valid-key-value');
  });

  it('says clearly when Redis cannot be reached', async () => {
    const port = await freePort();
    const p = run({ REDIS_URL: `redis://127.0.0.1:${port}`, CRIER_DATA_DIR: tmp() });
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/Cannot reach Redis at 127\.0\.0\.1:\d+/);
  });

  it('comes up on the embedded defaults (PGlite, generated token printed once) and keeps them across restarts', async () => {
    const dataDir = tmp();
    const port = await freePort();
    const env = { PORT: String(port), CRIER_DATA_DIR: dataDir, CRIER_QUEUE_PREFIX: `boot${port}` };
    prefixes.push(env.CRIER_QUEUE_PREFIX);
    const first = run(env);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/health`).catch(() => null))?.status === 200, {
      timeoutMs: 60_000,
      what: 'first start',
    });
    const secrets = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { apiToken: string };
    expect(first.output()).toContain(secrets.apiToken);
    expect(first.output()).toContain('/docs');
    expect(first.output()).toContain('/admin/queues');
    const created = await request(url)
      .post('/api/v1/accounts')
      .set('Authorization', `Bearer ${secrets.apiToken}`)
      .send({
        platform: 'telegram',
        name: 'kept',
        credentials: { botToken: '1:kept-token-value' },
        settings: { chatId: '-1001' },
      })
      .expect(201);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = run(env);
    await waitFor(async () => (await fetch(`${url}/health`).catch(() => null))?.status === 200, {
      timeoutMs: 60_000,
      what: 'second start',
    });
    expect(second.output()).not.toContain(secrets.apiToken);
    const again = await request(url)
      .get(`/api/v1/accounts/${created.body.id}`)
      .set('Authorization', `Bearer ${secrets.apiToken}`)
      .expect(200);
    expect(again.body.name).toBe('kept');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
