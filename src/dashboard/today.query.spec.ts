import { parseTodayQuery, shiftDate } from './today.query';

const NOW = new Date('2026-12-09T23:30:00Z'); // a Wednesday; already Thursday in Berlin

describe('the Today page query', () => {
  it('defaults to today in UTC, day view', () => {
    const q = parseTodayQuery({}, NOW);
    expect(q).toMatchObject({ view: 'day', date: '2026-12-09', tz: 'UTC' });
    expect(q.from.toISOString()).toBe('2026-12-09T00:00:00.000Z');
    expect(q.to.toISOString()).toBe('2026-12-10T00:00:00.000Z');
  });

  it('counts days from midnight in the time zone asked for', () => {
    const q = parseTodayQuery({ tz: 'Europe/Berlin' }, NOW);
    expect(q.date).toBe('2026-12-10');
    expect(q.from.toISOString()).toBe('2026-12-09T23:00:00.000Z');
  });

  it('shows the week (Monday to Monday) around the date', () => {
    const q = parseTodayQuery({ view: 'week', date: '2026-12-09' }, NOW);
    expect(q.from.toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(q.to.toISOString()).toBe('2026-12-14T00:00:00.000Z');
  });

  it('keeps the filters and treats empty ones as not set', () => {
    const account = '0b0c9f4e-6d5e-4c53-9d3a-1f0f6a7f2a11';
    const q = parseTodayQuery({ account, platform: 'telegram', status: 'failed', q: ' budget ' }, NOW);
    expect(q).toMatchObject({ account, platform: 'telegram', status: 'failed', q: 'budget' });
    expect(parseTodayQuery({ account: '', platform: '', status: '', q: '' }, NOW)).toMatchObject({
      account: undefined,
      platform: undefined,
      status: undefined,
      q: undefined,
    });
  });

  it.each([
    [{ view: 'month' }, 'view'],
    [{ date: '2026-02-30' }, 'date'],
    [{ date: 'tomorrow' }, 'date'],
    [{ tz: 'Mars/Olympus' }, 'tz'],
    [{ account: 'x' }, 'account'],
    [{ platform: 'myspace' }, 'platform'],
    [{ status: 'lost' }, 'status'],
    [{ q: 'x'.repeat(201) }, 'q'],
    [{ status: ['failed', 'published'] }, 'status'],
  ])('refuses %j with a 400 naming %s', (raw, field) => {
    expect(() => parseTodayQuery(raw, NOW)).toThrow(
      expect.objectContaining({ status: 400, message: expect.stringContaining(field) }),
    );
  });

  it('moves dates by whole days', () => {
    expect(shiftDate('2026-12-31', 1)).toBe('2027-01-01');
    expect(shiftDate('2026-03-02', -7)).toBe('2026-02-23');
  });
});
