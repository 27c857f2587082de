import type { Db } from '../database/database';

/**
 * Dashboard sessions in PostgreSQL (migration 0012), one query per method. Rows are keyed by the SHA-256 of the
 * session id (DashboardSessions hashes it): the table never holds anything a browser could present.
 */
export class DashboardSessionsRepository {
  constructor(private readonly db: Db) {}

  async insert(idHash: string, expiresAt: Date): Promise<void> {
    await this.db.insertInto('dashboard_sessions').values({ id_hash: idHash, expires_at: expiresAt }).execute();
  }

  /** Whether the session is signed in and not expired at `now`: one primary-key lookup. */
  async isLive(idHash: string, now: Date): Promise<boolean> {
    const row = await this.db
      .selectFrom('dashboard_sessions')
      .select('id_hash')
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row !== undefined;
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('dashboard_sessions').where('id_hash', '=', idHash).execute();
  }

  /**
   * At most `limit` sessions that expired before `now`, found through the `expires_at` index (the retention
   * pattern: a short statement, a bounded batch). Returns how many went.
   */
  async pruneExpired(now: Date, limit: number): Promise<number> {
    const r = await this.db
      .deleteFrom('dashboard_sessions')
      .where('id_hash', 'in', (eb) =>
        eb.selectFrom('dashboard_sessions as s').select('s.id_hash').where('s.expires_at', '<=', now).limit(limit),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
