import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import type { Database } from '../../src/database/schema';
import { groupFailures, INBOX_STATUSES } from '../../src/dashboard/failure-groups';
import { DeliveriesRepository } from '../../src/posts/deliveries.repository';
import { DeliveriesService } from '../../src/posts/deliveries.service';
import { PostsRepository } from '../../src/posts/posts.repository';
import { insertAccount, insertPostWith, mediumDb, MediumDb, testCipher } from './medium-env';
import { testPool } from '../support/pg';

/**
 * The Failures inbox's one query against a real Postgres: `retrying` deliveries only once stuck (scheduled more
 * than the cut-off ago, rate limited, or deferred by the daily cap), so the page's cap counts only shown rows.
 */
describe('the Failures inbox query (medium)', () => {
  let m: MediumDb;
  let db: Kysely<Database>;
  let statements: string[];

  beforeAll(async () => {
    m = await mediumDb();
    statements = [];
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: testPool(m.url, 2) }),
      log: (e) => void statements.push(e.query.sql),
    });
  });

  afterAll(async () => {
    await db?.destroy();
    await m?.close();
  });

  it('keeps failed, held, unconfirmed and stuck retrying deliveries, in one statement', async () => {
    const posts = new PostsRepository(db);
    const service = new DeliveriesService(new DeliveriesRepository(db));
    const tg = await insertAccount(db, testCipher(), { platform: 'telegram', name: 'Newsroom channel' });
    const now = new Date('2031-03-01T12:00:00.000Z');
    const minutesAgo = (n: number) => new Date(now.getTime() - n * 60_000);
    const one = async (status: 'failed' | 'held' | 'unconfirmed' | 'retrying' | 'published', at: Date) =>
      (await insertPostWith(posts, at, [{ account: tg, status }])).deliveryIds[0];

    const failed = await one('failed', minutesAgo(1));
    const held = await one('held', minutesAgo(1));
    const unconfirmed = await one('unconfirmed', minutesAgo(1));
    await one('published', minutesAgo(60));
    const stuck = await one('retrying', minutesAgo(16));
    const fresh = await one('retrying', minutesAgo(5));
    const limited = await one('retrying', minutesAgo(5));
    const attempt = await posts.startAttempt(limited, 1, minutesAgo(4));
    await posts.finishAttempt(attempt, { outcome: 'rate-limited', statusCode: 429, error: 'slow down' });
    const capped = await one('retrying', minutesAgo(5));
    await db
      .updateTable('deliveries')
      .set({ error: 'daily cap of 5 posts reached for this account' })
      .where('id', '=', capped)
      .execute();
    const freshAttempt = await posts.startAttempt(fresh, 1, minutesAgo(4));
    await posts.finishAttempt(freshAttempt, { outcome: 'transient', statusCode: 502, error: 'bad gateway' });

    statements.length = 0;
    const { items, nextCursor } = await service.list({
      statuses: INBOX_STATUSES,
      retryingStuckBefore: minutesAgo(15),
      limit: 200,
    });
    expect(statements).toHaveLength(1);
    expect(nextCursor).toBeNull();
    expect(new Set(items.map((d) => d.id))).toEqual(new Set([failed, held, unconfirmed, stuck, limited, capped]));

    const groups = groupFailures(items, now);
    const ids = Object.fromEntries(groups.map((g) => [g.key, new Set(g.items.map((d) => d.id))]));
    expect(ids).toEqual({
      reauth: new Set([held]),
      'rate-limited': new Set([limited, capped]),
      rejected: new Set([failed]),
      'unknown-outcome': new Set([unconfirmed]),
      other: new Set([stuck]),
    });
  });
});
