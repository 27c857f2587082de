import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * SSRF guard for media downloads (images, videos) whose URLs come from users and feeds. Every connection of a
 * download, redirects included, goes through `guardedAgents`: a host name is resolved once, refused if ANY of its
 * addresses is not public, and the socket connects only to the addresses just checked (no second resolution a
 * rebinding DNS server could answer differently). A literal IP host skips DNS, so it is checked before connecting.
 */

/** What an address is for; everything but `public` is refused unless private addresses are allowed. */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'multicast'
  | 'reserved'
  | 'invalid';

interface Range {
  /** Network address as a bigint of the family's width. */
  base: bigint;
  bits: number;
  /** A class, or `embedded-v4` when the range carries an IPv4 address whose class decides. */
  is: AddressClass | 'embedded-v4';
  /** For `embedded-v4`: bit offset (from the top) of the 32 embedded bits. */
  at?: number;
}

function parseV4(text: string): bigint | null {
  if (net.isIPv4(text) === false) return null;
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseV6(text: string): bigint | null {
  const addr = text.replace(/%.*$/, '');
  if (net.isIPv6(addr) === false) return null;
  // A dotted IPv4 tail (::ffff:127.0.0.1) becomes two hex groups.
  const hex = addr.replace(/(\d+\.\d+\.\d+\.\d+)$/, (v4) => {
    const n = Number(parseV4(v4));
    return `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  });
  const [left, right] = hex.split('::');
  const head = left ? left.split(':') : [];
  const tail = right === undefined ? [] : right ? right.split(':') : [];
  const groups =
    right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  if (groups.length !== 8) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function range(text: string, bits: number, is: Range['is'], at?: number): Range {
  const base = parseV4(text) ?? parseV6(text);
  if (base === null) throw new Error(`bad range ${text}`);
  return { base, bits, is, at };
}

/** IANA special-purpose IPv4 blocks (RFC 6890 and successors); the first match wins. */
const V4: readonly Range[] = [
  range('0.0.0.0', 8, 'unspecified'), // "this network"; 0.0.0.0 reaches the local host on Linux
  range('10.0.0.0', 8, 'private'),
  range('100.64.0.0', 10, 'cgnat'),
  range('127.0.0.0', 8, 'loopback'),
  range('169.254.0.0', 16, 'link-local'), // cloud metadata lives here
  range('172.16.0.0', 12, 'private'),
  range('192.0.0.0', 24, 'reserved'),
  range('192.0.2.0', 24, 'reserved'),
  range('192.88.99.0', 24, 'reserved'),
  range('192.168.0.0', 16, 'private'),
  range('198.18.0.0', 15, 'reserved'),
  range('198.51.100.0', 24, 'reserved'),
  range('203.0.113.0', 24, 'reserved'),
  range('224.0.0.0', 4, 'multicast'),
  range('240.0.0.0', 4, 'reserved'), // includes 255.255.255.255
];

/** IPv6 blocks; the first match wins, and only global unicast (2000::/3) outside them is public. */
const V6: readonly Range[] = [
  range('::', 128, 'unspecified'),
  range('::1', 128, 'loopback'),
  range('::ffff:0:0', 96, 'embedded-v4', 96), // IPv4-mapped
  range('64:ff9b::', 96, 'embedded-v4', 96), // NAT64
  range('64:ff9b:1::', 48, 'private'), // local-use NAT64
  range('2002::', 16, 'embedded-v4', 16), // 6to4
  range('2001::', 23, 'reserved'), // IETF protocol assignments (Teredo, benchmarking, ...)
  range('2001:db8::', 32, 'reserved'), // documentation
  range('3fff::', 20, 'reserved'), // documentation
  range('fc00::', 7, 'unique-local'),
  range('fe80::', 10, 'link-local'),
  range('fec0::', 10, 'private'), // deprecated site-local
  range('ff00::', 8, 'multicast'),
  range('2000::', 3, 'public'),
  range('::', 0, 'reserved'), // everything else (IPv4-compatible ::/96, discard 100::/64, unallocated)
];

function match(value: bigint, width: number, table: readonly Range[]): AddressClass {
  for (const r of table) {
    const shift = BigInt(width - r.bits);
    if (value >> shift !== r.base >> shift) continue;
    if (r.is !== 'embedded-v4') return r.is;
    const v4 = (value >> BigInt(width - (r.at ?? 0) - 32)) & 0xffffffffn;
    return match(v4, 32, V4);
  }
  return 'public';
}

/**
 * What an IP address (v4, v6, IPv4-mapped v6, optional `%zone`) is for. Pure; anything that is not an IP
 * address is `invalid`.
 */
export function classifyAddress(address: string): AddressClass {
  const v4 = parseV4(address);
  if (v4 !== null) return match(v4, 32, V4);
  const v6 = parseV6(address);
  if (v6 !== null) return match(v6, 128, V6);
  return 'invalid';
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}

/** Decides whether one resolved or literal address may be connected to. */
export type AddressPermit = (address: string) => boolean;

export function addressPermit(allowPrivateAddresses = false): AddressPermit {
  return allowPrivateAddresses ? () => true : isPublicAddress;
}

export const PRIVATE_ADDRESS_CODE = 'ERR_CRIER_PRIVATE_ADDRESS';

/** Raised inside the socket layer; callers turn it into a PermanentError (privateAddressMessage). */
export class PrivateAddressError extends Error {
  readonly code = PRIVATE_ADDRESS_CODE;
  constructor() {
    super('refused to connect to a non-public address');
    this.name = 'PrivateAddressError';
  }
}

/** Whether `e` (or an error it wraps, as axios does) is a refusal by this guard. */
export function isPrivateAddressError(e: unknown): boolean {
  for (let cur = e, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
    if (cur instanceof PrivateAddressError || (cur as { code?: unknown }).code === PRIVATE_ADDRESS_CODE) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** The one message for a refused address: it names neither the host nor the address. */
export function privateAddressMessage(what: string): string {
  return `${what} URL points to a private address; set CRIER_FEEDS_ALLOW_PRIVATE=true to allow`;
}

export type ResolveAll = (hostname: string, options: dns.LookupOptions) => Promise<dns.LookupAddress[]>;

const resolveAll: ResolveAll = (hostname, options) => dns.promises.lookup(hostname, { ...options, all: true });

/**
 * A `lookup` for sockets (net.connect, http(s) agents): resolves every address of the host, refuses the host
 * if any is not permitted, and hands the socket exactly the addresses it checked.
 */
export function guardedLookup(permit: AddressPermit, resolve: ResolveAll = resolveAll): net.LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options).then(
      (addresses) => {
        if (addresses.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
          err.code = 'ENOTFOUND';
          return callback(err, '');
        }
        if (!addresses.every((a) => permit(a.address))) return callback(new PrivateAddressError(), '');
        if (options.all) return callback(null, addresses);
        return callback(null, addresses[0].address, addresses[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

/** The host a connection is about to be made to, if it is a literal IP (which sockets connect to without DNS). */
function literalHost(options: { host?: string | null; hostname?: string | null }): string | null {
  const host = String(options.host ?? options.hostname ?? '').replace(/^\[(.*)\]$/, '$1');
  return net.isIP(host) ? host : null;
}

function guard<A extends http.Agent>(agent: A, permit: AddressPermit): A {
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (opts, cb?: (err: Error | null, stream: Duplex) => void) => {
    const host = literalHost(opts);
    if (host !== null && !permit(host)) {
      // No socket returned: the agent waits for the callback, which fails the request like a connect error.
      process.nextTick(() => cb?.(new PrivateAddressError(), undefined as unknown as Duplex));
      return undefined;
    }
    return create(opts, cb);
  };
  return agent;
}

/**
 * Fresh http and https agents (no keep-alive) that enforce the guard on every connection they make. Pass both
 * to axios (`httpAgent`, `httpsAgent`): follow-redirects uses the same agents for each hop, so every redirect
 * target is checked too. Also set `proxy: false`, or the guard would check the proxy instead of the target.
 */
export function guardedAgents(
  allowPrivateAddresses: boolean | undefined,
  permit: AddressPermit = addressPermit(allowPrivateAddresses),
  resolve?: ResolveAll,
): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const lookup = guardedLookup(permit, resolve);
  return {
    httpAgent: guard(new http.Agent({ keepAlive: false, lookup }), permit),
    httpsAgent: guard(new https.Agent({ keepAlive: false, lookup }), permit),
  };
}
