import { DateTime, IANAZone } from 'luxon';
import { BadInput, isUuid } from '../common/errors';
import { findAdapter } from '../platforms/platform.registry';
import { DELIVERY_STATUSES } from '../posts/statuses';

export type View = 'day' | 'week';

/** The Today page's query, checked: each bad parameter is a 400 naming it. */
export interface TodayQuery {
  view: View;
  /** The day shown (day view) or a day of the week shown (week view), `YYYY-MM-DD` in `tz`. */
  date: string;
  tz: string;
  account?: string;
  platform?: string;
  status?: string;
  q?: string;
  /** The window of scheduled time: [from, to), from midnight in `tz`; a week starts on Monday. */
  from: Date;
  to: Date;
}

export const SEARCH_MAX = 200;

function one(raw: unknown, name: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new BadInput(`${name} must be given once`);
  const v = raw.trim();
  return v === '' ? undefined : v;
}

export function parseTodayQuery(raw: Record<string, unknown>, now: Date = new Date()): TodayQuery {
  const tz = one(raw.tz, 'tz') ?? 'UTC';
  if (!IANAZone.isValidZone(tz)) throw new BadInput('tz must be an IANA time zone such as Europe/Berlin');
  const view = one(raw.view, 'view') ?? 'day';
  if (view !== 'day' && view !== 'week') throw new BadInput('view must be day or week');
  const dateText = one(raw.date, 'date');
  let day = DateTime.fromJSDate(now, { zone: tz }).startOf('day');
  if (dateText !== undefined) {
    day = /^\d{4}-\d{2}-\d{2}$/.test(dateText) ? DateTime.fromISO(dateText, { zone: tz }) : DateTime.invalid('format');
    if (!day.isValid) throw new BadInput('date must be a calendar date as YYYY-MM-DD');
  }
  const account = one(raw.account, 'account');
  if (account !== undefined && !isUuid(account)) throw new BadInput('account must be an account id');
  const platform = one(raw.platform, 'platform');
  if (platform !== undefined && !findAdapter(platform)) throw new BadInput('platform must be a platform id');
  const status = one(raw.status, 'status');
  if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status))
    throw new BadInput(`status must be one of ${DELIVERY_STATUSES.join(', ')}`);
  const q = one(raw.q, 'q');
  if (q !== undefined && q.length > SEARCH_MAX) throw new BadInput(`q must be at most ${SEARCH_MAX} characters`);
  const start = view === 'week' ? day.startOf('week') : day;
  const end = start.plus({ days: view === 'week' ? 7 : 1 });
  return {
    view,
    date: day.toISODate() as string,
    tz,
    account,
    platform,
    status,
    q,
    from: start.toJSDate(),
    to: end.toJSDate(),
  };
}

/** The date `days` days after `date` (both `YYYY-MM-DD`), for the previous/next links. */
export function shiftDate(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;
}
