import { backoffMs, derivePostStatus } from './statuses';

describe('derivePostStatus', () => {
  it.each([
    [['scheduled', 'scheduled'], 'scheduled'],
    [['scheduled', 'held'], 'scheduled'],
    [['retrying'], 'scheduled'],
    [['publishing', 'scheduled'], 'publishing'],
    [['published', 'scheduled'], 'publishing'],
    [['failed', 'retrying'], 'publishing'],
    [['published', 'published'], 'published'],
    [['published', 'skipped'], 'published'],
    [['published', 'cancelled'], 'published'],
    [['published', 'failed'], 'partially_published'],
    [['published', 'unconfirmed'], 'partially_published'],
    [['failed', 'failed'], 'failed'],
    [['failed', 'skipped'], 'failed'],
    [['unconfirmed'], 'failed'],
    [['cancelled', 'cancelled'], 'cancelled'],
    [['skipped'], 'cancelled'],
    [[], 'cancelled'],
  ] as const)('%j → %s', (statuses, expected) => {
    expect(derivePostStatus(statuses)).toBe(expected);
  });
});

describe('backoffMs', () => {
  it('doubles per failed attempt between half and all of the step', () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, 60_000, () => 1)).toBe(4000);
  });
  it('never exceeds the cap', () => {
    expect(backoffMs(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});
