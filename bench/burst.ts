/**
 * Burst: hundreds of accounts, every delivery due at the same instant, against a bare BullMQ worker on the same
 * Redis. Usage: `npm run build && npx tsx bench/burst.ts`. Needs the local Redis and PostgreSQL.
 *
 * In one run:
 * 1. bare BullMQ: one Worker (concurrency CONCURRENCY) drains as many no-op jobs as the burst has deliveries, all
 *    added with addBulk before it starts: the ceiling of this Redis and this machine;
 * 2. for each WORKERS_LIST entry, on a fresh database and queue prefix: the built Crier (one API process and that
 *    many worker processes), ACCOUNTS accounts over the eight text platforms, each its own user at its own fake
 *    (so per-account budgets are per account), POSTS user-text posts per account, all due at one instant set after
 *    everything is created; from that instant until every delivery is `published`: deliveries/s, the ratio to
 *    bare BullMQ, lateness (published_at − scheduled_at) p50/p99, and posts created at the fakes twice;
 * 3. a sparse schedule: SPARSE_DELIVERIES deliveries SPARSE_GAP_MS apart over SPARSE_ACCOUNTS accounts: lateness.
 *
 * Env: ACCOUNTS (400), POSTS (3), WORKERS_LIST (1,2), CONCURRENCY (32), TIMEOUT_S per scenario (300), LEAD_S
 * (seconds from the start of creating posts to the instant; default from the number of deliveries),
 * SPARSE_DELIVERIES (300, 0 skips it), SPARSE_GAP_MS (20), SPARSE_ACCOUNTS (min(ACCOUNTS, 100)), SPARSE_WORKERS
 * (first of WORKERS_LIST), CRIER_DB_POOL_SIZE (passed to the Crier processes), DEBUG_SLOW (1: print the six
 * deliveries published last with their attempts, and every warning the Crier processes logged), DEBUG_FIRST (1: print
 * the lateness of the first 80 deliveries of each scenario, in schedule order), RESULTS_DIR (/tmp/crier-bench: bench/results is not git-ignored), WORKER_NODE_OPTIONS
 * (NODE_OPTIONS for the worker processes only, e.g. `--require ./profile-hook.js`), CRIER_QUEUE (`postgres`: Crier's
 * queues on BullMQ's PostgreSQL backend in each scenario's database; the bare BullMQ baseline stays on Redis).
 * Everything listens on loopback; child processes, Redis keys and databases are removed on exit or Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { Pool } from 'pg';
import { FacebookFake } from '../test/fakes/facebook.fake';
import { GettrFake } from '../test/fakes/gettr.fake';
import { MastodonFake } from '../test/fakes/mastodon.fake';
import { MindsFake } from '../test/fakes/minds.fake';
import { TelegramFake } from '../test/fakes/telegram.fake';
import { XFake } from '../test/fakes/x.fake';
import { CrierProcess } from '../test/support/crier-process';
import { benchEnvironment, cpuSecondsOf, deleteRedisPrefix, queueBackend, redisUrl } from './bench-env';

const PLATFORMS = ['telegram', 'mastodon', 'gab', 'truthsocial', 'minds', 'gettr', 'x', 'facebook'] as const;
type TextPlatform = (typeof PLATFORMS)[number];
const MAX_ACCOUNTS_PER_POST = 100; // the API's limit on accountIds
const TERMINAL = ['published', 'failed', 'skipped', 'held', 'unconfirmed', 'cancelled'];
const UNLIMITED = 1_000_000_000;

// ---------------------------------------------------------------------------------------------------- parameters

function readParams() {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number): number => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) problems.push(`${name} must be an integer ≥ ${min} (got ${raw})`);
    return n;
  };
  const accounts = int('ACCOUNTS', 400, 1);
  const workersList = (process.env.WORKERS_LIST ?? '1,2').split(',').map((s) => Number(s.trim()));
  if (workersList.length === 0 || workersList.some((n) => !Number.isInteger(n) || n < 1 || n > 16))
    problems.push(`WORKERS_LIST must be a comma-separated list of integers 1-16 (got ${process.env.WORKERS_LIST})`);
  const params = {
    accounts,
    posts: int('POSTS', 3, 1),
    workersList,
    // Crier accepts 1-100 (CRIER_WORKER_CONCURRENCY).
    concurrency: int('CONCURRENCY', 32, 1),
    timeoutMs: int('TIMEOUT_S', 300, 10) * 1000,
    leadS: process.env.LEAD_S ? int('LEAD_S', 0, 1) : undefined,
    sparse: {
      deliveries: int('SPARSE_DELIVERIES', 300, 0),
      gapMs: int('SPARSE_GAP_MS', 20, 0),
      accounts: int('SPARSE_ACCOUNTS', Math.min(accounts, 100), 1),
      workers: int('SPARSE_WORKERS', workersList[0] ?? 1, 1),
    },
    resultsDir: process.env.RESULTS_DIR ?? '/tmp/crier-bench',
  };
  if (params.concurrency > 100) problems.push('CONCURRENCY must be at most 100 (CRIER_WORKER_CONCURRENCY)');
  if (problems.length) throw new Error(`bad parameters:\n  ${problems.join('\n  ')}`);
  return params;
}
type Params = ReturnType<typeof readParams>;

// -------------------------------------------------------------------------------------------- clean-up on any exit

const cleanups: Array<() => Promise<unknown>> = [];
/** Registers a clean-up; returns a function that runs it now (once) and unregisters it. */
function onExit(fn: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<unknown> | undefined;
  const run = () => (done ??= fn().catch((e: Error) => console.error(`clean-up: ${e.message}`)));
  cleanups.push(run);
  return async () => {
    const i = cleanups.indexOf(run);
    if (i >= 0) cleanups.splice(i, 1);
    await run();
  };
}
async function cleanUpEverything(): Promise<void> {
  for (const run of cleanups.splice(0).reverse()) await run();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanUpEverything().finally(() => process.exit(130));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return out;
}

