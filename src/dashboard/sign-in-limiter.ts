import { isIPv4, isIPv6 } from 'node:net';

export interface LimiterOptions {
  /** Wrong tokens a client may send per window. */
  maxFailures: number;
  windowMs: number;
  /** Clients remembered at most: a flood of addresses costs bounded memory (the oldest entries go first). */
  maxClients: number;
}

export const SIGN_IN_LIMITS: LimiterOptions = { maxFailures: 10, windowMs: 10 * 60_000, maxClients: 10_000 };

interface Entry {
  failures: number;
  /** When this client's window ends and its count starts over. */
  resetAt: number;
}

/**
 * Failed sign-ins per client address, in this process's memory: at most `maxFailures` wrong tokens per window
 * (fixed, from the first failure), then every sign-in from that address waits until the window ends, the right
 * token too (else the limit would not slow a guesser down at all). A successful sign-in forgets the address's
 * failures. Kept in memory, not PostgreSQL: it only slows guessing (the token is long and random), so a limit per
 * process is enough, and a guesser cannot make the database do work per guess. A Map with expiry and a size cap
 * rather than a rate-limit library: express-rate-limit counts every request (failures only by the response's status),
 * and its memory store has no bound on the number of addresses it holds until its window resets.
 */
export class SignInLimiter {
  private readonly clients = new Map<string, Entry>();

  constructor(
    private readonly opts: LimiterOptions = SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds this client must wait before trying again, or 0. */
  waitMs(client: string): number {
    const e = this.clients.get(client);
    if (!e) return 0;
    const left = e.resetAt - this.now();
    if (left <= 0) {
      this.clients.delete(client);
      return 0;
    }
    return e.failures >= this.opts.maxFailures ? left : 0;
  }

  /** Counts a wrong token. */
  fail(client: string): void {
    const now = this.now();
    const e = this.clients.get(client);
    if (e && e.resetAt > now) {
      e.failures++;
      return;
    }
    this.clients.delete(client);
    if (this.clients.size >= this.opts.maxClients) this.makeRoom(now);
    this.clients.set(client, { failures: 1, resetAt: now + this.opts.windowMs });
  }

  succeed(client: string): void {
    this.clients.delete(client);
  }

  get size(): number {
    return this.clients.size;
  }

  /** Drops expired entries; if none had expired, the oldest (Map keeps insertion order, windows start in it). */
  private makeRoom(now: number): void {
    for (const [k, e] of this.clients) if (e.resetAt <= now) this.clients.delete(k);
    if (this.clients.size < this.opts.maxClients) return;
    const oldest = this.clients.keys().next();
    if (!oldest.done) this.clients.delete(oldest.value);
  }
}

/**
 * The key a client's failures count under: its IPv4 address, or the /64 prefix of its IPv6 address (one host
 * usually holds a whole /64, so counting single IPv6 addresses would let it guess without limit).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head, tail = ''] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
