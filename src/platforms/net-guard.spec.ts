import type { LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import {
  AddressClass,
  PrivateAddressError,
  ResolveAll,
  addressPermit,
  classifyAddress,
  guardedAgents,
  guardedLookup,
  isPrivateAddressError,
  isPublicAddress,
  privateAddressMessage,
} from './net-guard';

describe('classifyAddress', () => {
  it.each<[string, AddressClass]>([
    // IPv4
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['1.1.1.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.0', 'public'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['203.0.113.7', 'reserved'],
    // IPv6
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:82b::200e', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['::2', 'reserved'],
    // IPv4 inside IPv6: the embedded address decides
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a00:1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::808:808', 'public'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:808:808::1', 'public'],
    // not addresses
    ['localhost', 'invalid'],
    ['[::1]', 'invalid'],
    ['127.1', 'invalid'],
    ['0177.0.0.1', 'invalid'],
    ['', 'invalid'],
  ])('%s → %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
    expect(isPublicAddress(address)).toBe(expected === 'public');
  });

  it('lets everything through only when private addresses are allowed', () => {
    expect(addressPermit()('127.0.0.1')).toBe(false);
    expect(addressPermit(false)('8.8.8.8')).toBe(true);
    expect(addressPermit(true)('127.0.0.1')).toBe(true);
  });
});

describe('guardedLookup', () => {
  const fakeDns =
    (table: Record<string, string[]>): ResolveAll =>
    (hostname) =>
      Promise.resolve((table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  const lookup = (resolve: ResolveAll, host: string, options: LookupOptions, allow = false) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((r) =>
      guardedLookup(addressPermit(allow), resolve)(host, options, (err, address, family) =>
        r({ err, address, family }),
      ),
    );
  const dnsTable = fakeDns({
    'cdn.example': ['93.184.216.34', '2606:2800:220:1::1'],
    'mixed.example': ['93.184.216.34', '10.0.0.5'],
    'metadata.example': ['169.254.169.254'],
    'mapped.example': ['::ffff:127.0.0.1'],
  });

  it('answers with the checked addresses, in the form the socket asked for', async () => {
    expect(await lookup(dnsTable, 'cdn.example', { all: true })).toEqual({
      err: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
      family: undefined,
    });
    expect(await lookup(dnsTable, 'cdn.example', {})).toEqual({ err: null, address: '93.184.216.34', family: 4 });
  });

  it.each(['mixed.example', 'metadata.example', 'mapped.example'])(
    'refuses %s: one non-public address is enough',
    async (host) => {
      const { err } = await lookup(dnsTable, host, { all: true });
      expect(err).toBeInstanceOf(PrivateAddressError);
      expect(isPrivateAddressError(err)).toBe(true);
    },
  );

  it('allows private answers when told to, and passes DNS failures through', async () => {
    expect((await lookup(dnsTable, 'metadata.example', {}, true)).address).toBe('169.254.169.254');
    const none = await lookup(dnsTable, 'nowhere.example', {});
    expect(none.err?.code).toBe('ENOTFOUND');
    const broken: ResolveAll = () => Promise.reject(Object.assign(new Error('boom'), { code: 'EAI_AGAIN' }));
    const failed = await lookup(broken, 'x.example', {});
    expect(failed.err?.code).toBe('EAI_AGAIN');
    expect(isPrivateAddressError(failed.err)).toBe(false);
  });

  it('refuses localhost through the real resolver', async () => {
    const { err } = await new Promise<{ err: Error | null }>((r) =>
      guardedLookup(addressPermit(false))('localhost', { all: true }, (e) => r({ err: e })),
    );
    expect(err).toBeInstanceOf(PrivateAddressError);
  });
});

describe('guardedAgents', () => {
  let server: http.Server;
  let port: number;
  const hits: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.push(`${req.headers.host}${req.url}`);
      const to = /^\/redirect\/(.+)$/.exec(req.url ?? '');
      if (to) res.writeHead(302, { Location: decodeURIComponent(to[1]) }).end();
      else res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (hits.length = 0));

  const get = (url: string, agents: ReturnType<typeof guardedAgents>) =>
    axios.get<string>(url, { ...agents, proxy: false, maxRedirects: 5, responseType: 'text', timeout: 2000 }).then(
      (res) => res.data,
      (e: unknown) => {
        if (isPrivateAddressError(e)) return 'refused';
        throw e;
      },
    );

  it('connects to the address its own resolver checked (no second resolution to rebind)', async () => {
    // `pinned.test` exists only in this fake DNS: reaching the server proves the socket used the checked answer.
    const resolve: ResolveAll = (host) =>
      host === 'pinned.test' ? Promise.resolve([{ address: '127.0.0.1', family: 4 }]) : Promise.reject(new Error('?'));
    expect(await get(`http://pinned.test:${port}/a`, guardedAgents(true, undefined, resolve))).toBe('ok');
    expect(hits).toEqual([`pinned.test:${port}/a`]);
  });

  it.each([
    ['a literal loopback', () => `http://127.0.0.1:${port}/a`],
    ['localhost', () => `http://localhost:${port}/a`],
    ['IPv6 loopback', () => `http://[::1]:${port}/a`],
    ['IPv4-mapped loopback', () => `http://[::ffff:127.0.0.1]:${port}/a`],
    ['https to loopback', () => `https://127.0.0.1:${port}/a`],
  ])('refuses %s before any byte is sent', async (_name, url) => {
    expect(await get(url(), guardedAgents(false))).toBe('refused');
    expect(hits).toEqual([]);
  });

  it('checks every redirect hop (first hop allowed, the private target refused)', async () => {
    // Simulates a public first hop: the permit lets exactly one connection through, then applies the real rule.
    let first = true;
    const permitOnce = (address: string) => (first ? !(first = false) : isPublicAddress(address));
    for (const target of [`http://localhost:${port}/b`, `http://127.0.0.1:${port}/b`, 'http://169.254.169.254/']) {
      first = true;
      hits.length = 0;
      const agents = guardedAgents(false, permitOnce);
      expect(await get(`http://127.0.0.1:${port}/redirect/${encodeURIComponent(target)}`, agents)).toBe('refused');
      expect(hits).toEqual([`127.0.0.1:${port}/redirect/${encodeURIComponent(target)}`]);
    }
  });

  it('follows redirects between allowed hosts when private addresses are allowed', async () => {
    const target = `http://localhost:${port}/b`;
    expect(await get(`http://127.0.0.1:${port}/redirect/${encodeURIComponent(target)}`, guardedAgents(true))).toBe(
      'ok',
    );
    expect(hits).toHaveLength(2);
  });

  it('has one message that names neither host nor address', () => {
    expect(privateAddressMessage('image')).toBe(
      'image URL points to a private address; set CRIER_FEEDS_ALLOW_PRIVATE=true to allow',
    );
  });
});
