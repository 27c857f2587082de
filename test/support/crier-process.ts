import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { aTestFailed } from './test-status';
import { waitFor } from './wait';

/** `CRIER_TEST_DIST` points the e2e tests at another build directory (e.g. `npx tsc --outDir .tmp/dist-x`). */
const MAIN = path.resolve(process.env.CRIER_TEST_DIST ?? path.resolve(__dirname, '../../dist'), 'main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface CrierOptions {
  role?: 'all' | 'api' | 'worker';
  /** Unset: nothing installed is used, as on a fresh machine (no DATABASE_URL, REDIS_URL nor CRIER_QUEUE). */
  databaseUrl: string | undefined;
  queuePrefix: string;
  apiToken: string;
  secretKey: string;
  env?: Record<string, string>;
}

/**
 * The queue backend the e2e tests run Crier on: CRIER_QUEUE=postgres runs the same files on BullMQ's PostgreSQL
 * backend (the test database's schema bullmq); otherwise Redis at REDIS_URL (default: the local server).
 */
export const E2E_QUEUE: 'redis' | 'postgres' = process.env.CRIER_QUEUE === 'postgres' ? 'postgres' : 'redis';
export const E2E_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fast settings for tests: short backoff, frequent sweep, short locks. Real code paths, smaller numbers. */
export const TEST_ENV: Record<string, string> = {
  CRIER_RETRY_BASE_MS: '200',
  CRIER_RETRY_MAX_MS: '1000',
  CRIER_SWEEP_SECONDS: '1',
  CRIER_JOB_LOCK_MS: '3000',
  CRIER_HTTP_TIMEOUT_MS: '1500',
  CRIER_MAX_ATTEMPTS: '3',
  CRIER_LOG_LEVEL: 'debug',
  // Every fake platform listens on 127.0.0.1, which Crier refuses by default (account-host.e2e.test.ts covers that).
  CRIER_PLATFORMS_ALLOW_PRIVATE: 'true',
};

/** The built Crier (dist/main.js) as a child process, exactly as a publisher runs it; output is captured. */
export class CrierProcess {
  output = '';
  private exited?: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly opts: CrierOptions,
    private readonly dataDir: string,
  ) {}

  static async start(opts: CrierOptions): Promise<CrierProcess> {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'crier-e2e-'));
    const env = crierEnv(opts, port, dataDir);
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = new CrierProcess(child, `http://127.0.0.1:${port}`, opts, dataDir);
    child.stdout?.on('data', (b: Buffer) => (proc.output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (proc.output += b.toString()));
    proc.exited = new Promise((r) => child.on('exit', (code) => r(code)));
    let gone = false;
    void proc.exited.then(() => (gone = true));
    await waitFor(
      async () => {
        if (gone) throw new Error(`crier exited during start-up:\n${proc.output}`);
        const res = await fetch(`${proc.url}/health`).catch(() => null);
        return res?.status === 200;
      },
      // The embedded database takes longer to create and migrate than a clone of the template.
      { timeoutMs: opts.databaseUrl ? 30_000 : 90_000, what: `crier (${opts.role ?? 'all'}) to answer /health` },
    ).catch((e: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${e.message}\n--- output ---\n${proc.output}`);
    });
    return proc;
  }

  /** supertest agent with the bearer token. */
  api() {
    const agent = request(this.url);
    const auth = { Authorization: `Bearer ${this.opts.apiToken}` };
    return {
      get: (p: string) => agent.get(p).set(auth),
      post: (p: string) => agent.post(p).set(auth),
      patch: (p: string) => agent.patch(p).set(auth),
      delete: (p: string) => agent.delete(p).set(auth),
    };
  }

  /** SIGTERM and wait for the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const code = (await this.exited) ?? null;
    if (aTestFailed()) this.printLogTail();
    rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }

  /** The last lines of the process's log, for a failed test's report (Crier's logs never carry secrets). */
  printLogTail(lines = 80): void {
    const tail = this.output.trimEnd().split('\n').slice(-lines).join('\n');
    process.stderr.write(
      `\n--- last ${lines} log lines of crier (${this.opts.role ?? 'all'}) at ${this.url} ---\n${tail}\n--- end of log ---\n`,
    );
  }

  /** SIGKILL: a crash, no clean-up. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

function crierEnv(opts: CrierOptions, port: number, dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PORT: String(port),
    HOST: '127.0.0.1',
    CRIER_ROLE: opts.role ?? 'all',
    CRIER_QUEUE_PREFIX: opts.queuePrefix,
    CRIER_API_TOKEN: opts.apiToken,
    CRIER_SECRET_KEY: opts.secretKey,
    CRIER_DATA_DIR: dataDir,
    ...(opts.databaseUrl
      ? {
          DATABASE_URL: opts.databaseUrl,
          CRIER_QUEUE: E2E_QUEUE,
          ...(E2E_QUEUE === 'redis' ? { REDIS_URL: E2E_REDIS_URL } : {}),
        }
      : {}),
    ...TEST_ENV,
    ...(opts.env ?? {}),
  };
}

/**
 * The built Crier run to its exit: a one-off command (`args`, e.g. `['rekey']`), or a start that must be refused.
 * Killed (and the promise rejected) after `timeoutMs`; answers the exit code and everything it printed.
 */
export async function runCrierToExit(
  opts: CrierOptions,
  args: string[] = [],
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crier-e2e-'));
  const env = crierEnv(opts, await freePort(), dataDir);
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`crier ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      // 'close', not 'exit': the output is complete only once the pipes are closed.
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function testSecrets() {
  return {
    apiToken: `tok_${randomBytes(16).toString('hex')}`,
    secretKey: randomBytes(32).toString('base64'),
    queuePrefix: `t${randomBytes(4).toString('hex')}`,
  };
}
