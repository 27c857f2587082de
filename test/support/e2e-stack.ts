import { Pool } from 'pg';
import IORedis from 'ioredis';
import { MastodonFake, MastodonFakeOptions } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import { CrierOptions, CrierProcess, E2E_QUEUE, E2E_REDIS_URL, testSecrets } from './crier-process';
import { freshDatabase, testPool } from './pg';
import { waitFor } from './wait';

/**
 * A fresh database, a unique queue prefix and helpers to run Crier processes on them. The queues are in Redis
 * under the prefix, or (CRIER_QUEUE=postgres) in schema bullmq of the fresh database.
 */
export class E2EStack {
  readonly secrets = testSecrets();
  readonly queue = E2E_QUEUE;
  processes: CrierProcess[] = [];
  db!: Pool;
  /** Redis runs only: the store of the queues. */
  redis!: IORedis;
  private dropDb!: () => Promise<void>;
  databaseUrl!: string;

  static async create(): Promise<E2EStack> {
    const s = new E2EStack();
    const fresh = await freshDatabase();
    s.databaseUrl = fresh.url;
    s.dropDb = fresh.drop;
    s.db = testPool(fresh.url, 2);
    if (s.queue === 'redis') s.redis = new IORedis(E2E_REDIS_URL);
    return s;
  }

  /** Whether the queue store keeps any job (pending or finished) with this id in the platform's queue. */
  async jobExists(platform: string, jobId: string): Promise<boolean> {
    if (this.queue === 'redis') {
      return (await this.redis.exists(`${this.secrets.queuePrefix}:publish-${platform}:${jobId}`)) === 1;
    }
    const { rows } = await this.db.query('SELECT 1 FROM bullmq.job WHERE queue = $1 AND id = $2', [
      `publish-${platform}`,
      jobId,
    ]);
    return rows.length > 0;
  }

  /**
   * Everything this instance keeps in the queue store, as text: every Redis key under the prefix whatever its type,
   * or every row of every table of schema bullmq. For tests that look for what must never be there (a secret).
   */
  async queueStoreDump(): Promise<string> {
    let dump = '';
    if (this.queue === 'redis') {
      for (const k of await this.redis.keys(`${this.secrets.queuePrefix}:*`)) {
        const type = await this.redis.type(k);
        dump += `${k}\n`;
        if (type === 'hash') dump += JSON.stringify(await this.redis.hgetall(k));
        else if (type === 'string') dump += await this.redis.get(k);
        else if (type === 'list') dump += JSON.stringify(await this.redis.lrange(k, 0, -1));
        else if (type === 'zset') dump += JSON.stringify(await this.redis.zrange(k, 0, -1));
        else if (type === 'set') dump += JSON.stringify(await this.redis.smembers(k));
        else if (type === 'stream') dump += JSON.stringify(await this.redis.xrange(k, '-', '+'));
        dump += '\n';
      }
      return dump;
    }
    const tables = await this.db.query<{ tablename: string }>(
      `select tablename from pg_tables where schemaname = 'bullmq'`,
    );
    for (const { tablename } of tables.rows) {
      const rows = await this.db.query<{ j: string }>(`select row_to_json(t)::text as j from bullmq."${tablename}" t`);
      dump += rows.rows.map((r) => r.j).join('\n') + '\n';
    }
    return dump;
  }

  /**
   * The queue store loses every job of this instance (Redis restarted without persistence, or the bullmq schema's
   * job rows gone); returns how many keys or rows went.
   */
  async loseAllJobs(): Promise<number> {
    if (this.queue === 'redis') {
      let deleted = 0;
      for await (const keys of this.redis.scanStream({ match: `${this.secrets.queuePrefix}:*`, count: 500 })) {
        if ((keys as string[]).length) deleted += await this.redis.del(...(keys as string[]));
      }
      return deleted;
    }
    return (await this.db.query('DELETE FROM bullmq.job')).rowCount ?? 0;
  }

