import { backoffPoll, MAX_BACKOFF_SECONDS, nextPoll, oldestFirst, spreadSlots } from './feed-schedule';

const now = new Date('2026-11-27T12:00:00Z');
const secondsAfterNow = (d: Date) => (d.getTime() - now.getTime()) / 1000;

describe('spreadSlots', () => {
  it('spreads a burst `spacing` apart, starting after the delay', () => {
    expect(spreadSlots(4, now, 30, 120, null).map(secondsAfterNow)).toEqual([30, 150, 270, 390]);
    expect(spreadSlots(1, now, 0, 120, null).map(secondsAfterNow)).toEqual([0]);
  });

  it('keeps the spacing after the slots an earlier poll gave out', () => {
    const last = new Date(now.getTime() + 60_000);
    expect(spreadSlots(2, now, 0, 120, last).map(secondsAfterNow)).toEqual([180, 300]);
  });

  it('ignores an old last slot, and spacing 0 means all at once', () => {
    expect(spreadSlots(2, now, 10, 120, new Date(now.getTime() - 3_600_000)).map(secondsAfterNow)).toEqual([10, 130]);
    expect(spreadSlots(3, now, 0, 0, null).map(secondsAfterNow)).toEqual([0, 0, 0]);
  });
});

describe('oldestFirst', () => {
  it('orders by date, and undated items by reversed document order (feeds list newest first)', () => {
    const d = (iso: string | null, name: string) => ({ name, publishedAt: iso ? new Date(iso) : null });
    expect(oldestFirst([d('2026-11-03', 'c'), d('2026-11-01', 'a'), d('2026-11-02', 'b')]).map((x) => x.name)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(oldestFirst([d(null, 'newest'), d(null, 'middle'), d(null, 'oldest')]).map((x) => x.name)).toEqual([
      'oldest',
      'middle',
      'newest',
    ]);
  });
});

describe('polling times', () => {
  it('next poll: the interval plus at most 10 % jitter', () => {
    expect(secondsAfterNow(nextPoll(now, 300, () => 0))).toBe(300);
    expect(secondsAfterNow(nextPoll(now, 300, () => 0.999))).toBeLessThan(330);
  });

  it('backs off by doubling per failure in a row, up to a cap', () => {
    expect([1, 2, 3].map((f) => secondsAfterNow(backoffPoll(now, 300, f)))).toEqual([600, 1200, 2400]);
    expect(secondsAfterNow(backoffPoll(now, 300, 40))).toBe(MAX_BACKOFF_SECONDS);
    expect(secondsAfterNow(backoffPoll(now, 86_400, 3))).toBe(86_400);
  });
});
