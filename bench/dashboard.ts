/**
 * The dashboard's Today page on a database of 10,000 deliveries: how long its first response takes (the HTML,
 * signed in), once spread over two months as a busy instance has them and once with every delivery on the one day
 * shown (the page stops at TODAY_LIMIT posts). Usage: `npx tsc --outDir <dir> && CRIER_TEST_DIST=<dir> npx tsx
 * bench/dashboard.ts [deliveries] [runs]` (or `npm run build` and no CRIER_TEST_DIST). Needs the local Redis and
 * PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test). Issue #9's target: under 200 ms.
 */
import { Pool } from 'pg';
import { CrierProcess } from '../test/support/crier-process';
import { benchEnvironment } from './bench-env';
import { seedDeliveries } from './seed-deliveries';

const deliveryCount = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 30);
const PLATFORMS = ['telegram', 'mastodon', 'x', 'facebook'];
const ACCOUNTS = 20;

/**
 * Two deliveries per post, half the posts from an article, scheduled over `days` days centred on now (0: all within
 * the current UTC day); statuses mostly published, some failed, a few of every other, with an error where one fits.
 */
async function seed(pool: Pool, days: number): Promise<void> {
  await pool.query('truncate accounts, articles, posts, deliveries, delivery_attempts cascade');
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
  const when =
    days > 0
      ? `now() + ((random() - 0.5) * interval '1 day' * ${days})`
      : `date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' + random() * interval '1 day'`;
  await pool.query(
    `with a as (select id, row_number() over () as n from articles)
     insert into posts (id, article_id, text, scheduled_at, created_at)
     select gen_random_uuid(), a.id, case when a.id is null then 'A post written by hand, number ' || i end,
            ${when}, now()
     from generate_series(1, $1) i left join a on i % 2 = 0 and a.n = i / 2`,
    [posts],
  );
  await seedDeliveries(pool, deliveryCount, ACCOUNTS);
  await pool.query('analyze');
}

/** Signs in as a browser does (form, nonce cookie, session cookie) and returns the Cookie header to send. */
async function signIn(url: string, token: string): Promise<string> {
  const form = await fetch(`${url}/dashboard/sign-in`);
  const nonce = form.headers.getSetCookie()[0].split(';')[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${url}/dashboard/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: nonce },
    body: new URLSearchParams({ _csrf: csrf, token }).toString(),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('crier_session='));
  if (res.status !== 303 || !session) throw new Error(`sign-in failed: ${res.status}`);
  return session.split(';')[0];
}

function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { medianMs: +at(0.5).toFixed(1), p95Ms: +at(0.95).toFixed(1), maxMs: +at(1).toFixed(1) };
}

async function timed(url: string, cookie: string): Promise<{ ms: number; bytes: number; posts: number }> {
  const start = performance.now();
  const res = await fetch(url, { headers: { cookie } });
  const body = await res.text();
  const ms = performance.now() - start;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
  return { ms, bytes: body.length, posts: body.split('<li class="post">').length - 1 };
}

async function main() {
  const env = await benchEnvironment();
  const pool = new Pool({ connectionString: env.databaseUrl, max: 2 });
  // Migrations run at Crier's start: start it once on the empty database, seed, then measure a fresh process.
  let crier = await CrierProcess.start({ role: 'api', databaseUrl: env.databaseUrl, ...env.secrets });
  try {
    for (const [layout, days] of [
      ['spread over 60 days', 60],
      ['all on the day shown', 0],
    ] as const) {
      const t0 = performance.now();
      await seed(pool, days);
      const { rows } = await pool.query<{ n: string }>('select count(*) as n from deliveries');
      console.log(
        JSON.stringify({
          step: `seed, ${layout}`,
          deliveries: Number(rows[0].n),
          ms: Math.round(performance.now() - t0),
        }),
      );
      await crier.stop();
      crier = await CrierProcess.start({
        role: 'api',
        databaseUrl: env.databaseUrl,
        ...env.secrets,
        env: { CRIER_LOG_LEVEL: 'warn' },
      });
      const cookie = await signIn(crier.url, env.secrets.apiToken);
      const pages = [
        ['day view', '/dashboard/today?tz=UTC'],
        ['week view', '/dashboard/today?view=week&tz=UTC'],
        ['week view, status=failed', '/dashboard/today?view=week&status=failed&tz=UTC'],
        ['day view, search', '/dashboard/today?q=number%2012&tz=UTC'],
        ['live region (day)', '/dashboard/today/live?tz=UTC'],
      ];
      for (const [name, path] of pages) {
        const first = await timed(`${crier.url}${path}`, cookie);
        const times: number[] = [];
        for (let i = 0; i < runs; i++) times.push((await timed(`${crier.url}${path}`, cookie)).ms);
        console.log(
          JSON.stringify({
            step: `${layout}: ${name}`,
            posts: first.posts,
            kB: Math.round(first.bytes / 1024),
            firstMs: +first.ms.toFixed(1),
            runs,
            ...stats(times),
          }),
        );
      }
    }
  } finally {
    await pool.end();
    await crier.stop();
    await env.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
