/**
 * The operators' delivery list (GET /api/v1/deliveries) on a database of 10,000 deliveries: how long the first page
 * takes over HTTP for the common filters, and the plan PostgreSQL picks for each (a `Seq Scan` on deliveries
 * would grow with the table). Usage: `npm run build && npx tsx bench/deliveries-listing.ts [deliveries] [runs]`.
 * Needs the local Redis and PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test).
 */
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import type { Database } from '../src/database/schema';
import { DeliveriesRepository, DeliveryFilter } from '../src/posts/deliveries.repository';
import { decodeCursor } from '../src/posts/listing-cursor';
import { CrierProcess } from '../test/support/crier-process';
import { benchEnvironment } from './bench-env';
import { seedDeliveries } from './seed-deliveries';

const deliveryCount = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 50);
const PLATFORMS = ['telegram', 'mastodon', 'x', 'facebook'];
const ACCOUNTS = 20;

/**
 * Two deliveries per post over the last 60 days, half the posts from an article; statuses as a busy instance has
 * them (mostly published, some failed, a few of every other), one finished attempt per delivery that started.
 */
async function seed(pool: Pool): Promise<string> {
  await pool.query(
    `insert into accounts (id, platform, name, status, settings, credentials_enc)
     select gen_random_uuid(), ($1::text[])[1 + i % 4], 'Bench account ' || i, 'active', '{}', 'not-a-credential'
     from generate_series(0, $2 - 1) i`,
    [PLATFORMS, ACCOUNTS],
  );
  const posts = Math.ceil(deliveryCount / 2);
  await pool.query(
    `insert into articles (id, url, title, text, lead, tags)
     select gen_random_uuid(), 'https://bench.example/' || i, 'Bench article number ' || i, 'Body.', '', '[]'
     from generate_series(1, $1) i`,
    [Math.ceil(posts / 2)],
  );
  await pool.query(
    `with a as (select id, row_number() over () as n from articles)
     insert into posts (id, article_id, text, scheduled_at, created_at)
     select gen_random_uuid(), a.id, case when a.id is null then 'A post written by hand, number ' || i end,
            now() - (random() * interval '60 days'), now()
     from generate_series(1, $1) i left join a on i % 2 = 0 and a.n = i / 2`,
    [posts],
  );
  await seedDeliveries(pool, deliveryCount, ACCOUNTS);
  await pool.query(
    `insert into delivery_attempts (delivery_id, attempt, started_at, finished_at, outcome)
     select id, 1, scheduled_at, scheduled_at, case status when 'published' then 'published'
       when 'retrying' then 'rate-limited' when 'failed' then 'permanent' else 'ambiguous' end
     from deliveries where attempts > 0`,
  );
  await pool.query('analyze');
  const { rows } = await pool.query<{ id: string }>('select id from accounts order by id limit 1');
  return rows[0].id;
}

function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { medianMs: +at(0.5).toFixed(1), p95Ms: +at(0.95).toFixed(1), maxMs: +at(1).toFixed(1) };
}

/** The plan of the statement the repository sends for `filter` (captured from Kysely's log, then EXPLAINed). */
async function plan(
  pool: Pool,
  db: Kysely<Database>,
  captured: { sql: string; params: unknown[] }[],
  f: DeliveryFilter,
) {
  captured.length = 0;
  await new DeliveriesRepository(db).list(f);
  const q = captured[0];
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, costs off) ${q.sql}`, q.params);
  return rows.map((r) => r['QUERY PLAN']);
}

async function main() {
  const env = await benchEnvironment();
  const crier = await CrierProcess.start({
    role: 'api',
    databaseUrl: env.databaseUrl,
    ...env.secrets,
    env: { CRIER_LOG_LEVEL: 'warn' },
  });
  const pool = new Pool({ connectionString: env.databaseUrl, max: 2 });
  const captured: { sql: string; params: unknown[] }[] = [];
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new Pool({ connectionString: env.databaseUrl, max: 1 }) }),
    log: (e) => void captured.push({ sql: e.query.sql, params: [...e.query.parameters] }),
  });
  try {
    const t0 = performance.now();
    const accountId = await seed(pool);
    const { rows } = await pool.query<{ n: string }>('select count(*) as n from deliveries');
    console.log(
      JSON.stringify({ step: 'seed', deliveries: Number(rows[0].n), ms: Math.round(performance.now() - t0) }),
    );

    const api = crier.api();
    const cases: { name: string; query: string; filter: DeliveryFilter }[] = [
      { name: 'first page, no filter', query: '', filter: { limit: 51 } },
      { name: 'first page, status=failed', query: '?status=failed', filter: { statuses: ['failed'], limit: 51 } },
      {
        name: 'first page, status=failed,unconfirmed,held',
        query: '?status=failed,unconfirmed,held',
        filter: { statuses: ['failed', 'unconfirmed', 'held'], limit: 51 },
      },
      { name: 'first page, platform=x', query: '?platform=x', filter: { platform: 'x', limit: 51 } },
      { name: 'first page, accountId', query: `?accountId=${accountId}`, filter: { accountId, limit: 51 } },
      { name: 'first page, limit=200', query: '?limit=200', filter: { limit: 201 } },
    ];
    // A later page: the keyset condition must use the same index as the first page.
    const first = await api.get('/api/v1/deliveries?status=failed').expect(200);
    const cursor = first.body.nextCursor as string;
    cases.push({
      name: 'second page, status=failed',
      query: `?status=failed&cursor=${cursor}`,
      filter: { statuses: ['failed'], limit: 51, after: decodeCursor(cursor) },
    });
    for (const c of cases) {
      for (let i = 0; i < 5; i++) await api.get(`/api/v1/deliveries${c.query}`).expect(200);
      const times: number[] = [];
      let items = 0;
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        const res = await api.get(`/api/v1/deliveries${c.query}`).expect(200);
        times.push(performance.now() - start);
        items = (res.body.items as unknown[]).length;
      }
      const lines = await plan(pool, db, captured, c.filter);
      const scans = lines.filter((l) => / Scan /.test(l) && /deliveries/.test(l)).map((l) => l.trim());
      console.log(JSON.stringify({ step: c.name, items, runs, ...stats(times), scans }));
      if (process.env.BENCH_PLANS) console.log(lines.join('\n'));
    }
  } finally {
    await db.destroy();
    await pool.end();
    await crier.stop();
    await env.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
