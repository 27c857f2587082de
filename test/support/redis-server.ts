import { ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './crier-process';
import { waitFor } from './wait';

/**
 * A private `redis-server` on a free port, without persistence, that a test can kill (SIGKILL: every key is lost,
 * as when Redis restarts without a snapshot) and start again, empty, on the same port.
 */
export class RedisServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  output = '';

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the server (again, empty) and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.child) return;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (b: Buffer) => (this.output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.output += b.toString()));
    // Never outlive the test run, even one that jest ends before its afterAll has run.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    this.exited = new Promise((r) =>
      child.once('exit', () => {
        process.off('exit', reap);
        r();
      }),
    );
    this.child = child;
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
    await waitFor(
      async () => {
        if (!this.child) throw new Error(`redis-server exited:\n${this.output}`);
        return pong(this.port);
      },
      { timeoutMs: 10_000, intervalMs: 50, what: `redis-server on port ${this.port} to answer PING` },
    );
  }

  /** SIGKILL: no shutdown, no save; every key is gone. Resolves once the process has exited. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

/** One PING over a plain socket (a client library would keep reconnect and disconnect timers behind). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (b: Buffer) => {
      answer += b.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}
