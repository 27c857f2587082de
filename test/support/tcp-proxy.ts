import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1:<free port> in front of a real server (PostgreSQL in the outage tests), so a test can
 * take the server away from the processes behind it and give it back: `cut()` ends every connection and refuses
 * new ones (what a restart or a failover looks like to a client), `restore()` accepts them again on the same port.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** Connections accepted since start, for a test's own sanity checks. */
  accepted = 0;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
    const server = createServer();
    await listen(server, port);
    const proxy = new TcpProxy((server.address() as AddressInfo).port, target);
    proxy.serve(server);
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  proxied(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get isCut(): boolean {
    return this.server === undefined;
  }

  /** Ends every connection through the proxy (both sides) and stops listening: new connections are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Listens again on the same port. */
  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer();
    await listen(server, this.port);
    this.serve(server);
  }

  async close(): Promise<void> {
    await this.cut();
  }

  private serve(server: Server): void {
    this.server = server;
    server.on('connection', (client) => {
      this.accepted++;
      const upstream = createConnection(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.setNoDelay(true);
        // Either side failing ends the pair; a proxy error is never the test's problem.
        s.on('error', () => undefined);
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
