import { Inject, Injectable } from '@nestjs/common';
import { ExpressionBuilder, sql } from 'kysely';
import { DATABASE, Db } from '../database/database';
import type { Database, PauseRow } from '../database/schema';
import { RUNNABLE } from '../posts/statuses';
import type { MissedDelivery } from './pause-rules';

export interface NewPause {
  id: string;
  scope: string;
  target: string | null;
  reason: string | null;
  missed: string;
  skipOlderThanMinutes: number | null;
  /** Declared by the config file under this key (migration 0015). */
  configKey?: string;
}

/**
 * The deliveries covered by `pause` (the claim's rule, migration 0011) and by no other active pause: the ones a
 * resume of `pause` releases.
 */
function releasedBy(pause: PauseRow) {
  return (eb: ExpressionBuilder<Database, 'deliveries'>) => {
    const mine =
      pause.scope === 'all'
        ? sql<boolean>`true`
        : pause.scope === 'platform'
          ? eb('deliveries.platform', '=', pause.target as string)
          : sql<boolean>`deliveries.account_id::text = ${pause.target}`;
    const others = sql<boolean>`exists (
      select 1 from pauses p
       where p.resumed_at is null and p.id <> ${pause.id}::uuid
         and (p.scope = 'all'
           or (p.scope = 'platform' and p.target = deliveries.platform)
           or (p.scope = 'account' and p.target = deliveries.account_id::text)))`;
    return eb.and([mine, eb.not(others)]);
  };
}

/** All SQL on the pauses table, and the reads of the deliveries a pause holds back. */
@Injectable()
export class PausesRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  async insert(p: NewPause): Promise<PauseRow> {
    return this.db
      .insertInto('pauses')
      .values({
        id: p.id,
        scope: p.scope,
        target: p.target,
        reason: p.reason,
        missed: p.missed,
        skip_older_than_minutes: p.skipOlderThanMinutes,
        ...(p.configKey ? { managed_by: 'config', config_key: p.configKey } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async find(id: string): Promise<PauseRow | undefined> {
    return this.db.selectFrom('pauses').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The active pauses, oldest first. */
  async active(): Promise<PauseRow[]> {
    return this.db
      .selectFrom('pauses')
      .selectAll()
      .where('resumed_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** Every pause, newest first (the history). */
  async history(limit: number): Promise<PauseRow[]> {
    return this.db
      .selectFrom('pauses')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Runnable deliveries due by `now` that a resume of `pause` releases: those the pause made miss their time. */
  async missed(pause: PauseRow, now: Date): Promise<MissedDelivery[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['id', 'account_id', 'scheduled_at'])
      .where('status', 'in', RUNNABLE)
      .where('next_attempt_at', '<=', now)
      .where(releasedBy(pause))
      .orderBy('scheduled_at')
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({ id: r.id, accountId: r.account_id, scheduledAt: new Date(r.scheduled_at) }));
  }

  /** Accounts with a runnable delivery a resume of `pause` releases (due or not): their heads need their jobs. */
  async releasedAccounts(pause: PauseRow): Promise<string[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select('account_id')
      .distinct()
      .where('status', 'in', RUNNABLE)
      .where('account_id', 'is not', null)
      .where(releasedBy(pause))
      .execute();
    return rows.map((r) => r.account_id as string);
  }

  /** Ends the pause with what its resume did; undefined when it had already ended (a concurrent resume). */
  async markResumed(
    id: string,
    now: Date,
    outcome: { sent: number; skipped: number; held: number },
  ): Promise<PauseRow | undefined> {
    return this.db
      .updateTable('pauses')
      .set({ resumed_at: now, outcome: JSON.stringify(outcome) })
      .where('id', '=', id)
      .where('resumed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }
}
