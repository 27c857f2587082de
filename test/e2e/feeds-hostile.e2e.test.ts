import { TelegramFake } from '../fakes/telegram.fake';
import { CrierProcess } from '../support/crier-process';
import { createTelegramAccount, E2EStack, inSeconds, publishText } from '../support/e2e-stack';
import { FeedServer, TestItem } from '../support/feed-server';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

/**
 * The built Crier (one process, all roles) polls a feed full of poison while a post is due: the post goes out on
 * time, /health answers within 2 s throughout, the poisoned item fails with its reason and the rest is published.
 * Before the content pool each of these items held the event loop for tens of seconds or more: `<script` repeated
 * (quadratic tag stripping), 2,000 nested <div>s (Readability, 13.8 s), a byline-shaped paragraph (exponential).
 */
describe('feeds: a hostile feed never delays publishing or /health', () => {
  let stack: E2EStack;
  let crier: CrierProcess;
  let tg: TelegramFake;
  let server: FeedServer;
  let tgId: string;
  const api = () => crier.api();

  beforeAll(async () => {
    stack = await E2EStack.create();
    [tg, server] = await Promise.all([TelegramFake.start(), FeedServer.start()]);
    crier = await stack.start('all', { CRIER_FEEDS_ALLOW_PRIVATE: 'true', CRIER_FEEDS_POLL_SECONDS: '1' });
    tgId = await createTelegramAccount(api(), tg);
  });

  afterAll(async () => {
    await stack?.close();
    await Promise.all([tg?.stop(), server?.stop()]);
  });

  /** GET /health every 200 ms, each with a 2 s deadline, until stopped; every answer's status and time. */
  function probeHealth() {
    const answers: Array<{ status: number; ms: number }> = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const started = Date.now();
        const status = await fetch(`${crier.url}/health`, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.status)
          .catch(() => 0);
        answers.push({ status, ms: Date.now() - started });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    return {
      answers,
      stop: async () => {
        running = false;
        await loop;
        return answers;
      },
    };
  }

  const sentAt = (text: string): Date[] =>
    tg
      .requestsTo(`POST /bot${tg.botToken}/sendMessage`)
      .filter((r) => (r.body as { text?: unknown } | undefined)?.text === text)
      .map((r) => r.at);

  it('publishes the due post on time and keeps /health answering while the poison is read', async () => {
    const url = server.feed('/hostile.xml', 'rss', [
      { guid: 'urn:calm', link: 'https://news.example/calm', title: 'Calm', html: '<p>Calm.</p>' },
    ]);
    const feed = await api()
      .post('/api/v1/feeds')
      .send({ url, accountIds: [tgId], spacing: 0 })
      .expect(201);
    const feedId = feed.body.id as string;

    const health = probeHealth();
    const text = 'Due while the feed is hostile';
    const due = await publishText(api(), tgId, text, inSeconds(4));
    const item = (name: string, html: string): TestItem => ({
      guid: `urn:${name}`,
      link: `https://news.example/${name}`,
      title: name,
      html,
    });
    const story = '<p>The council approved the budget on Tuesday after a long debate in the chamber.</p>';
    server.addItems(
      '/hostile.xml',
      item('deep', '<div>'.repeat(2000) + story),
      item('scripts', story + '<script'.repeat(100_000)),
      item('byline', '<p>By A' + 'ye'.repeat(56) + '!</p>' + story),
      item('long', story.repeat(15_000)),
    );

    await waitFor(() => sentAt(text).length === 1, { timeoutMs: 30_000, what: 'the due post' });
    const items = await waitFor(
      async () => {
        const res = await api().get(`/api/v1/feeds/${feedId}/items`).expect(200);
        const list = res.body as Array<{ title: string; status: string; error: string | null }>;
        return list.filter((i) => i.status === 'failed' || i.status === 'scheduled').length === 4 ? list : null;
      },
      { timeoutMs: 60_000, what: 'the four hostile items to be decided' },
    );
    await waitFor(
      () => ['scripts', 'byline', 'long'].every((n) => tg.messages.some((m) => m.text.includes(`news.example/${n}`))),
      {
        timeoutMs: 30_000,
        what: 'the three readable items on Telegram',
      },
    );
    const answers = await health.stop();

    expect(sentAt(text)[0].getTime() - new Date(due.scheduledAt).getTime()).toBeLessThan(5000);
    expect(items.find((i) => i.title === 'deep')).toMatchObject({
      status: 'failed',
      error: 'html nests elements more than 200 deep',
    });
    expect(answers.length).toBeGreaterThan(5);
    expect(answers.filter((a) => a.status !== 200 || a.ms >= 2000)).toEqual([]);
  });

  it('answers 422 naming the field for an article or preview the cleaner refuses', async () => {
    const html = '<div>'.repeat(2000) + '<p>deep</p>';
    const article = await api()
      .post('/api/v1/articles')
      .send({ url: 'https://news.example/deep-api', title: 'Deep', html })
      .expect(422);
    expect(article.body.message).toBe('html nests elements more than 200 deep');
    const preview = await api()
      .post('/api/v1/previews')
      .send({ article: { url: 'https://news.example/deep-preview', title: 'Deep', html }, platforms: ['telegram'] })
      .expect(422);
    expect(preview.body.message).toBe('article.html nests elements more than 200 deep');
  });
});
