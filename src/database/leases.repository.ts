import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DATABASE, Db } from './database';

/** A lease this process holds: renewed while held, released by its holder only. */
export interface HeldLease {
  release(): Promise<void>;
}

/**
 * Named leases in PostgreSQL: work one holder at a time may do across every process (the sweep, polling one feed,
 * refreshing one account's rotating token), whatever the queue backend. Each acquisition has its own token, so two
 * callers in one process exclude each other too. A lease ends when its holder releases it or its time runs out, so
 * a dead holder blocks nobody for longer than one lease.
 */
@Injectable()
export class LeasesRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  /** A token when the caller now holds `name` for `ms` (taken over only once the last holder's lease ran out). */
  async acquire(name: string, ms: number): Promise<string | null> {
    const token = randomUUID();
    const now = new Date();
    const r = await sql<{ holder: string }>`
      insert into leases (name, holder, until) values (${name}, ${token}, ${new Date(now.getTime() + ms)})
      on conflict (name) do update set holder = excluded.holder, until = excluded.until
        where leases.until < ${now}
      returning holder`.execute(this.db);
    return r.rows[0]?.holder === token ? token : null;
  }

  /** Extends a lease still held with `token`; false when it was lost. */
  async renew(name: string, token: string, ms: number): Promise<boolean> {
    const r = await this.db
      .updateTable('leases')
      .set({ until: new Date(Date.now() + ms) })
      .where('name', '=', name)
      .where('holder', '=', token)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async release(name: string, token: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', token).execute();
  }

  /** acquire, then renew every third of the lease until released; null when someone else holds it. */
  async hold(name: string, ms: number): Promise<HeldLease | null> {
    const token = await this.acquire(name, ms);
    if (!token) return null;
    const timer = setInterval(
      () => void this.renew(name, token, ms).catch(() => undefined),
      Math.max(200, Math.floor(ms / 3)),
    );
    timer.unref();
    return {
      release: async () => {
        clearInterval(timer);
        await this.release(name, token);
      },
    };
  }
}
