import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../../src/config/config';
import { AccountLock } from '../../src/publishing/account-lock';
import { waitFor } from '../support/wait';
import { deletePrefixKeys, mediumConfig, mediumRedis, uniquePrefix } from './medium-env';

/** AccountLock against a real Redis: one publish at a time per account, across processes. */
describe('AccountLock (medium)', () => {
  let redis: Redis;
  let other: Redis;
  let prefix: string;
  let config: AppConfig;
  let lock: AccountLock;
  /** A second process: its own connection, same prefix. */
  let otherLock: AccountLock;

  beforeAll(() => {
    redis = mediumRedis('crier-medium-lock-a');
    other = mediumRedis('crier-medium-lock-b');
  });

  beforeEach(() => {
    prefix = uniquePrefix('lock');
    config = mediumConfig(prefix, { CRIER_JOB_LOCK_MS: '1000', CRIER_HTTP_TIMEOUT_MS: '100' });
    lock = new AccountLock(redis, config);
    otherLock = new AccountLock(other, config);
  });

  afterEach(async () => {
    await deletePrefixKeys(redis, prefix);
  });

  afterAll(async () => {
    await redis?.quit();
    await other?.quit();
  });

  const keyOf = (accountId: string) => `${prefix}:lock:account:${accountId}`;

  /** Expires the lock of `accountId` as Redis would (e.g. its holder stalled), without waiting out the TTL. */
  async function expire(accountId: string): Promise<void> {
    await waitFor(
      async () => {
        await redis.pexpire(keyOf(accountId), 1); // again each poll, in case a renewal landed in between
        return (await redis.exists(keyOf(accountId))) === 0;
      },
      { timeoutMs: 5_000, intervalMs: 20, what: 'lock expiry' },
    );
  }

  it('a second acquire of the same account fails while held and succeeds after release', async () => {
    const account = randomUUID();
    const held = await lock.acquire(account);
    expect(held).not.toBeNull();
    expect(await lock.acquire(account)).toBeNull();
    expect(await otherLock.acquire(account)).toBeNull();

    await held!.release();
    expect(await redis.exists(keyOf(account))).toBe(0);
    const again = await otherLock.acquire(account);
    expect(again).not.toBeNull();
    await again!.release();
  });

  it('of many concurrent acquirers exactly one wins', async () => {
    const account = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? lock : otherLock).acquire(account)),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    await winners[0]!.release();
  });

  it('accounts are independent', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const heldA = await lock.acquire(a);
    expect(heldA).not.toBeNull();
    const heldB = await otherLock.acquire(b);
    expect(heldB).not.toBeNull();
    await heldA!.release();
    expect(await redis.exists(keyOf(b))).toBe(1);
    expect(await lock.acquire(b)).toBeNull();
    await heldB!.release();
  });

  it('a live holder keeps renewing the lock past its TTL', async () => {
    const account = randomUUID();
    const held = await lock.acquire(account);
    expect(held).not.toBeNull();
    const first = await redis.pttl(keyOf(account));
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(config.jobLockMs);
    // Renewed: the TTL keeps going back up, and the lock is still there after more than one TTL.
    const acquiredAt = Date.now();
    let low = first;
    let renewals = 0;
    await waitFor(
      async () => {
        const t = await redis.pttl(keyOf(account));
        if (t <= 0) throw new Error(`lock lost (pttl ${t})`);
        if (t > low) renewals++;
        low = t;
        return renewals >= 3 && Date.now() - acquiredAt > config.jobLockMs * 1.5;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'renewals past one TTL' },
    );
    expect(await otherLock.acquire(account)).toBeNull();
    await held!.release();
    expect(await redis.exists(keyOf(account))).toBe(0);
  });

  it('a holder that dies (connection gone) loses the lock within about one TTL', async () => {
    const dying = mediumRedis('crier-medium-lock-dying');
    const account = randomUUID();
    const held = await new AccountLock(dying, config).acquire(account);
    expect(held).not.toBeNull();
    dying.disconnect(); // the process is gone: no more renewals, no release
    await waitFor(async () => (await redis.exists(keyOf(account))) === 0, {
      timeoutMs: config.jobLockMs * 3,
      intervalMs: 50,
      what: 'the dead holder’s lock to expire',
    });
    const next = await otherLock.acquire(account);
    expect(next).not.toBeNull();
    await next!.release();
    await held!.release().catch(() => undefined); // stops its timer; its connection is closed
  });

  it('releasing an expired lock does not delete the lock another worker took since', async () => {
    const account = randomUUID();
    const stale = await lock.acquire(account);
    expect(stale).not.toBeNull();
    await expire(account);

    const current = await otherLock.acquire(account);
    expect(current).not.toBeNull();
    const token = await redis.get(keyOf(account));

    await stale!.release(); // the slow worker finally finishes
    expect(await redis.get(keyOf(account))).toBe(token);
    expect(await lock.acquire(account)).toBeNull();

    await current!.release();
    expect(await redis.exists(keyOf(account))).toBe(0);
  });

  it('releasing twice is harmless', async () => {
    const account = randomUUID();
    const held = await lock.acquire(account);
    await held!.release();
    const next = await otherLock.acquire(account);
    await held!.release();
    expect(await lock.acquire(account)).toBeNull();
    await next!.release();
  });
});