// ---------------------------------------------------------------------------------------------- bare BullMQ

async function redisHz(): Promise<string> {
  const r = new IORedis(redisUrl(), { maxRetriesPerRequest: 1 });
  try {
    const reply = (await r.config('GET', 'hz')) as string[];
    return reply[1] ?? 'unknown';
  } catch {
    return 'unknown (CONFIG refused)';
  } finally {
    r.disconnect();
  }
}

async function bareBullmq(jobs: number, concurrency: number, timeoutMs: number) {
  const prefix = `cbare${randomBytes(4).toString('hex')}`;
  const redis = new IORedis(redisUrl(), { maxRetriesPerRequest: null });
  const cleanup = onExit(async () => {
    await deleteRedisPrefix(redis, prefix);
    redis.disconnect();
  });
  const queue = new Queue('bare', { connection: redis, prefix });
  let worker: Worker | undefined;
  try {
    for (let i = 0; i < jobs; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({
        name: 'noop',
        data: { n: i + k },
        opts: { removeOnComplete: { count: 1000 } },
      }));
      await queue.addBulk(batch);
    }
    let done = 0;
    let allDone!: () => void;
    const finished = new Promise<void>((r) => (allDone = r));
    worker = new Worker('bare', async () => undefined, { connection: redis, prefix, concurrency, autorun: false });
    worker.on('completed', () => {
      if (++done === jobs) allDone();
    });
    worker.on('error', (e) => console.error(`bare worker: ${e.message}`));
    // Connected first, as Crier's workers are when their jobs fall due: the clock measures draining only.
    await worker.waitUntilReady();
    const started = performance.now();
    void worker.run();
    await Promise.race([finished, sleep(timeoutMs)]);
    const seconds = (performance.now() - started) / 1000;
    return { jobs, completed: done, seconds: round(seconds, 3), jobsPerSecond: round(done / seconds, 1) };
  } finally {
    await worker?.close();
    await queue.close();
    await cleanup();
  }
}

// ------------------------------------------------------------------------------------------------- the fakes

interface AccountFake {
  platform: TextPlatform;
  /** What an account at this fake sends to POST /api/v1/accounts. */
  body: { platform: TextPlatform; name: string; credentials: Record<string, string>; settings: Record<string, string> };
  /** The text of every post the fake created (a duplicate shows up twice). */
  created(): string[];
  stop(): Promise<void>;
}

