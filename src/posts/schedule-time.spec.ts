import { resolveScheduledAt, ScheduleTimeError } from './schedule-time';

const now = new Date('2026-01-10T12:00:00Z');
const iso = (d: Date) => d.toISOString();

describe('resolveScheduledAt', () => {
  it('is now when omitted', () => expect(resolveScheduledAt(undefined, undefined, now)).toBe(now));

  it('honours an explicit offset whatever the timezone says', () => {
    expect(iso(resolveScheduledAt('2026-07-01T09:00:00+02:00', 'America/New_York', now))).toBe(
      '2026-07-01T07:00:00.000Z',
    );
    expect(iso(resolveScheduledAt('2026-07-01T09:00:00Z', undefined, now))).toBe('2026-07-01T09:00:00.000Z');
  });

  it('reads a local time in the IANA zone, winter and summer', () => {
    expect(iso(resolveScheduledAt('2026-02-01T09:00', 'Europe/Berlin', now))).toBe('2026-02-01T08:00:00.000Z');
    expect(iso(resolveScheduledAt('2026-07-01T09:00:00', 'Europe/Berlin', now))).toBe('2026-07-01T07:00:00.000Z');
    expect(iso(resolveScheduledAt('2026-07-01T09:00:00', 'America/New_York', now))).toBe('2026-07-01T13:00:00.000Z');
  });

  it('keeps the wall clock across a DST change (the day before and after)', () => {
    // Europe/Berlin springs forward on 2026-03-29.
    expect(iso(resolveScheduledAt('2026-03-28T09:00', 'Europe/Berlin', now))).toBe('2026-03-28T08:00:00.000Z');
    expect(iso(resolveScheduledAt('2026-03-29T09:00', 'Europe/Berlin', now))).toBe('2026-03-29T07:00:00.000Z');
  });

  it('refuses a local time inside the spring-forward gap', () => {
    expect(() => resolveScheduledAt('2026-03-29T02:30', 'Europe/Berlin', now)).toThrow(/does not exist/);
    expect(() => resolveScheduledAt('2026-03-08T02:15', 'America/New_York', now)).toThrow(ScheduleTimeError);
  });

  it('takes the first occurrence of a repeated fall-back time', () => {
    // Europe/Berlin falls back on 2026-10-25: 02:30 happens at 00:30Z (CEST) and 01:30Z (CET).
    expect(iso(resolveScheduledAt('2026-10-25T02:30', 'Europe/Berlin', now))).toBe('2026-10-25T00:30:00.000Z');
    // America/New_York falls back on 2026-11-01: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    expect(iso(resolveScheduledAt('2026-11-01T01:30', 'America/New_York', now))).toBe('2026-11-01T05:30:00.000Z');
  });

  it('does not depend on the process TZ', () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Kiritimati';
      expect(iso(resolveScheduledAt('2026-02-01T09:00', 'Europe/Berlin', now))).toBe('2026-02-01T08:00:00.000Z');
    } finally {
      process.env.TZ = before;
    }
  });

  it.each([
    ['2026-02-01T09:00', undefined, 'timezone'],
    ['2026-02-01T09:00', 'Mars/Olympus', 'timezone'],
    ['tomorrow', 'Europe/Berlin', 'scheduledAt'],
    ['2026-02-30T09:00', 'Europe/Berlin', 'scheduledAt'],
    ['2026-01-10T11:58:00Z', undefined, 'scheduledAt'],
  ])('refuses %s in %s naming %s', (at, tz, field) => {
    try {
      resolveScheduledAt(at, tz, now);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(ScheduleTimeError);
      expect((e as ScheduleTimeError).field).toBe(field);
    }
  });

  it('tolerates up to 60 s in the past', () => {
    expect(iso(resolveScheduledAt('2026-01-10T11:59:30Z', undefined, now))).toBe('2026-01-10T11:59:30.000Z');
  });
});
