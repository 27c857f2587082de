import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AccountsRepository } from '../accounts/accounts.repository';
import { BadInput, isUuid, NotFound } from '../common/errors';
import { ConfigMark, ManagedBy, managedView, refuseManaged } from '../config-file/managed';
import type { PauseRow } from '../database/schema';
import { findAdapter } from '../platforms/platform.registry';
import { DeliveryStateService } from '../posts/delivery-state.service';
import { RUNNABLE } from '../posts/statuses';
import {
  Coverable,
  covers,
  coveringPause,
  MISSED_RULES,
  MissedRule,
  missedReason,
  PAUSE_SCOPES,
  PauseLike,
  PauseScope,
  resumePlan,
} from './pause-rules';
import { PausesRepository } from './pauses.repository';

/** The longest `skipOlderThanMinutes` (a year): past that, `hold` says it better. */
export const MAX_SKIP_MINUTES = 525_600;
export const MAX_REASON_LENGTH = 500;

export interface PauseInput {
  scope?: unknown;
  target?: unknown;
  reason?: unknown;
  missed?: unknown;
  skipOlderThanMinutes?: unknown;
}

export interface ResumeOutcome {
  /** Released to go out now, in their accounts' order, at the platforms' pace. */
  sent: number;
  skipped: number;
  held: number;
}

export interface PauseView {
  id: string;
  scope: PauseScope;
  /** Platform id or account id; null for `all`. */
  target: string | null;
  /** The platform's or the account's name (null for `all`, or an account deleted since). */
  targetName: string | null;
  reason: string | null;
  missed: MissedRule;
  skipOlderThanMinutes: number | null;
  active: boolean;
  createdAt: string;
  resumedAt: string | null;
  /** What the resume did with the deliveries that fell due while paused; null while active. */
  outcome: ResumeOutcome | null;
  /** 'config' when the config file declares it: only the file ends it (DELETE answers 409). */
  managedBy?: ManagedBy | null;
  configKey?: string | null;
}

/** Why a runnable delivery is not going out: the pause it waits for (GET /deliveries `waitingFor`). */
export interface WaitingFor {
  kind: 'pause';
  pauseId: string;
  scope: PauseScope;
  reason: string | null;
}

/** The active pauses, read once, answering "is this delivery paused, and by which pause?". */
export class ActivePauses {
  private readonly rules: (PauseLike & { view: PauseView })[];

  constructor(readonly pauses: readonly PauseView[]) {
    this.rules = pauses.map((p) => ({
      id: p.id,
      scope: p.scope,
      target: p.target,
      createdAt: new Date(p.createdAt),
      view: p,
    }));
  }

  covering(d: Coverable): PauseView | null {
    return coveringPause(this.rules, d)?.view ?? null;
  }

  /** Every active pause covering it (an account page shows them all). */
  allCovering(d: Coverable): PauseView[] {
    return this.rules.filter((p) => covers(p, d)).map((p) => p.view);
  }

  /** For a runnable delivery (scheduled or retrying) covered by a pause; null otherwise. */
  waitingFor(d: Coverable & { status: string }): WaitingFor | null {
    if (!(RUNNABLE as readonly string[]).includes(d.status)) return null;
    const p = this.covering(d);
    return p ? { kind: 'pause', pauseId: p.id, scope: p.scope, reason: p.reason } : null;
  }
}

/**
 * The kill switch (docs/ARCHITECTURE.md, "Pauses"). A pause is a row; the claim (crier_claim) refuses any delivery
 * an active pause covers, so nothing is sent while paused and nothing is lost: the deliveries wait, runnable. A
 * resume first applies the pause's missed rule to the deliveries it alone held back (skip or hold, through the
 * delivery state machine, while the pause still stops their claims), then ends the pause and hands the released
 * accounts over, so their heads get their jobs and go out in order at the platforms' pace.
 */
@Injectable()
export class PausesService {
  private readonly log = new Logger(PausesService.name);

  constructor(
    private readonly repo: PausesRepository,
    private readonly accounts: AccountsRepository,
    private readonly states: DeliveryStateService,
  ) {}

  /** `mark`: the config file's apply creating the pause it declares under that key. */
  async create(input: PauseInput, mark?: ConfigMark): Promise<PauseView> {
    const scope = oneOf(input.scope, PAUSE_SCOPES, 'scope', undefined);
    const missed = oneOf(input.missed, MISSED_RULES, 'missed', 'send');
    const reason = optionalText(input.reason);
    const skipOlderThanMinutes = skipAge(input.skipOlderThanMinutes, missed);
    let target: string | null = null;
    if (scope === 'all') {
      if (input.target !== undefined && input.target !== null && input.target !== '') {
        throw new BadInput('target must be left out when scope is all');
      }
    } else {
      if (typeof input.target !== 'string' || input.target === '') {
        throw new BadInput(
          `target is required when scope is ${scope}: the ${scope === 'platform' ? 'platform id' : 'account id'}`,
        );
      }
      target = input.target;
      if (scope === 'platform' && !findAdapter(target)) {
        throw new BadInput('target must be one of the platform ids listed by GET /api/v1/platforms');
      }
      if (scope === 'account' && (!isUuid(target) || !(await this.accounts.find(target)))) {
        throw new NotFound(`target: account ${target} not found`);
      }
    }
    const row = await this.repo.insert({
      id: randomUUID(),
      scope,
      target,
      reason,
      missed,
      skipOlderThanMinutes,
      configKey: mark?.key,
    });
    return (await this.views([row]))[0];
  }

