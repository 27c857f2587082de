import { DELIVERY_CAUSES, deliveryCause } from './delivery-cause';
import { DELIVERY_STATUSES, DeliveryStatus } from './statuses';

const cause = (status: DeliveryStatus, error: string | null = null, lastOutcome: string | null = null) =>
  deliveryCause({ status, error, lastOutcome });

describe('deliveryCause', () => {
  it('names why each status that did not go out did not', () => {
    expect(cause('held', 'account needs re-authentication: 401 Unauthorized')).toBe('reauth');
    expect(cause('held', 'account disabled')).toBe('reauth');
    // Held by a resumed pause (its missed rule): no account to fix, a person releases it.
    expect(cause('held', 'missed while paused: legal review')).toBe('paused');
    expect(cause('skipped', 'missed while paused: legal review')).toBe('skipped');
    expect(cause('failed', 'Validation failed: Text character limit of 500 exceeded', 'permanent')).toBe('rejected');
    expect(cause('failed', 'gave up after 3 attempts: 502 Bad Gateway', 'transient')).toBe('rejected');
    expect(cause('unconfirmed', 'timed out; Telegram offers no way to check whether it was posted')).toBe(
      'unknown-outcome',
    );
    expect(cause('skipped', 'article has no video')).toBe('skipped');
    expect(cause('cancelled', 'account deleted')).toBe('cancelled');
  });

  it('a retrying delivery is rate-limited when its latest attempt was, or a daily cap holds it back', () => {
    expect(cause('retrying', 'rate limited: Too Many Requests: retry after 7', 'rate-limited')).toBe('rate-limited');
    expect(cause('retrying', 'part 2 of 3: rate limited: slow down', 'rate-limited')).toBe('rate-limited');
    expect(
      cause('retrying', 'daily cap of 17 posts reached for this account; next slot 2026-12-07T09:00:00.000Z'),
    ).toBe('rate-limited');
  });

  it('a retrying delivery after a transient error, or an earlier rate limit followed by one, has no cause', () => {
    expect(cause('retrying', '502 Bad Gateway', 'transient')).toBeNull();
    expect(cause('retrying', 'worker stopped while the request was in flight', 'interrupted')).toBeNull();
    expect(cause('retrying', null, null)).toBeNull();
    // The error text alone does not make a rate limit: the attempt log says what the platform answered.
    expect(cause('retrying', 'rate limited: this is only what the text says', 'transient')).toBeNull();
  });

  it('deliveries on their way or out have none, whatever their error or log says', () => {
    for (const s of ['scheduled', 'publishing', 'published'] as const) {
      expect(cause(s)).toBeNull();
      expect(cause(s, 'rate limited: old news', 'rate-limited')).toBeNull();
    }
  });

  it('every status maps to a cause of the closed set or null', () => {
    for (const s of DELIVERY_STATUSES) {
      const c = cause(s, 'some error', 'rate-limited');
      expect(c === null || DELIVERY_CAUSES.includes(c)).toBe(true);
    }
  });
});
