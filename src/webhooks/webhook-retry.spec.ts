import { MAX_SENDS, retryBudgetMs, retryDelayMs } from './webhook-retry';

describe('webhook retry schedule', () => {
  it('grows from 5 s to 8 h and stops after the last step', () => {
    expect(retryDelayMs(1, 5000)).toBe(5000);
    expect(retryDelayMs(2, 5000)).toBe(30_000);
    expect(retryDelayMs(MAX_SENDS - 1, 5000)).toBe(8 * 3_600_000);
    expect(retryDelayMs(MAX_SENDS, 5000)).toBeNull();
    expect(retryDelayMs(0, 5000)).toBeNull();
  });

  it('keeps trying for more than a day at the default unit', () => {
    expect(retryBudgetMs(5000)).toBeGreaterThan(24 * 3_600_000);
    expect(retryBudgetMs(5000)).toBeLessThan(48 * 3_600_000);
  });
});
