import { MastodonFake } from '../fakes/mastodon.fake';
import { telegramError, TelegramFake } from '../fakes/telegram.fake';
import { CrierProcess } from '../support/crier-process';
import { createArticle, E2EStack, waitForDelivery } from '../support/e2e-stack';

jest.setTimeout(60_000);

/** Every place a credential could leak: logs, API answers, queue job data (Redis, or schema bullmq), and the database. */
describe('no credential ever leaves in plain text', () => {
  let stack: E2EStack;
  let crier: CrierProcess;
  let tg: TelegramFake;
  let masto: MastodonFake;
  const responses: string[] = [];

  beforeAll(async () => {
    stack = await E2EStack.create();
    tg = await TelegramFake.start({ botToken: '987654321:AAH-SecretBotTokenValue_0123456789xyz' });
    masto = await MastodonFake.start({ flavour: 'mastodon', accessToken: 'mastodon-secret-token-0123456789abcdef' });
    crier = await stack.start('all', { CRIER_LOG_LEVEL: 'trace' });
  });

  afterAll(async () => {
    await stack?.close();
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  const record = async <T extends { text: string }>(r: Promise<T> | T): Promise<T> => {
    const res = await r;
    responses.push(res.text);
    return res;
  };

  it('keeps tokens out of logs, responses, queue job data and the database', async () => {
    const api = crier.api();
    const tgAcc = await record(
      api.post('/api/v1/accounts').send({
        platform: 'telegram',
        name: 'TG',
        credentials: { botToken: tg.botToken },
        settings: { chatId: String(tg.chats[0].id), apiBaseUrl: tg.baseUrl },
      }),
    );
    expect(tgAcc.status).toBe(201);
    expect(tgAcc.body.credentials.botToken).toBe(`••••${tg.botToken.slice(-4)}`);
    const mAcc = await record(
      api.post('/api/v1/accounts').send({
        platform: 'mastodon',
        name: 'M',
        credentials: { accessToken: masto.accessToken },
        settings: { apiBaseUrl: masto.baseUrl },
      }),
    );
    await record(api.get('/api/v1/accounts'));
    await record(api.get(`/api/v1/accounts/${tgAcc.body.id}`));
    await record(api.post(`/api/v1/accounts/${tgAcc.body.id}/verify`));
    await record(api.post(`/api/v1/accounts/${mAcc.body.id}/verify`));
    // A bad-credential field name in the request must not be echoed back either.
    await record(api.post('/api/v1/accounts').send({ platform: 'telegram', name: 'x', credentials: { botToken: 5 } }));

    // One delivery publishes; one fails with the token-bearing URL in play (Telegram puts the token in the path).
    tg.failNext('sendMessage', telegramError(401, 'Unauthorized'));
    const article = await createArticle(api);
    const post = await record(
      api.post('/api/v1/posts').send({ articleId: article.id, accountIds: [tgAcc.body.id, mAcc.body.id] }),
    );
    expect(post.status).toBe(201);
    const [dTg, dM] = post.body.deliveries as Array<{ id: string; platform: string }>;
    await waitForDelivery(api, post.body.id, dTg.platform === 'telegram' ? dTg.id : dM.id, ['held']);
    await waitForDelivery(api, post.body.id, dTg.platform === 'telegram' ? dM.id : dTg.id, ['published']);
    await record(api.get(`/api/v1/posts/${post.body.id}`));
    await record(api.get(`/api/v1/deliveries/${dTg.id}`));
    await record(api.get(`/api/v1/deliveries/${dM.id}`));
    await record(api.get('/api/v1/queues'));

    const secrets = [
      tg.botToken,
      tg.botToken.split(':')[1],
      masto.accessToken,
      stack.secrets.apiToken,
      stack.secrets.secretKey,
    ];

    // API answers.
    for (const body of responses) for (const s of secrets) expect(body).not.toContain(s);

    // Logs (at trace level).
    expect(crier.output.length).toBeGreaterThan(0);
    for (const s of secrets) expect(crier.output).not.toContain(s);

    // Everything of this instance in the queue store (Redis keys, or schema bullmq's rows): job ids, never secrets.
    const queueDump = await stack.queueStoreDump();
    expect(queueDump).toContain(dTg.id);
    for (const s of secrets) expect(queueDump).not.toContain(s);

    // Every table of the database, as text.
    const tables = await stack.db.query<{ tablename: string }>(
      `select tablename from pg_tables where schemaname = 'public'`,
    );
    let dbDump = '';
    for (const { tablename } of tables.rows) {
      const rows = await stack.db.query(`select row_to_json(t)::text as j from "${tablename}" t`);
      dbDump += rows.rows.map((r: { j: string }) => r.j).join('\n');
    }
    expect(dbDump).toContain('credentials_enc');
    for (const s of secrets) expect(dbDump).not.toContain(s);
  });
});
