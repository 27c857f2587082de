import { covers, coveringPause, missedReason, PauseLike, resumePlan } from './pause-rules';

const at = (iso: string) => new Date(iso);
const ACCOUNT = '6f1c1f53-6a4e-4bb5-9d7e-0b7f7c0d2a11';
const OTHER = '0d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

const all: PauseLike = { id: 'all', scope: 'all', target: null, createdAt: at('2026-12-06T10:00:00Z') };
const masto: PauseLike = { id: 'masto', scope: 'platform', target: 'mastodon', createdAt: at('2026-12-06T09:00:00Z') };
const account: PauseLike = { id: 'acct', scope: 'account', target: ACCOUNT, createdAt: at('2026-12-06T11:00:00Z') };

describe('which pauses cover a delivery', () => {
  const onMasto = { platform: 'mastodon', accountId: ACCOUNT };
  const onTelegram = { platform: 'telegram', accountId: OTHER };

  it('everything covers every delivery, a platform its own, an account its own', () => {
    expect(covers(all, onTelegram)).toBe(true);
    expect(covers(masto, onMasto)).toBe(true);
    expect(covers(masto, onTelegram)).toBe(false);
    expect(covers(account, onMasto)).toBe(true);
    expect(covers(account, { platform: 'mastodon', accountId: OTHER })).toBe(false);
    // A delivery whose account was deleted belongs to no account pause.
    expect(covers(account, { platform: 'mastodon', accountId: null })).toBe(false);
  });

  it('a platform pause does not cover a sibling platform that shares its budgets (Gab TV is not Gab)', () => {
    expect(covers({ scope: 'platform', target: 'gab' }, { platform: 'gabtv', accountId: ACCOUNT })).toBe(false);
  });

  it('the delivery waits for the oldest active pause covering it; none covering: not paused', () => {
    expect(coveringPause([all, account, masto], onMasto)?.id).toBe('masto');
    expect(coveringPause([account, all], onMasto)?.id).toBe('all');
    expect(coveringPause([account, masto], onTelegram)).toBeNull();
    expect(coveringPause([], onMasto)).toBeNull();
  });
});

describe('what a resume does with what the pause made miss', () => {
  const now = at('2026-12-06T12:00:00Z');
  const missed = [
    { id: 'two-hours', accountId: ACCOUNT, scheduledAt: at('2026-12-06T10:00:00Z') },
    { id: 'thirty-min', accountId: ACCOUNT, scheduledAt: at('2026-12-06T11:30:00Z') },
    { id: 'just-now', accountId: OTHER, scheduledAt: at('2026-12-06T11:59:30Z') },
  ];

  it('send: everything goes out, in the order given', () => {
    expect(resumePlan({ missed: 'send', skipOlderThanMinutes: null }, missed, now)).toEqual({
      send: ['two-hours', 'thirty-min', 'just-now'],
      skip: [],
      hold: [],
    });
  });

  it('hold: everything waits for a person', () => {
    expect(resumePlan({ missed: 'hold', skipOlderThanMinutes: null }, missed, now)).toEqual({
      send: [],
      skip: [],
      hold: ['two-hours', 'thirty-min', 'just-now'],
    });
  });

  it('skip: older than the age is skipped, the rest goes out; exactly the age is not older', () => {
    expect(resumePlan({ missed: 'skip', skipOlderThanMinutes: 60 }, missed, now)).toEqual({
      send: ['thirty-min', 'just-now'],
      skip: ['two-hours'],
      hold: [],
    });
    expect(resumePlan({ missed: 'skip', skipOlderThanMinutes: 30 }, missed, now).skip).toEqual(['two-hours']);
    expect(resumePlan({ missed: 'skip', skipOlderThanMinutes: 29 }, missed, now).skip).toEqual([
      'two-hours',
      'thirty-min',
    ]);
  });

  it('skip with age 0 skips everything that missed its time', () => {
    expect(resumePlan({ missed: 'skip', skipOlderThanMinutes: 0 }, missed, now).skip).toHaveLength(3);
  });

  it('nothing missed: nothing to do', () => {
    expect(resumePlan({ missed: 'hold', skipOlderThanMinutes: null }, [], now)).toEqual({
      send: [],
      skip: [],
      hold: [],
    });
  });

  it('a skipped or held delivery says why', () => {
    expect(missedReason('platform outage')).toBe('missed while paused: platform outage');
    expect(missedReason(null)).toBe('missed while paused: no reason given');
  });
});