/** One fake server per account: each account is its own user, bot or Page, with no limits at the fake. */
async function startFake(platform: TextPlatform, n: number): Promise<AccountFake> {
  const name = `${platform}-${n}`;
  switch (platform) {
    case 'telegram': {
      const f = await TelegramFake.start();
      return {
        platform,
        body: {
          platform,
          name,
          credentials: { botToken: f.botToken },
          settings: { chatId: String(f.chats[0].id), apiBaseUrl: f.baseUrl },
        },
        created: () => f.messages.map((m) => m.text),
        stop: () => f.stop(),
      };
    }
    case 'mastodon':
    case 'gab':
    case 'truthsocial': {
      const f = await MastodonFake.start({
        flavour: platform,
        rateLimit: { limit: UNLIMITED, windowMs: 300_000 },
        gabCaps: { minute: UNLIMITED, semiHourly: UNLIMITED, hourly: UNLIMITED, daily: UNLIMITED },
      });
      return {
        platform,
        body: { platform, name, credentials: { accessToken: f.accessToken }, settings: { apiBaseUrl: f.baseUrl } },
        created: () => f.statuses.map((s) => s.text),
        stop: () => f.stop(),
      };
    }
    case 'minds': {
      const f = await MindsFake.start();
      return {
        platform,
        body: {
          platform,
          name,
          credentials: { username: f.username, password: f.password },
          settings: { apiBaseUrl: f.baseUrl },
        },
        created: () => f.activities.map((a) => a.message),
        stop: () => f.stop(),
      };
    }
    case 'gettr': {
      const f = await GettrFake.start();
      return {
        platform,
        body: {
          platform,
          name,
          credentials: { username: f.username, token: f.token },
          settings: { apiBaseUrl: f.baseUrl },
        },
        created: () => f.posts.map((p) => p.txt),
        stop: () => f.stop(),
      };
    }
    case 'x': {
      const f = await XFake.start({ postsPerWindow: UNLIMITED, postsPerDay: { user: UNLIMITED, app: UNLIMITED } });
      return {
        platform,
        body: { platform, name, credentials: f.oauth1Credentials(), settings: { apiBaseUrl: f.baseUrl } },
        created: () => f.tweets.map((t) => t.text),
        stop: () => f.stop(),
      };
    }
    case 'facebook': {
      const f = await FacebookFake.start({ bucLimit: { calls: UNLIMITED, windowMs: 3600_000 } });
      return {
        platform,
        body: {
          platform,
          name,
          credentials: { pageAccessToken: f.pageAccessToken },
          settings: { pageId: f.pageId, apiBaseUrl: f.baseUrl },
        },
        created: () => f.posts.map((p) => p.message),
        stop: () => f.stop(),
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------- Crier processes

/**
 * Production settings, not the tests' fast ones (CrierProcess applies TEST_ENV first: 1 s sweep, 200 ms backoff,
 * debug logs): a benchmark should pay what a deployment pays.
 */
function crierEnv(concurrency: number): Record<string, string> {
  return {
    CRIER_LOG_LEVEL: 'warn',
    CRIER_WORKER_CONCURRENCY: String(concurrency),
    CRIER_SWEEP_SECONDS: '60',
    CRIER_JOB_LOCK_MS: '30000',
    CRIER_HTTP_TIMEOUT_MS: '30000',
    CRIER_MAX_ATTEMPTS: '5',
    CRIER_RETRY_BASE_MS: '30000',
    CRIER_RETRY_MAX_MS: '3600000',
    // Crier's own pool per process (default 10); see README, "Connections to PostgreSQL".
    ...(process.env.CRIER_DB_POOL_SIZE ? { CRIER_DB_POOL_SIZE: process.env.CRIER_DB_POOL_SIZE } : {}),
  };
}

/** SIGTERM, and SIGKILL if it has not exited within `graceMs`. */
async function stopWithin(p: CrierProcess, graceMs = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((r) => {
    timer = setTimeout(() => void p.kill().then(r), graceMs);
  });
  await Promise.race([p.stop().then(() => undefined), killed]);
  clearTimeout(timer);
}

// ------------------------------------------------------------------------------------------------- scenarios

interface PostSpec {
  text: string;
  accounts: number[];
  /** From the scenario's instant. */
  offsetMs: number;
}

interface Scenario {
  name: string;
  /** A burst is measured for throughput; a sparse schedule only for lateness (its span is the schedule's). */
  kind: 'burst' | 'sparse';
  workers: number;
  accounts: number;
  posts: PostSpec[];
}

function burstScenario(p: Params, workers: number, tag: string): Scenario {
  const posts: PostSpec[] = [];
  for (let round = 0; round < p.posts; round++) {
    for (let from = 0; from < p.accounts; from += MAX_ACCOUNTS_PER_POST) {
      const accounts = Array.from({ length: Math.min(MAX_ACCOUNTS_PER_POST, p.accounts - from) }, (_, k) => from + k);
      posts.push({ text: `Burst ${tag} round ${round + 1}`, accounts, offsetMs: 0 });
    }
  }
  return { name: `burst ${workers}w`, kind: 'burst', workers, accounts: p.accounts, posts };
}

function sparseScenario(p: Params, tag: string): Scenario {
  const { deliveries, gapMs, accounts, workers } = p.sparse;
  const posts = Array.from({ length: deliveries }, (_, i) => ({
    text: `Sparse ${tag} number ${i + 1}`,
    accounts: [i % accounts],
    offsetMs: i * gapMs,
  }));
  return { name: `sparse ${workers}w`, kind: 'sparse', workers, accounts, posts };
}

async function runScenario(s: Scenario, p: Params, bareJobsPerSecond: number) {
  const deliveries = s.posts.reduce((n, x) => n + x.accounts.length, 0);
  console.error(`\n${s.name}: ${s.accounts} accounts, ${deliveries} deliveries, ${s.workers} worker process(es)`);
  const env = await benchEnvironment();
  const dropEnv = onExit(() => env.cleanup());
  const fakes: AccountFake[] = [];
  const stopFakes = onExit(() => Promise.all(fakes.map((f) => f.stop())));
  const procs: CrierProcess[] = [];
  const stopProcs = onExit(() => Promise.all(procs.map((c) => stopWithin(c))));
  const db = new Pool({ connectionString: env.databaseUrl, max: 1, query_timeout: 30_000 });
  db.on('error', (e) => console.error(`bench database pool: ${e.message}`));
  const closeDb = onExit(() => db.end());
  try {
    fakes.push(...(await inParallel([...Array(s.accounts).keys()], 16, (i) => startFake(PLATFORMS[i % 8], i))));
    // WORKER_NODE_OPTIONS (e.g. "--require ./profile-hook.js") goes to the worker processes only.
    const nodeOptions = process.env.WORKER_NODE_OPTIONS;
    const start = (role: 'api' | 'worker') =>
      CrierProcess.start({
        role,
        databaseUrl: env.databaseUrl,
        ...env.secrets,
        env: { ...crierEnv(p.concurrency), ...(role === 'worker' && nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
      });
    // The API first: it migrates the empty database; then the workers, side by side.
    const api = await start('api');
    procs.push(api);
    procs.push(...(await Promise.all(Array.from({ length: s.workers }, () => start('worker')))));

    const t0 = performance.now();
    const accountIds = await inParallel(fakes, 8, async (f) => {
      const res = await api.api().post('/api/v1/accounts').send(f.body);
      if (res.status !== 201) throw new Error(`account ${f.body.name}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    });
    const accountsSeconds = (performance.now() - t0) / 1000;

    // Everything is created before the instant: leave enough time (about 10 ms a delivery here, plus margin).
    const leadMs = (p.leadS ?? Math.ceil(5 + deliveries * 0.012 + s.posts.length * 0.02)) * 1000;
    const instant = Date.now() + leadMs;
    const createStart = Date.now();
    await inParallel(s.posts, 4, async (post) => {
      const res = await api
        .api()
        .post('/api/v1/posts')
        .send({
          text: post.text,
          accountIds: post.accounts.map((i) => accountIds[i]),
          scheduledAt: new Date(instant + post.offsetMs).toISOString(),
        });
      if (res.status !== 201) throw new Error(`post "${post.text}": ${res.status} ${JSON.stringify(res.body)}`);
    });
    const createdAt = Date.now();
    const marginS = (instant - createdAt) / 1000;
    if (marginS < 0) console.error(`  creating took ${(-marginS).toFixed(1)} s past the instant: raise LEAD_S`);
    console.error(
      `  accounts created in ${accountsSeconds.toFixed(1)} s; posts in ${((createdAt - createStart) / 1000).toFixed(1)} s, ` +
        `${marginS.toFixed(1)} s before the instant`,
    );

    // From the instant until every delivery is settled, or the time is up: the database, every 250 ms.
    await sleep(Math.max(0, instant - Date.now()));
    const workerPids = procs.slice(1).map((c) => c.child.pid as number);
    const cpuBefore = { workers: cpuSecondsOf(workerPids), postgres: await postgresCpu(db), bench: process.cpuUsage() };
    const lastDue = instant + Math.max(...s.posts.map((x) => x.offsetMs));
    const deadline = lastDue + p.timeoutMs;
    let counts: Record<string, number> = {};
    for (;;) {
      const { rows } = await db.query<{ status: string; n: number }>(
        'select status, count(*)::int as n from deliveries group by status',
      );
      counts = Object.fromEntries(rows.map((r) => [r.status, r.n]));
      const settled = TERMINAL.reduce((n, st) => n + (counts[st] ?? 0), 0);
      if (settled >= deliveries || Date.now() > deadline) break;
      await sleep(250);
    }
    const timedOut = TERMINAL.reduce((n, st) => n + (counts[st] ?? 0), 0) < deliveries;
    // CPU spent per delivery from the instant to the end, by who spent it: a figure that does not depend on what
    // else the machine was doing (wall-clock rates do). Backends that exited during the burst are not counted.
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const cpuMsPerDelivery = {
      workers: round(((cpuSecondsOf(workerPids) - cpuBefore.workers) * 1000) / deliveries, 2),
      postgres: round((((await postgresCpu(db)) - cpuBefore.postgres) * 1000) / deliveries, 2),
      // The fakes run in this process, with the bench's own polling (a query every 250 ms).
      fakesAndBench: round((benchCpu.user + benchCpu.system) / 1000 / deliveries, 2),
    };

    const { rows } = await db.query<{ n: number; p50: number; p99: number; max: number; last: Date | null }>(
      `select count(*)::int as n,
              percentile_cont(0.5) within group (order by extract(epoch from published_at - scheduled_at)) as p50,
              percentile_cont(0.99) within group (order by extract(epoch from published_at - scheduled_at)) as p99,
              max(extract(epoch from published_at - scheduled_at))::float8 as max,
              max(published_at) as last
         from deliveries where status = 'published'`,
    );
    const stats = rows[0];
    if (process.env.DEBUG_FIRST) {
      const first = await db.query(
        `select platform, round(extract(epoch from published_at - scheduled_at) * 1000) as late_ms,
                round(extract(epoch from scheduled_at - (select min(scheduled_at) from deliveries)) * 1000) as at_ms,
                (select count(*) from deliveries o where o.account_id = d.account_id and o.seq < d.seq) as nth
           from deliveries d order by scheduled_at, seq limit 80`,
      );
      console.error(first.rows.map((r) => `${r.at_ms}:${r.platform}#${r.nth}=${r.late_ms}`).join(' '));
    }
    if (process.env.DEBUG_SLOW) {
      const slow = await db.query(
        `select d.id, d.platform, d.account_id, d.attempts, d.scheduled_at, d.published_at,
                extract(epoch from d.published_at - d.scheduled_at) as late,
                (select json_agg(json_build_object('s', a.started_at, 'o', a.outcome, 'e', a.error) order by a.id)
                   from delivery_attempts a where a.delivery_id = d.id) as att,
                (select json_agg(json_build_object('id', o.id, 'late', extract(epoch from o.published_at - o.scheduled_at)) order by o.seq)
                   from deliveries o where o.account_id = d.account_id) as siblings
           from deliveries d order by d.published_at desc nulls first limit 6`,
      );
      for (const r of slow.rows) console.error(JSON.stringify(r));
      for (const c of procs)
        for (const l of c.output.split('\n')) if (/"level":(40|50)/.test(l)) console.error(l.slice(0, 600));
    }
    // The same without the first second of the schedule: how much of the tail is a cold process (JIT, first
    // connections, first read of each account) rather than the steady state.
    const warm = await db.query<{ p50: number; p99: number }>(
      `select percentile_cont(0.5) within group (order by extract(epoch from published_at - scheduled_at)) as p50,
              percentile_cont(0.99) within group (order by extract(epoch from published_at - scheduled_at)) as p99
         from deliveries
        where status = 'published' and scheduled_at >= (select min(scheduled_at) from deliveries) + interval '1 second'`,
    );
    const perPlatform = await db.query<{ platform: string; n: number; published: number; p50: number; p99: number }>(
      `select platform, count(*)::int as n, count(published_at)::int as published,
              percentile_cont(0.5) within group (order by extract(epoch from published_at - scheduled_at)) as p50,
              percentile_cont(0.99) within group (order by extract(epoch from published_at - scheduled_at)) as p99
         from deliveries group by platform order by platform`,
    );
    const byPlatform = Object.fromEntries(
      perPlatform.rows.map((r) => [
        r.platform,
        { deliveries: r.n, published: r.published, latenessP50: round(r.p50, 3), latenessP99: round(r.p99, 3) },
      ]),
    );
    const published = stats.n;
    const spanSeconds = ((stats.last ? new Date(stats.last).getTime() : Date.now()) - instant) / 1000;
    const perSecond = published / Math.max(spanSeconds, 0.001);

    // At the fakes: every post created, and those created more than once (a text appears once per account).
    let createdAtFakes = 0;
    let duplicates = 0;
    for (const f of fakes) {
      const texts = f.created();
      createdAtFakes += texts.length;
      duplicates += texts.length - new Set(texts).size;
    }
    const result = {
      scenario: s.name,
      workers: s.workers,
      concurrency: p.concurrency,
      accounts: s.accounts,
      deliveries,
      published,
      notPublished: Object.fromEntries(Object.entries(counts).filter(([st]) => st !== 'published')),
      timedOut,
      secondsFromInstantToLastPublish: round(spanSeconds, 2),
      deliveriesPerSecond: s.kind === 'burst' ? round(perSecond, 1) : null,
      ratioToBareBullmq: s.kind === 'burst' ? round(perSecond / bareJobsPerSecond, 4) : null,
      latenessSeconds: { p50: round(stats.p50, 3), p99: round(stats.p99, 3), max: round(stats.max, 3) },
      cpuMsPerDelivery,
      latenessAfterFirstSecond: { p50: round(warm.rows[0].p50, 3), p99: round(warm.rows[0].p99, 3) },
      byPlatform,
      createdAtFakes,
      duplicates,
      setup: {
        accountsSeconds: round(accountsSeconds, 1),
        marginBeforeInstantSeconds: round(marginS, 1),
        database: env.dbName,
        queuePrefix: env.secrets.queuePrefix,
      },
    };
    if (timedOut) {
      console.error(`  gave up after ${p.timeoutMs / 1000} s; left: ${JSON.stringify(result.notPublished)}`);
      for (const c of procs) c.printLogTail(20);
    }
    return result;
  } finally {
    await closeDb();
    await stopProcs();
    await stopFakes();
    await dropEnv();
  }
}

const round = (n: number | null | undefined, digits: number) =>
  n === null || n === undefined || Number.isNaN(n) ? null : Number(n.toFixed(digits));

// ------------------------------------------------------------------------------------------------------ report

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ')).join('\n');
}

async function main() {
  const p = readParams();
  const tag = randomBytes(3).toString('hex');
  const burstDeliveries = p.accounts * p.posts;
  console.error(
    `burst: ${p.accounts} accounts × ${p.posts} posts = ${burstDeliveries} deliveries; workers ${p.workersList.join(', ')}; ` +
      `concurrency ${p.concurrency}`,
  );

  // A last resort beyond the per-scenario timeouts (a request that never answers): clean up and stop.
  const scenarioCount = p.workersList.length + (p.sparse.deliveries > 0 ? 1 : 0);
  const watchdogMs = p.timeoutMs * (scenarioCount + 1) + scenarioCount * 5 * 60_000;
  setTimeout(() => {
    console.error(`\nwatchdog: still running after ${watchdogMs / 1000} s; cleaning up and giving up`);
    void cleanUpEverything().finally(() => process.exit(2));
  }, watchdogMs).unref();

  // BullMQ wakes a worker for a delayed job through a blocking Redis command whose timeout Redis checks `hz`
  // times a second: at the default 10, a delayed job can start up to 100 ms late (docs/BENCHMARKS.md).
  const hz = await redisHz();
  console.error(`Redis hz: ${hz}; Crier's queues: ${queueBackend()} (CRIER_QUEUE); bare BullMQ runs on Redis`);
  const bare = await bareBullmq(burstDeliveries, p.concurrency, p.timeoutMs);
  console.error(`bare BullMQ: ${bare.completed} jobs in ${bare.seconds} s = ${bare.jobsPerSecond} jobs/s`);

  const scenarios = p.workersList.map((w) => burstScenario(p, w, tag));
  if (p.sparse.deliveries > 0) scenarios.push(sparseScenario(p, tag));
  const results = [];
  for (const s of scenarios) results.push(await runScenario(s, p, bare.jobsPerSecond ?? 1));

  const f = (n: number | null) => (n === null ? '-' : String(n));
  console.log(
    `\nbare BullMQ (1 worker, concurrency ${p.concurrency}): ${bare.completed}/${bare.jobs} jobs, ${bare.jobsPerSecond} jobs/s`,
  );
  console.log(
    table([
      [
        'scenario',
        'deliveries',
        'published',
        'span s',
        'deliv/s',
        '× bare',
        'late p50 s',
        'late p99 s',
        'dupes',
        'left',
      ],
      ...results.map((r) => [
        r.scenario,
        String(r.deliveries),
        String(r.published),
        f(r.secondsFromInstantToLastPublish),
        f(r.deliveriesPerSecond),
        f(r.ratioToBareBullmq),
        f(r.latenessSeconds.p50),
        f(r.latenessSeconds.p99),
        String(r.duplicates),
        Object.keys(r.notPublished).length ? JSON.stringify(r.notPublished) : '0',
      ]),
    ]),
  );
  for (const r of results) {
    const slowest = Object.entries(r.byPlatform).sort(([, a], [, b]) => (b.latenessP99 ?? 0) - (a.latenessP99 ?? 0));
    const worst = slowest
      .slice(0, 3)
      .map(([platform, x]) => `${platform} ${x.published}/${x.deliveries} p99 ${f(x.latenessP99)} s`);
    const warm = r.latenessAfterFirstSecond;
    console.log(
      `${r.scenario}: slowest ${worst.join(', ')}; after the first second p50 ${f(warm.p50)} s, p99 ${f(warm.p99)} s`,
    );
    const cpu = r.cpuMsPerDelivery;
    console.log(
      `${r.scenario}: CPU ms per delivery: workers ${cpu.workers}, PostgreSQL ${cpu.postgres}, fakes and bench ${cpu.fakesAndBench}`,
    );
  }
  const out = {
    date: new Date().toISOString(),
    params: p,
    redisHz: hz,
    bareBullmq: bare,
    results,
    note: 'deliv/s counts from the scheduled instant to the last published_at; sparse rows measure lateness only; lateness covers published deliveries only',
  };
  mkdirSync(p.resultsDir, { recursive: true });
  const file = path.join(p.resultsDir, `burst-${out.date.slice(0, 19).replace(/[:T]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nresult: ${file}`);
}

main()
  .catch(async (e: Error) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanUpEverything();
    // Anything still holding the event loop (a stuck socket) must not keep the benchmark alive.
    setTimeout(() => process.exit(), 2000).unref();
  });

/** CPU seconds of the PostgreSQL backends serving this database now. */
async function postgresCpu(db: Pool): Promise<number> {
  const { rows } = await db.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  return cpuSecondsOf(rows.map((r) => r.pid));
}
