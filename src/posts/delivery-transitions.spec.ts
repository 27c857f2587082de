import { DELIVERY_STATUSES, DeliveryStatus } from './statuses';
import { eventsFrom, followers, needsFence, nextStatus, TRANSITIONS } from './delivery-transitions';

describe('delivery transitions', () => {
  it('answers "what may follow held?" from the table', () => {
    expect(followers('held').sort()).toEqual(['cancelled', 'scheduled']);
    expect(eventsFrom('held').sort()).toEqual(['cancel', 'reschedule', 'resume', 'userRetry']);
  });

  it('published and skipped are final', () => {
    expect(followers('published')).toEqual([]);
    expect(followers('skipped')).toEqual([]);
  });

  it('only a claim enters publishing, and every way out of publishing is fenced but recover', () => {
    for (const s of DELIVERY_STATUSES) {
      for (const e of eventsFrom(s)) {
        if (nextStatus(s, e) === 'publishing' && s !== 'publishing') expect(e).toBe('claim');
      }
    }
    const outOfPublishing = eventsFrom('publishing');
    expect(outOfPublishing.sort()).toEqual(['fail', 'hold', 'publish', 'recover', 'retry', 'skip', 'unconfirm']);
    for (const e of outOfPublishing) expect(needsFence(e, 'publishing')).toBe(e !== 'recover');
    // Holding a delivery nobody is publishing needs no claim.
    expect(needsFence('hold', 'scheduled')).toBe(false);
  });

  it('a resumed pause may skip or hold a delivery that has not started, without a claim', () => {
    for (const s of ['scheduled', 'retrying'] as const) {
      expect(nextStatus(s, 'skip')).toBe('skipped');
      expect(nextStatus(s, 'hold')).toBe('held');
      expect(needsFence('skip', s)).toBe(false);
      expect(needsFence('hold', s)).toBe(false);
    }
    expect(needsFence('skip', 'publishing')).toBe(true);
    expect(nextStatus('held', 'skip')).toBeNull();
  });

  it('the user can bring back failed, unconfirmed, cancelled and held deliveries, and nothing else', () => {
    const from = TRANSITIONS.userRetry.from as readonly DeliveryStatus[];
    expect([...from].sort()).toEqual(['cancelled', 'failed', 'held', 'unconfirmed']);
    // A delivery a resumed pause held is released by a person with the same retry.
    expect(nextStatus('held', 'userRetry')).toBe('scheduled');
    expect(nextStatus('published', 'userRetry')).toBeNull();
    expect(nextStatus('failed', 'userRetry')).toBe('scheduled');
  });

  it('reschedule keeps the status; an event that does not apply gives null', () => {
    expect(nextStatus('retrying', 'reschedule')).toBe('retrying');
    expect(nextStatus('publishing', 'reschedule')).toBeNull();
    expect(nextStatus('scheduled', 'publish')).toBeNull();
  });

  it('every status can be reached, and only published and skipped are final', () => {
    const reachable = new Set(DELIVERY_STATUSES.flatMap((s) => followers(s)));
    expect([...reachable].sort()).toEqual([...DELIVERY_STATUSES].sort());
    const final = DELIVERY_STATUSES.filter((s) => followers(s).length === 0);
    expect(final.sort()).toEqual(['published', 'skipped']);
  });
});
