/**
 * Feed polling. (1) In process: parsing and keying RSS/Atom/WordPress documents. (2) The built Crier
 * (`CRIER_ROLE=all`, PostgreSQL, polling every second) against a local feed server: a burst of new items taken
 * and scheduled, then many feeds polled with nothing new (full reads, then 304s), with the process's memory.
 * Usage: `npm run build && npx tsx bench/feeds.ts [burstItems] [feeds]`. Needs the local Redis and PostgreSQL.
 */
import { Pool } from 'pg';
import { parseFeed } from '../src/feeds/feed-parser';
import { itemKeys } from '../src/feeds/item-keys';
import { TelegramFake } from '../test/fakes/telegram.fake';
import { CrierProcess } from '../test/support/crier-process';
import { benchEnvironment } from './bench-env';
import { FeedServer, FeedServerKind, TestItem } from '../test/support/feed-server';
import { waitFor } from '../test/support/wait';

const burst = Number(process.argv[2] ?? 500);
const feedCount = Number(process.argv[3] ?? 200);
const ITEMS_PER_FEED = 20;
const body = `<p>${'The council voted 7-2 on Tuesday to approve the budget after a long night. '.repeat(40)}</p>`;
let seq = 0;
const item = (): TestItem => {
  seq++;
  return {
    guid: `urn:bench:${seq}`,
    link: `https://news.example/2026/bench-${seq}?utm_source=rss`,
    title: `Bench story ${seq}`,
    html: body,
    categories: ['Local', 'Budget'],
  };
};
const mib = (bytes: number) => +(bytes / 2 ** 20).toFixed(0);

async function parsing(server: FeedServer): Promise<void> {
  for (const kind of ['rss', 'atom', 'wordpress'] as FeedServerKind[]) {
    const url = server.feed(`/parse-${kind}`, kind, Array.from({ length: 200 }, item));
    const doc = await fetch(url).then((r) => r.text());
    for (let i = 0; i < 5; i++) parseFeed(doc, url); // warm-up
    const heap = process.memoryUsage().heapUsed;
    const start = performance.now();
    const rounds = 30;
    for (let i = 0; i < rounds; i++) for (const it of parseFeed(doc, url).items) itemKeys(it);
    const ms = performance.now() - start;
    console.log(
      JSON.stringify({
        step: `parse+key ${kind}`,
        docKiB: Math.round(doc.length / 1024),
        itemsPerSecond: Math.round((rounds * 200) / (ms / 1000)),
        heapGrowthMiB: mib(process.memoryUsage().heapUsed - heap),
      }),
    );
  }
}

async function main() {
  const env = await benchEnvironment();
  const { secrets } = env;
  const server = await FeedServer.start();
  const tg = await TelegramFake.start();
  await parsing(server);
  const crier = await CrierProcess.start({
    role: 'all',
    databaseUrl: env.databaseUrl,
    ...secrets,
    env: {
      CRIER_LOG_LEVEL: 'warn',
      CRIER_FEEDS_POLL_SECONDS: '1',
      CRIER_FEEDS_ALLOW_PRIVATE: 'true',
      CRIER_HTTP_TIMEOUT_MS: '10000',
    },
  });
  const db = new Pool({ connectionString: env.databaseUrl, max: 2 });
  const metric = async (name: string) =>
    Number(new RegExp(`${name} ([\\d.e+-]+)`).exec(await fetch(`${crier.url}/metrics`).then((r) => r.text()))?.[1]);
  const memory = async () => mib(await metric('crier_process_resident_memory_bytes'));
  try {
    const api = crier.api();
    const acc = await api.post('/api/v1/accounts').send({
      platform: 'telegram',
      name: 'tg',
      credentials: { botToken: tg.botToken },
      settings: { chatId: String(tg.chats[0].id), apiBaseUrl: tg.baseUrl },
    });
    const accountIds = [acc.body.id as string];
    // A day's delay: the deliveries wait, so only taking and scheduling is measured.
    const feedUrl = server.feed('/burst', 'rss', []);
    const feed = await api.post('/api/v1/feeds').send({ url: feedUrl, accountIds, delay: 86_400, spacing: 30 });
    server.addItems('/burst', ...Array.from({ length: burst }, item));
    let state: Record<string, unknown> = {};
    await waitFor(
      async () => {
        state = (await api.get(`/api/v1/feeds/${feed.body.id}`)).body;
        return (state.items as Record<string, number>).scheduled === burst;
      },
      { timeoutMs: 600_000, intervalMs: 500, what: 'the burst' },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nfeed: ${JSON.stringify(state)}\n${crier.output.slice(-3000)}`);
    });
    const span = await db.query(
      `select extract(epoch from max(updated_at) - min(first_seen_at)) as s from feed_items where feed_id = $1`,
      [feed.body.id],
    );
    const posts = await db.query('select count(*)::int as n from posts');
    console.log(
      JSON.stringify({
        step: 'burst',
        items: burst,
        itemsScheduledPerSecond: +(burst / Number(span.rows[0].s)).toFixed(1),
        posts: posts.rows[0].n,
        rssMiB: await memory(),
      }),
    );

    const addStart = performance.now();
    for (let i = 0; i < feedCount; i++) {
      const url = server.feed(
        `/many/${i}`,
        i % 3 === 0 ? 'atom' : i % 3 === 1 ? 'rss' : 'wordpress',
        Array.from({ length: ITEMS_PER_FEED }, item),
      );
      const res = await api.post('/api/v1/feeds').send({ url, accountIds });
      if (res.status !== 201) throw new Error(`feed ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const addMs = performance.now() - addStart;
    console.log(
      JSON.stringify({ step: 'add', feeds: feedCount, feedsAddedPerSecond: +(feedCount / (addMs / 1000)).toFixed(1) }),
    );
    for (const conditional of [false, true]) {
      server.conditional = conditional;
      await new Promise((r) => setTimeout(r, 3000)); // settle into the new mode
      const before = server.requests.length;
      const cpuBefore = await metric('crier_process_cpu_seconds_total');
      const start = performance.now();
      await new Promise((r) => setTimeout(r, 30_000));
      const fetches = server.requests.length - before;
      const cpuMs = ((await metric('crier_process_cpu_seconds_total')) - cpuBefore) * 1000;
      const s = (performance.now() - start) / 1000;
      console.log(
        JSON.stringify({
          step: conditional ? 'steady, 304s' : 'steady, full reads',
          feeds: feedCount,
          fetchesPerSecond: +(fetches / s).toFixed(1),
          itemsCheckedPerSecond: conditional ? 0 : Math.round((fetches * ITEMS_PER_FEED) / s),
          crierCpuMsPerPoll: +(cpuMs / fetches).toFixed(1),
          rssMiB: await memory(),
          heapUsedMiB: mib(await metric('crier_nodejs_heap_size_used_bytes')),
        }),
      );
    }
    const dup = await db.query('select count(*)::int as n from posts');
    console.log(JSON.stringify({ step: 'check', postsAfterSteadyPolling: dup.rows[0].n, expected: burst }));
  } finally {
    await crier.stop();
    await db.end();
    await Promise.all([server.stop(), tg.stop()]);
    await env.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