  /** The active pauses, oldest first. */
  async active(): Promise<PauseView[]> {
    return this.views(await this.repo.active());
  }

  /** The active pauses, ready to answer which one a delivery waits for. */
  async activeSet(): Promise<ActivePauses> {
    return new ActivePauses(await this.active());
  }

  /**
   * The items with `waitingFor`: the pause a runnable delivery waits for, else null. One read of the active pauses
   * for the whole list (GET /deliveries, GET /deliveries/:id).
   */
  async withWaitingFor<T extends { status: string; platform: string; accountId: string | null }>(
    items: readonly T[],
  ): Promise<Array<T & { waitingFor: WaitingFor | null }>> {
    const paused = await this.activeSet();
    return items.map((d) => ({ ...d, waitingFor: paused.waitingFor(d) }));
  }

  /** Active ones, or with `all` the history too (newest first, the last 200). */
  async list(all = false): Promise<PauseView[]> {
    return all ? this.views(await this.repo.history(200)) : this.active();
  }

  /** The active pauses covering an account: its own, its platform's, and any pause of everything. */
  async activeForAccount(accountId: string): Promise<PauseView[]> {
    const account = isUuid(accountId) ? await this.accounts.find(accountId) : undefined;
    if (!account) throw new NotFound(`account ${accountId} not found`);
    return (await this.activeSet()).allCovering({ platform: account.platform, accountId: account.id });
  }

  async get(id: string): Promise<PauseView> {
    return (await this.views([await this.row(id)]))[0];
  }

  /**
   * Ends the pause. The deliveries it alone held back that fell due meanwhile get its missed rule (`send`: go out;
   * `skip`: those scheduled longer ago than `skipOlderThanMinutes` are skipped; `hold`: held for a person), then
   * every account it released gets its next job. Resuming an ended pause answers it as it ended.
   */
  async resume(id: string, mark?: ConfigMark): Promise<PauseView> {
    const pause = await this.row(id);
    if (pause.resumed_at !== null) return (await this.views([pause]))[0];
    refuseManaged('pause', pause, mark);
    const now = new Date();
    // While the pause is still active no claim can take these: skipping or holding them cannot race a publish.
    const plan = resumePlan(
      { missed: pause.missed as MissedRule, skipOlderThanMinutes: pause.skip_older_than_minutes },
      await this.repo.missed(pause, now),
      now,
    );
    const error = missedReason(pause.reason);
    const skipped =
      plan.skip.length > 0 ? await this.states.apply('skip', { ids: plan.skip }, { set: () => ({ error }) }) : [];
    const held =
      plan.hold.length > 0 ? await this.states.apply('hold', { ids: plan.hold }, { set: () => ({ error }) }) : [];
    const ended = await this.repo.markResumed(pause.id, now, {
      sent: plan.send.length,
      skipped: skipped.length,
      held: held.length,
    });
    if (!ended) return this.get(id); // resumed meanwhile by another request: that one did the work
    try {
      await this.states.handOver(await this.repo.releasedAccounts(pause));
    } catch (e) {
      // The pause has ended; the sweep gives the released heads their jobs.
      this.log.warn(`jobs after resuming pause ${pause.id} failed (${(e as Error).message}); the sweep will mend it`);
    }
    return (await this.views([ended]))[0];
  }

  private async row(id: string): Promise<PauseRow> {
    const row = isUuid(id) ? await this.repo.find(id) : undefined;
    if (!row) throw new NotFound(`pause ${id} not found`);
    return row;
  }

  private async views(rows: readonly PauseRow[]): Promise<PauseView[]> {
    const accountIds = rows.filter((r) => r.scope === 'account' && r.target).map((r) => r.target as string);
    const names = new Map((await this.accounts.findMany(accountIds)).map((a) => [a.id, a.name]));
    return rows.map((r) => ({
      id: r.id,
      scope: r.scope as PauseScope,
      target: r.target,
      targetName:
        r.target === null
          ? null
          : r.scope === 'platform'
            ? (findAdapter(r.target)?.name ?? r.target)
            : (names.get(r.target) ?? null),
      reason: r.reason,
      missed: r.missed as MissedRule,
      skipOlderThanMinutes: r.skip_older_than_minutes,
      active: r.resumed_at === null,
      createdAt: new Date(r.created_at).toISOString(),
      resumedAt: r.resumed_at ? new Date(r.resumed_at).toISOString() : null,
      outcome: r.outcome ?? null,
      ...managedView(r),
    }));
  }
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string, fallback: T | undefined): T {
  if ((v === undefined || v === null || v === '') && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new BadInput(`${field} must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function optionalText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new BadInput('reason must be text');
  const t = v.trim();
  if (t.length > MAX_REASON_LENGTH) throw new BadInput(`reason must be at most ${MAX_REASON_LENGTH} characters`);
  return t === '' ? null : t;
}

/** `skipOlderThanMinutes`: only with `missed: skip`, where it defaults to 0 (every missed delivery is skipped). */
export function skipAge(v: unknown, missed: MissedRule): number | null {
  const given = v !== undefined && v !== null && v !== '';
  if (missed !== 'skip') {
    if (given) throw new BadInput('skipOlderThanMinutes applies only when missed is skip');
    return null;
  }
  if (!given) return 0;
  const n = typeof v === 'string' && /^\d{1,7}$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_SKIP_MINUTES) {
    throw new BadInput(`skipOlderThanMinutes must be a whole number of minutes from 0 to ${MAX_SKIP_MINUTES}`);
  }
  return n;
}
