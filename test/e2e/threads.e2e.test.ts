import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { XFake } from '../fakes/x.fake';
import { attemptLog, createArticle, useCrier, waitForDelivery } from '../support/e2e-stack';

jest.setTimeout(60_000);

/**
 * Threads (settings.thread, Mastodon family): a long article goes out as numbered parts, each a reply to the one
 * before (`in_reply_to_id`), each with its own Idempotency-Key; a failing part is named in the delivery's error,
 * and a retry resumes at that part without re-posting the earlier ones. On X the parts are self-replies; where X
 * refuses them (self-serve apps may reply only when summoned, docs/PLATFORMS.md §3.9), part 2 fails with X's reason.
 */
describe('threads', () => {
  const e2e = useCrier();
  let masto: MastodonFake;

  const body = Array.from(
    { length: 8 },
    (_, i) => `In item ${i + 1} of the agenda the council debated the budget for the coming year at great length.`,
  ).join('\n\n');

  beforeEach(async () => {
    masto = await MastodonFake.start({ flavour: 'mastodon', maxCharacters: 200 });
  });

  afterEach(async () => {
    await masto?.stop();
  });

  async function threadAccount(): Promise<string> {
    const api = e2e.crier.api();
    const res = await api
      .post('/api/v1/accounts')
      .send({
        platform: 'mastodon',
        name: 'Mastodon thread',
        credentials: { accessToken: masto.accessToken },
        settings: { apiBaseUrl: masto.baseUrl, thread: 'true' },
      })
      .expect(201);
    expect(res.body.settings.thread).toBe('true');
    // Verify first, so the instance's max_characters (200) is learned.
    const v = await api.post(`/api/v1/accounts/${res.body.id}/verify`).expect(200);
    expect(v.body.ok).toBe(true);
    return res.body.id as string;
  }

  async function postArticle(accountId: string, given?: { id: string; url: string }) {
    const api = e2e.crier.api();
    const article = given ?? (await createArticle(api, { text: body }));
    const res = await api
      .post('/api/v1/posts')
      .send({ articleId: article.id, accountIds: [accountId] })
      .expect(201);
    const d = res.body.deliveries[0] as { id: string; text: string; parts: string[] };
    return { article, postId: res.body.id as string, delivery: d };
  }

  const numberOf = (t: string) => (/ \((\d+)\/(\d+)\)$/.exec(t) ?? []).slice(1).map(Number);

  it('previews show the parts; a long article is posted as numbered replies in order; remoteId is part 1', async () => {
    const api = e2e.crier.api();
    const accountId = await threadAccount();

    const article = await createArticle(api, { text: body });
    const preview = await api
      .post('/api/v1/previews')
      .send({ articleId: article.id, accountIds: [accountId] })
      .expect(200);
    const item = preview.body.items[0] as {
      text: string;
      limit: number;
      parts: Array<{ text: string; length: number }>;
    };
    expect(item.limit).toBe(200);
    expect(item.parts.length).toBeGreaterThan(2);
    expect(item.text).toBe(item.parts[0].text);
    for (const p of item.parts) expect(p.length).toBeLessThanOrEqual(200);

    const { postId, delivery } = await postArticle(accountId, article);
    const n = delivery.parts.length;
    expect(delivery.parts).toEqual(item.parts.map((p) => p.text));
    expect(delivery.text).toBe(delivery.parts[0]);
    expect(delivery.parts[0]).toContain(article.url);

    const done = await waitForDelivery(api, postId, delivery.id, ['published']);
    expect(masto.statuses).toHaveLength(n);
    masto.statuses.forEach((s, j) => {
      expect(s.text).toBe(delivery.parts[j]);
      expect(numberOf(s.text)).toEqual([j + 1, n]);
      expect(s.inReplyToId).toBe(j === 0 ? undefined : masto.statuses[j - 1].id);
      expect(s.idempotencyKey).toBe(j === 0 ? delivery.id : `${delivery.id}:${j + 1}`);
    });
    expect(done.remoteId).toBe(masto.statuses[0].id);
    expect(done.remoteUrl).toBe(masto.statuses[0].url);
    expect(done.threadRemoteIds).toEqual(masto.statuses.map((s) => s.id));
    expect(done.error).toBeNull();
  });

  it('a failing part 2 fails the delivery naming the part; a retry resumes at part 2 without re-posting part 1', async () => {
    const api = e2e.crier.api();
    const accountId = await threadAccount();
    // The first create is part 1 (passes through), the second (part 2) is refused.
    masto.failNext('POST /api/v1/statuses', {}, 1);
    masto.failNext('POST /api/v1/statuses', mastodonError(422, 'Validation failed: Text is not allowed'));

    const { postId, delivery } = await postArticle(accountId);
    const n = delivery.parts.length;
    const failed = await waitForDelivery(api, postId, delivery.id, ['failed']);
    expect(String(failed.error)).toMatch(new RegExp(`^part 2 of ${n}: .*Validation failed: Text is not allowed$`));
    expect(masto.statuses).toHaveLength(1);
    expect(failed.threadRemoteIds).toEqual([masto.statuses[0].id]);

    const log = await attemptLog(api, delivery.id);
    expect(log).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'published', remoteId: masto.statuses[0].id }),
      expect.objectContaining({ attempt: 1, outcome: 'permanent', statusCode: 422 }),
    ]);
    expect(String(log[1].error)).toMatch(new RegExp(`^part 2 of ${n}: `));

    await api.post(`/api/v1/deliveries/${delivery.id}/retry`).expect(200);
    const done = await waitForDelivery(api, postId, delivery.id, ['published']);
    expect(masto.statuses).toHaveLength(n);
    expect(masto.statuses.map((s) => s.text)).toEqual(delivery.parts);
    expect(masto.statuses.filter((s) => s.text === delivery.parts[0])).toHaveLength(1);
    const creates = masto.requestsTo('POST /api/v1/statuses');
    expect(creates.filter((r) => (r.body as { status: string }).status === delivery.parts[0])).toHaveLength(1);
    masto.statuses.slice(1).forEach((s, j) => expect(s.inReplyToId).toBe(masto.statuses[j].id));
    expect(done.remoteId).toBe(masto.statuses[0].id);
    expect(done.error).toBeNull();
  });

  it('on X: the parts go out as self-replies in order', async () => {
    const api = e2e.crier.api();
    const x = await XFake.start();
    try {
      const account = await api
        .post('/api/v1/accounts')
        .send({
          platform: 'x',
          name: 'X thread',
          credentials: x.oauth1Credentials(),
          settings: { apiBaseUrl: x.baseUrl, thread: 'true' },
        })
        .expect(201);
      const { postId, delivery } = await postArticle(account.body.id);
      expect(delivery.parts.length).toBeGreaterThan(1);
      const done = await waitForDelivery(api, postId, delivery.id, ['published', 'failed']);
      expect(done.status).toBe('published');
      expect(x.tweets.map((t) => t.text)).toEqual(delivery.parts);
      expect(x.tweets[0].inReplyTo).toBeUndefined();
      for (let k = 1; k < x.tweets.length; k++) expect(x.tweets[k].inReplyTo).toBe(x.tweets[k - 1].id);
      expect(done.remoteId).toBe(x.tweets[0].id);
    } finally {
      await x.stop();
    }
  });

  it('on X, where replies are refused (self-serve apps, not summoned): part 1 stays out, part 2 fails with the reason', async () => {
    const api = e2e.crier.api();
    const x = await XFake.start({ refuseReplies: true });
    try {
      const account = await api
        .post('/api/v1/accounts')
        .send({
          platform: 'x',
          name: 'X refused',
          credentials: x.oauth1Credentials(),
          settings: { apiBaseUrl: x.baseUrl, thread: 'true' },
        })
        .expect(201);
      const { postId, delivery } = await postArticle(account.body.id);
      const n = delivery.parts.length;
      const done = await waitForDelivery(api, postId, delivery.id, ['published', 'failed']);
      expect(done.status).toBe('failed');
      expect(String(done.error)).toMatch(new RegExp(`^part 2 of ${n}: .*not allowed`));
      expect(x.tweets).toHaveLength(1);
      expect(done.remoteId).toBe(x.tweets[0].id);
    } finally {
      await x.stop();
    }
  });

  it('refuses settings.thread where there are no threads, and a value that is not true or false', async () => {
    const api = e2e.crier.api();
    const tg = await api
      .post('/api/v1/accounts')
      .send({
        platform: 'telegram',
        name: 'T',
        credentials: { botToken: '1:abc' },
        settings: { chatId: '-1001', thread: 'true' },
      })
      .expect(400);
    expect(JSON.stringify(tg.body)).toMatch(/settings\.thread is not available on telegram/);

    const bad = await api
      .post('/api/v1/accounts')
      .send({
        platform: 'mastodon',
        name: 'M',
        credentials: { accessToken: 'a' },
        settings: { apiBaseUrl: masto.baseUrl, thread: 'yes' },
      })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('settings.thread must be true or false');
  });
});
