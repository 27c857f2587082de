/**
 * Rate budgets end to end: one Crier process (the built dist/) publishes a burst to one Gab account and one Telegram
 * channel whose fakes enforce the platforms' own limits: Gab's 422 caps (20 / min, 100 / 30 min, 250 / h,
 * 1500 / day) and Telegram's 429 + retry_after past 20 messages a minute in a chat. Every post is due at the same
 * moment. For each platform it reports how long until all were out, the pace the fake saw (most posts in any 60 s)
 * and how many requests the fake refused. Goal: at most one refusal per platform (the budgets keep Crier under the
 * limits; the platform's own signal is the safety net).
 *
 * Usage: `npm run build && npx tsx bench/budgets.ts`. Environment:
 * - BENCH_POSTS: posts per platform (default 100; 100 takes at least 4 minutes at 20 a minute, 25 about one).
 * - BENCH_TIMEOUT_S: give up waiting after this long and report what got out (default: N / 20 minutes + 3 min).
 * Needs the local Redis and PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test).
 */
import { MastodonFake } from '../test/fakes/mastodon.fake';
import { TelegramFake } from '../test/fakes/telegram.fake';
import { CrierProcess } from '../test/support/crier-process';
import { benchEnvironment } from './bench-env';

const MINUTE_MS = 60_000;

interface PlatformReport {
  posts: number;
  published: number;
  /** From the moment every post was due until the last one reached the fake; null if not all got out. */
  allOutSeconds: number | null;
  /** Most posts the fake accepted in any 60 s. */
  maxPer60s: number;
  /** Requests the fake's own limits refused (Gab 422 caps, Telegram 429). */
  refusals: number;
  /** Posts beyond one per scheduled post (should be 0). */
  duplicates: number;
}

/** Most timestamps inside any window of `windowMs` (sliding, as the platforms count). */
function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < t.length; end++) {
    while (t[end] - t[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

function report(posts: number, acceptedAt: number[], dueAt: number, refusals: number): PlatformReport {
  const done = acceptedAt.length >= posts;
  return {
    posts,
    published: Math.min(acceptedAt.length, posts),
    allOutSeconds: done ? +((Math.max(...acceptedAt) - dueAt) / 1000).toFixed(1) : null,
    maxPer60s: maxInWindow(acceptedAt, MINUTE_MS),
    refusals,
    duplicates: Math.max(0, acceptedAt.length - posts),
  };
}

async function main() {
  const posts = Number(process.env.BENCH_POSTS ?? 100);
  if (!Number.isInteger(posts) || posts < 1) throw new Error('BENCH_POSTS must be a positive integer');
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 0) * 1000 || (posts / 20) * MINUTE_MS + 3 * MINUTE_MS;

  const env = await benchEnvironment();
  const gab = await MastodonFake.start({ flavour: 'gab' });
  const tg = await TelegramFake.start({ enforceLimits: true });
  const crier = await CrierProcess.start({
    role: 'all',
    databaseUrl: env.databaseUrl,
    ...env.secrets,
    env: { CRIER_LOG_LEVEL: 'warn', CRIER_HTTP_TIMEOUT_MS: '10000', CRIER_JOB_LOCK_MS: '30000' },
  });
  try {
    const api = crier.api();
    const account = async (body: Record<string, unknown>): Promise<string> => {
      const res = await api.post('/api/v1/accounts').send(body);
      if (res.status !== 201) throw new Error(`account: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    };
    const gabId = await account({
      platform: 'gab',
      name: 'gab',
      credentials: { accessToken: gab.accessToken },
      settings: { apiBaseUrl: gab.baseUrl },
    });
    const tgId = await account({
      platform: 'telegram',
      name: 'telegram',
      credentials: { botToken: tg.botToken },
      settings: { chatId: String(tg.chats[0].id), apiBaseUrl: tg.baseUrl },
    });

    // Every post due at one moment, far enough ahead that creating them all over the API finishes first.
    const dueAt = Date.now() + Math.max(15_000, posts * 250);
    for (let i = 0; i < posts; i++) {
      const article = await api
        .post('/api/v1/articles')
        .send({ url: `https://bench.example/budgets/${i}`, title: `Budget bench article number ${i}`, text: 'Body.' });
      if (article.status !== 201) throw new Error(`article ${i}: ${article.status} ${JSON.stringify(article.body)}`);
      const res = await api
        .post('/api/v1/posts')
        .send({ articleId: article.body.id, accountIds: [gabId, tgId], scheduledAt: new Date(dueAt).toISOString() });
      if (res.status !== 201) throw new Error(`post ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    if (Date.now() > dueAt) console.warn('warning: scheduling took longer than the lead time; posts were already due');

    const deadline = dueAt + timeoutMs;
    let lastLine = '';
    while (Date.now() < deadline && (gab.statuses.length < posts || tg.messages.length < posts)) {
      await new Promise((r) => setTimeout(r, 1000));
      const line = `gab ${gab.statuses.length}/${posts} (refused ${gab.rateRefusals}), telegram ${tg.messages.length}/${posts} (refused ${tg.rateRefusals})`;
      if (line !== lastLine) console.error(`${((Date.now() - dueAt) / 1000).toFixed(0)} s: ${line}`);
      lastLine = line;
    }
    // A little longer, so a late duplicate or refusal still shows.
    await new Promise((r) => setTimeout(r, 2000));

    const result = {
      posts,
      timedOut: gab.statuses.length < posts || tg.messages.length < posts,
      timeoutSeconds: timeoutMs / 1000,
      gab: report(
        posts,
        gab.statuses.map((s) => s.createdAt.getTime()),
        dueAt,
        gab.rateRefusals,
      ),
      telegram: report(
        posts,
        tg.messages.map((m) => m.at.getTime()),
        dueAt,
        tg.rateRefusals,
      ),
      goal: 'at most 1 refusal per platform; pace at most 20 per 60 s',
    };
    console.log(JSON.stringify(result, null, 2));
    if (result.timedOut) console.error(`\nend of the Crier log:\n${crier.output.slice(-4000)}`);
  } finally {
    await crier.stop();
    await Promise.all([gab.stop(), tg.stop()]);
    await env.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
