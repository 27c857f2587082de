import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DATABASE, Db } from '../database/database';
import { RUNNABLE } from '../posts/statuses';

export interface StatusCount {
  platform: string;
  status: string;
  n: number;
}

export interface Overdue {
  platform: string;
  /** Runnable deliveries whose time has come. */
  n: number;
  /** The earliest due time among them: how late the most late one is. */
  since: Date;
}

/** The deliveries side of GET /queues: what PostgreSQL says is queued, next to what Redis holds. */
@Injectable()
export class QueuesRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  /** Deliveries per platform and status (one pass over the table). */
  async statusCounts(): Promise<StatusCount[]> {
    return this.db
      .selectFrom('deliveries')
      .select(['platform', 'status', sql<number>`count(*)::int`.as('n')])
      .groupBy(['platform', 'status'])
      .execute();
  }

  /**
   * Per platform, the runnable deliveries due by `now` and the earliest due time among them. Reads the partial
   * index on due runnable rows, so it costs what is due, not what is scheduled.
   */
  async overdue(now: Date): Promise<Overdue[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['platform', sql<number>`count(*)::int`.as('n'), sql<Date>`min(next_attempt_at)`.as('since')])
      .where('status', 'in', RUNNABLE)
      .where('next_attempt_at', '<=', now)
      .groupBy('platform')
      .execute();
    return rows.map((r) => ({ platform: r.platform, n: r.n, since: new Date(r.since) }));
  }

  /** When each of these deliveries is due to run (`next_attempt_at`). */
  async dueTimes(ids: readonly string[]): Promise<Array<{ id: string; due: Date }>> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['id', 'next_attempt_at'])
      .where('id', 'in', ids)
      .execute();
    return rows.map((r) => ({ id: r.id, due: new Date(r.next_attempt_at) }));
  }
}