  async start(role: CrierOptions['role'] = 'all', env: Record<string, string> = {}): Promise<CrierProcess> {
    const p = await CrierProcess.start({ role, databaseUrl: this.databaseUrl, ...this.secrets, env });
    this.processes.push(p);
    return p;
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    if (this.redis) {
      const keys = await this.redis.keys(`${this.secrets.queuePrefix}:*`);
      if (keys.length) await this.redis.del(...keys);
      this.redis.disconnect();
    }
    await this.db.end();
    await this.dropDb();
  }
}

/** What {@link useCrier} hands back: set in its `beforeAll`, so read the fields inside hooks and tests. */
export interface CrierHandle {
  stack: E2EStack;
  crier: CrierProcess;
}

/**
 * Registers a `beforeAll` that creates an {@link E2EStack} and starts one Crier process on it, and an `afterAll`
 * that closes the stack (and with it every process started on it).
 */
export function useCrier(role: CrierOptions['role'] = 'all', env: Record<string, string> = {}): CrierHandle {
  const handle: Partial<CrierHandle> = {};
  beforeAll(async () => {
    handle.stack = await E2EStack.create();
    handle.crier = await handle.stack.start(role, env);
  });
  afterAll(async () => {
    await handle.stack?.close();
  });
  return handle as CrierHandle;
}

type Api = ReturnType<CrierProcess['api']>;

/** Creates a text post to one account (or several), published now or at `scheduledAt`. */
export async function publishText(api: Api, accountIds: string | string[], text: string, scheduledAt?: string) {
  const body = { text, accountIds: ([] as string[]).concat(accountIds), ...(scheduledAt ? { scheduledAt } : {}) };
  const res = await api.post('/api/v1/posts').send(body).expect(201);
  const deliveries = res.body.deliveries as Array<{ id: string; platform: string }>;
  return {
    postId: res.body.id as string,
    deliveryId: deliveries[0].id,
    scheduledAt: res.body.scheduledAt as string,
    deliveries,
  };
}

/** The delivery's attempt log, oldest first. */
export async function attemptLog(api: Api, deliveryId: string): Promise<Array<Record<string, unknown>>> {
  const res = await api.get(`/api/v1/deliveries/${deliveryId}`).expect(200);
  return res.body.attemptLog;
}

export async function createTelegramAccount(api: Api, tg: TelegramFake, name = 'Telegram channel'): Promise<string> {
  const res = await api
    .post('/api/v1/accounts')
    .send({
      platform: 'telegram',
      name,
      credentials: { botToken: tg.botToken },
      settings: { chatId: String(tg.chats[0].id), apiBaseUrl: tg.baseUrl },
    })
    .expect(201);
  return res.body.id as string;
}

export async function createMastodonAccount(api: Api, fake: MastodonFake, name = 'Mastodon'): Promise<string> {
  const res = await api
    .post('/api/v1/accounts')
    .send({
      platform: fake.flavour,
      name,
      credentials: { accessToken: fake.accessToken },
      settings: { apiBaseUrl: fake.baseUrl },
    })
    .expect(201);
  return res.body.id as string;
}

export async function startMastodon(opts: MastodonFakeOptions = {}): Promise<MastodonFake> {
  return MastodonFake.start(opts);
}

export async function createArticle(
  api: Api,
  over: Record<string, unknown> = {},
): Promise<{ id: string; url: string; title: string }> {
  const res = await api.post('/api/v1/articles').send({
    url: `https://news.example/2026/${Math.random().toString(36).slice(2)}`,
    title: 'Council approves the new budget after a long night',
    text: 'The council voted 7-2 on Tuesday.\n\nPlease follow us on Gab, Telegram and Truth Social!\n\nThe plan starts in May.',
    ...over,
  });
  if (res.status !== 201) throw new Error(`article: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Waits until the delivery reaches one of `statuses`; returns the post's delivery. */
export async function waitForDelivery(
  api: Api,
  postId: string,
  deliveryId: string,
  statuses: string[],
  timeoutMs = 20_000,
) {
  return waitFor(
    async () => {
      const res = await api.get(`/api/v1/posts/${postId}`);
      const d = (res.body.deliveries as Array<Record<string, unknown>>).find((x) => x.id === deliveryId);
      return d && statuses.includes(String(d.status)) ? d : null;
    },
    { timeoutMs, what: `delivery ${deliveryId} to become ${statuses.join('|')}` },
  );
}

export const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
