/**
 * End-to-end throughput: posts created over the API, and deliveries published by one worker process to a fake
 * Telegram and a fake Mastodon on loopback. Usage: `npm run build && npx tsx bench/publish-throughput.ts [posts] [accounts]`.
 * Needs the local Redis and PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test).
 */
import { MastodonFake } from '../test/fakes/mastodon.fake';
import { TelegramFake } from '../test/fakes/telegram.fake';
import { CrierProcess } from '../test/support/crier-process';
import { benchEnvironment } from './bench-env';
import { waitFor } from '../test/support/wait';

async function main() {
  const posts = Number(process.argv[2] ?? 200);
  const accountsPerPlatform = Number(process.argv[3] ?? 5);
  const env = await benchEnvironment();
  const { secrets } = env;
  const tg = await TelegramFake.start();
  // Generous rate limit in the fake: we measure Crier, not the platform's limiter.
  const masto = await MastodonFake.start({ flavour: 'mastodon', rateLimit: { limit: 1_000_000, windowMs: 300_000 } });
  const crier = await CrierProcess.start({
    role: 'all',
    databaseUrl: env.databaseUrl,
    ...secrets,
    env: {
      CRIER_LOG_LEVEL: 'warn',
      CRIER_WORKER_CONCURRENCY: '8',
      CRIER_HTTP_TIMEOUT_MS: '10000',
      CRIER_JOB_LOCK_MS: '30000',
    },
  });
  try {
    const api = crier.api();
    const accountIds: string[] = [];
    for (let i = 0; i < accountsPerPlatform; i++) {
      const a = await api.post('/api/v1/accounts').send({
        platform: 'telegram',
        name: `tg${i}`,
        credentials: { botToken: tg.botToken },
        settings: { chatId: String(tg.chats[0].id), apiBaseUrl: tg.baseUrl },
      });
      const b = await api.post('/api/v1/accounts').send({
        platform: 'mastodon',
        name: `m${i}`,
        credentials: { accessToken: masto.accessToken },
        settings: { apiBaseUrl: masto.baseUrl },
      });
      accountIds.push(a.body.id, b.body.id);
    }
    const createStart = performance.now();
    for (let i = 0; i < posts; i++) {
      const article = await api
        .post('/api/v1/articles')
        .send({ url: `https://bench.example/${i}`, title: `Bench article number ${i}`, text: 'Body.' });
      const res = await api.post('/api/v1/posts').send({ articleId: article.body.id, accountIds });
      if (res.status !== 201) throw new Error(`post ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const createMs = performance.now() - createStart;
    const deliveries = posts * accountIds.length;
    await waitFor(() => tg.messages.length + masto.statuses.length >= deliveries, {
      timeoutMs: 600_000,
      intervalMs: 200,
      what: 'every delivery',
    });
    const allMs = performance.now() - createStart;
    const metrics = await fetch(`${crier.url}/metrics`).then((r) => r.text());
    const lateness = (p: string) => {
      const sum = Number(
        new RegExp(`crier_publish_lateness_seconds_sum\\{platform="${p}"\\} ([\\d.e+-]+)`).exec(metrics)?.[1],
      );
      const count = Number(
        new RegExp(`crier_publish_lateness_seconds_count\\{platform="${p}"\\} (\\d+)`).exec(metrics)?.[1],
      );
      return (sum / count).toFixed(2);
    };
    const mem = await fetch(`${crier.url}/metrics`)
      .then((r) => r.text())
      .then((t) => Number(/crier_process_resident_memory_bytes (\d+)/.exec(t)?.[1]) / 2 ** 20);
    console.log(
      JSON.stringify(
        {
          posts,
          accounts: accountIds.length,
          deliveries,
          createPostsPerSecond: +(posts / (createMs / 1000)).toFixed(1),
          deliveriesPublishedPerSecond: +(deliveries / (allMs / 1000)).toFixed(1),
          meanLatenessSeconds: { telegram: lateness('telegram'), mastodon: lateness('mastodon') },
          residentMemoryMiB: +mem.toFixed(0),
          duplicates: tg.messages.length + masto.statuses.length - deliveries,
        },
        null,
        2,
      ),
    );
  } finally {
    await crier.stop();
    await Promise.all([tg.stop(), masto.stop()]);
    await env.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
