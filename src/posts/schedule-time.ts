import { DateTime, IANAZone } from 'luxon';

export class ScheduleTimeError extends Error {
  constructor(
    readonly field: 'scheduledAt' | 'timezone',
    message: string,
  ) {
    super(message);
  }
}

const HAS_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/** How far in the past a requested time may be (clock skew, slow clients) before it is refused. */
export const PAST_TOLERANCE_MS = 60_000;

/**
 * Resolves the scheduled instant of a post. `scheduledAt` is ISO-8601 with an offset (the offset wins), or a
 * local date-time read in the IANA `timezone`. A local time that does not exist (the hour skipped when clocks go
 * forward) is refused; one that happens twice (clocks go back) means its first occurrence. The server's own TZ
 * never enters: every parse names its zone.
 */
export function resolveScheduledAt(scheduledAt: string | undefined, timezone: string | undefined, now: Date): Date {
  if (timezone !== undefined && !IANAZone.isValidZone(timezone)) {
    throw new ScheduleTimeError('timezone', `timezone must be an IANA time zone such as Europe/Berlin`);
  }
  if (scheduledAt === undefined) return now;

  let when: DateTime;
  if (HAS_OFFSET.test(scheduledAt.trim())) {
    when = DateTime.fromISO(scheduledAt.trim(), { setZone: true });
    if (!when.isValid) throw new ScheduleTimeError('scheduledAt', 'scheduledAt must be an ISO-8601 date-time');
  } else {
    const m = LOCAL.exec(scheduledAt.trim());
    if (!m) throw new ScheduleTimeError('scheduledAt', 'scheduledAt must be an ISO-8601 date-time');
    if (timezone === undefined) {
      throw new ScheduleTimeError('timezone', 'timezone is required when scheduledAt has no UTC offset');
    }
    const [year, month, day, hour, minute, second, ms] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
    const parts = { year, month, day, hour, minute, second, millisecond: ms };
    when = DateTime.fromObject(parts, { zone: timezone });
    if (!when.isValid) throw new ScheduleTimeError('scheduledAt', 'scheduledAt is not a valid date-time');
    // Luxon moves a time inside a DST gap forward; if the wall clock changed, the time never happens there.
    if (when.hour !== hour || when.minute !== minute || when.day !== day) {
      throw new ScheduleTimeError(
        'scheduledAt',
        `scheduledAt ${scheduledAt} does not exist in ${timezone} (the clocks skip it); choose another time`,
      );
    }
    // Luxon already picks the earlier offset for a repeated wall-clock time; make that explicit and stable.
    const earlier = when.minus({ hours: 1 });
    if (earlier.hour === hour && earlier.minute === minute && earlier.day === day) when = earlier;
  }
  const date = when.toJSDate();
  if (date.getTime() < now.getTime() - PAST_TOLERANCE_MS) {
    throw new ScheduleTimeError('scheduledAt', 'scheduledAt is more than 60 seconds in the past');
  }
  return date;
}
