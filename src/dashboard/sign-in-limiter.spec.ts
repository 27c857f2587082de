import { clientKey, SignInLimiter } from './sign-in-limiter';

const MIN = 60_000;

describe('SignInLimiter', () => {
  const make = (maxClients = 100) => {
    const clock = { now: 1_800_000_000_000 };
    const limiter = new SignInLimiter({ maxFailures: 10, windowMs: 10 * MIN, maxClients }, () => clock.now);
    return { clock, limiter };
  };

  it('lets 10 wrong tokens through in 10 minutes, then makes the address wait out the window', () => {
    const { clock, limiter } = make();
    for (let i = 0; i < 9; i++) limiter.fail('1.2.3.4');
    expect(limiter.waitMs('1.2.3.4')).toBe(0);
    clock.now += 4 * MIN;
    limiter.fail('1.2.3.4');
    expect(limiter.waitMs('1.2.3.4')).toBe(6 * MIN);
    expect(limiter.waitMs('5.6.7.8')).toBe(0);
    clock.now += 6 * MIN - 1;
    expect(limiter.waitMs('1.2.3.4')).toBe(1);
    clock.now += 1;
    expect(limiter.waitMs('1.2.3.4')).toBe(0);
    // A new window: the count started over.
    limiter.fail('1.2.3.4');
    expect(limiter.waitMs('1.2.3.4')).toBe(0);
  });

  it('forgets an address once it signs in', () => {
    const { limiter } = make();
    for (let i = 0; i < 9; i++) limiter.fail('1.2.3.4');
    limiter.succeed('1.2.3.4');
    limiter.fail('1.2.3.4');
    expect(limiter.waitMs('1.2.3.4')).toBe(0);
  });

  it('holds at most maxClients addresses: expired ones go first, then the oldest', () => {
    const { clock, limiter } = make(3);
    limiter.fail('a');
    clock.now += 11 * MIN;
    limiter.fail('b');
    limiter.fail('c');
    limiter.fail('d');
    expect(limiter.size).toBe(3);
    for (let i = 0; i < 10; i++) limiter.fail('d');
    for (const x of ['e', 'f', 'g']) limiter.fail(x);
    expect(limiter.size).toBe(3);
  });
});

describe('clientKey', () => {
  it('counts IPv4 by address and IPv6 by its /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });
});
