import { MISSED_WHILE_PAUSED } from '../posts/delivery-cause';

/**
 * The pure rules of pauses: which pauses cover a delivery, and what a resume does with the deliveries it missed.
 * The claim (crier_claim, migration 0011) applies the same coverage rule in SQL; a unit test keeps this side honest
 * and a medium test the SQL one.
 */

export const PAUSE_SCOPES = ['all', 'platform', 'account'] as const;
export type PauseScope = (typeof PAUSE_SCOPES)[number];

/** What a resume does with the deliveries that fell due while paused. */
export const MISSED_RULES = ['send', 'skip', 'hold'] as const;
export type MissedRule = (typeof MISSED_RULES)[number];

/** A pause as the rules need it. */
export interface PauseLike {
  id: string;
  scope: PauseScope;
  /** Platform id (scope `platform`) or account id (scope `account`); null for `all`. */
  target: string | null;
  createdAt: Date;
}

/** A stored pause (a `pauses` row) as the rules need it. */
export function pauseRule(row: { id: string; scope: string; target: string | null; created_at: Date }): PauseLike {
  return { id: row.id, scope: row.scope as PauseScope, target: row.target, createdAt: new Date(row.created_at) };
}

/** A delivery as the rules need it. */
export interface Coverable {
  platform: string;
  accountId: string | null;
}

export function covers(p: Pick<PauseLike, 'scope' | 'target'>, d: Coverable): boolean {
  switch (p.scope) {
    case 'all':
      return true;
    case 'platform':
      return p.target === d.platform;
    case 'account':
      return d.accountId !== null && p.target === d.accountId;
  }
}

/**
 * The pause a delivery waits for: the oldest active one that covers it (the one that stopped it first), or null.
 * A delivery is paused while ANY active pause covers it.
 */
export function coveringPause<P extends PauseLike>(active: readonly P[], d: Coverable): P | null {
  let found: P | null = null;
  for (const p of active) {
    if (covers(p, d) && (found === null || p.createdAt < found.createdAt)) found = p;
  }
  return found;
}

/** A missed delivery: runnable, due by the resume, covered by the pause resumed and by no other active pause. */
export interface MissedDelivery {
  id: string;
  accountId: string | null;
  scheduledAt: Date;
}

export interface ResumeRule {
  missed: MissedRule;
  /** For `skip`: a delivery scheduled more than this many minutes before the resume is skipped. */
  skipOlderThanMinutes: number | null;
}

export interface ResumePlan {
  /** Go out now, in their accounts' order, at the platforms' pace. */
  send: string[];
  /** Become `skipped`: too old to be worth posting. */
  skip: string[];
  /** Become `held`: a person decides (retry releases them). */
  hold: string[];
}

/**
 * What a resume does with the deliveries the pause made miss their time. `send`: all go out. `hold`: all are held.
 * `skip`: those scheduled more than `skipOlderThanMinutes` before `now` are skipped, the rest go out.
 */
export function resumePlan(rule: ResumeRule, missed: readonly MissedDelivery[], now: Date): ResumePlan {
  const plan: ResumePlan = { send: [], skip: [], hold: [] };
  for (const d of missed) {
    switch (rule.missed) {
      case 'send':
        plan.send.push(d.id);
        break;
      case 'hold':
        plan.hold.push(d.id);
        break;
      case 'skip': {
        const ageMs = now.getTime() - d.scheduledAt.getTime();
        if (ageMs > (rule.skipOlderThanMinutes ?? 0) * 60_000) plan.skip.push(d.id);
        else plan.send.push(d.id);
        break;
      }
    }
  }
  return plan;
}

/** The reason a delivery skipped or held by a resume carries in its `error`. */
export function missedReason(reason: string | null): string {
  return `${MISSED_WHILE_PAUSED}${reason ?? 'no reason given'}`;
}

/** How a pause reads to a person: "everything", "platform Mastodon", "account Newsroom". */
export function describeScope(scope: PauseScope, targetName: string | null): string {
  switch (scope) {
    case 'all':
      return 'everything';
    case 'platform':
      return `platform ${targetName ?? '?'}`;
    case 'account':
      return `account ${targetName ?? '?'}`;
  }
}
