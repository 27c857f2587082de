import { COMPLETIONS, FAKE_SUMMARY, LlmFake, openAiError } from '../fakes/llm.fake';
import { MastodonFake } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import { NEWS_PAGE } from '../fixtures/articles';
import { CrierProcess } from '../support/crier-process';
import { createMastodonAccount, createTelegramAccount, E2EStack, waitForDelivery } from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

const PLATFORMS = ['gab', 'gabtv', 'truthsocial', 'minds', 'gettr', 'rumble', 'telegram', 'x', 'facebook', 'mastodon'];
const BOILERPLATE =
  /follow us|share on|subscribe|newsletter|pic\.twitter|Reuters\/John|Jane Doe|Related|@NewsExample|Most read|©/i;

interface Item {
  platform: string;
  accountId: string | null;
  text: string;
  length: number;
  limit: number;
  warnings: string[];
}

const link = (item: Item, url: string) => (item.platform === 'telegram' ? url.replace(/&/g, '&amp;') : url);

describe('POST /api/v1/previews', () => {
  let stack: E2EStack;
  let crier: CrierProcess;
  let withLlm: CrierProcess;
  let tg: TelegramFake;
  let masto: MastodonFake;
  let llm: LlmFake;
  const article = { url: NEWS_PAGE.url, title: NEWS_PAGE.title, html: NEWS_PAGE.html, tags: NEWS_PAGE.tags };

  beforeAll(async () => {
    stack = await E2EStack.create();
    [tg, masto, llm] = await Promise.all([
      TelegramFake.start(),
      MastodonFake.start({ flavour: 'mastodon', maxCharacters: 200 }),
      LlmFake.start(),
    ]);
    crier = await stack.start('all');
    // A second API process on the same database, with the LLM summarizer pointed at the fake.
    withLlm = await stack.start('api', {
      CRIER_LLM_BASE_URL: llm.apiBaseUrl,
      CRIER_LLM_MODEL: llm.model,
      CRIER_LLM_API_KEY: llm.apiKey,
      CRIER_LLM_TIMEOUT_MS: '1000',
    });
  });

  afterAll(async () => {
    await stack?.close();
    await Promise.all([tg?.stop(), masto?.stop(), llm?.stop()]);
  });

  it('returns for every platform a text within its limit, with the link and without boilerplate', async () => {
    const res = await crier.api().post('/api/v1/previews').send({ article, platforms: PLATFORMS }).expect(200);
    const items = res.body.items as Item[];
    expect(items.map((i) => i.platform)).toEqual(PLATFORMS);
    for (const item of items) {
      expect(item.accountId).toBeNull();
      expect(item.length).toBeLessThanOrEqual(item.limit);
      expect(item.text).toContain(link(item, NEWS_PAGE.url));
      expect(item.text).not.toMatch(BOILERPLATE);
      expect(item.warnings).toEqual([]);
    }
    const byId = Object.fromEntries(items.map((i) => [i.platform, i]));
    expect(byId.telegram.text).toMatch(
      /^<b>Council approves the 2027 budget after a long night<\/b>\n\nThe city council approved/,
    );
    expect(byId.x.text).toMatch(
      /^The city council approved the 2027 budget .*\.\n\nhttps:\/\/news\.example\/.*\n\n#CityCouncil #Budget2027$/,
    );
    expect(byId.x.limit).toBe(280);
  });

  it('previews by account with its template and its instance limit; a bad template is a 400 naming settings.template', async () => {
    const api = crier.api();
    const mastoId = await createMastodonAccount(api, masto);
    await api.post(`/api/v1/accounts/${mastoId}/verify`).expect(200);
    await api
      .patch(`/api/v1/accounts/${mastoId}`)
      .send({ settings: { template: '{title}\n{url} {hashtags}' } })
      .expect(200);
    const tgId = await createTelegramAccount(api, tg);
    for (const template of ['{title} {link}', '{title}', '<b>{title}\n{url}']) {
      const bad = await api.patch(`/api/v1/accounts/${tgId}`).send({ settings: { template } }).expect(400);
      expect(bad.body.message).toContain('settings.template');
    }

    const res = await api
      .post('/api/v1/previews')
      .send({ article, accountIds: [mastoId, tgId] })
      .expect(200);
    const [m, t] = res.body.items as Item[];
    expect(m).toMatchObject({ platform: 'mastodon', accountId: mastoId, limit: 200 });
    expect(m.text).toBe(`${NEWS_PAGE.title}\n${NEWS_PAGE.url} #CityCouncil #Budget2027 #PublicTransport`);
    expect(t).toMatchObject({ platform: 'telegram', accountId: tgId, limit: 4096 });
  });

  it('sends exactly the previewed text: the delivery stores it and the worker publishes it', async () => {
    const api = crier.api();
    const stored = await api
      .post('/api/v1/articles')
      .send({ ...article, url: `${NEWS_PAGE.url}&copy=2` })
      .expect(201);
    expect(stored.body.text).not.toMatch(BOILERPLATE);
    const tgId = await createTelegramAccount(api, tg, 'Preview channel');
    const mastoId = await createMastodonAccount(api, masto, 'Preview masto');
    const preview = await api
      .post('/api/v1/previews')
      .send({ articleId: stored.body.id, accountIds: [tgId, mastoId] })
      .expect(200);
    const post = await api
      .post('/api/v1/posts')
      .send({ articleId: stored.body.id, accountIds: [tgId, mastoId] })
      .expect(201);
    const deliveries = post.body.deliveries as { id: string; accountId: string; text: string }[];
    for (const item of preview.body.items as Item[]) {
      expect(deliveries.find((d) => d.accountId === item.accountId)?.text).toBe(item.text);
    }
    for (const d of deliveries) await waitForDelivery(api, post.body.id, d.id, ['published']);
    const previewed = (id: string) => (preview.body.items as Item[]).find((i) => i.accountId === id)!.text;
    expect(tg.messages.map((msg) => msg.text)).toContain(previewed(tgId));
    expect(masto.statuses.map((s) => s.text)).toContain(previewed(mastoId));
  });

  it('uses the LLM summary when configured, and falls back with a warning when it fails', async () => {
    const api = withLlm.api();
    const ok = await api
      .post('/api/v1/previews')
      .send({ article, platforms: ['telegram', 'x'] })
      .expect(200);
    const [t, x] = ok.body.items as Item[];
    expect(t.text).toBe(
      `<b>${NEWS_PAGE.title}</b>\n\n${FAKE_SUMMARY}\n\n${link(t, NEWS_PAGE.url)}\n\n#CityCouncil #Budget2027 #PublicTransport`,
    );
    expect(x.text.startsWith('The council passed the budget after a night of debate.\n\n')).toBe(true);
    expect(llm.requestsTo(COMPLETIONS).every((r) => r.headers.authorization === `Bearer ${llm.apiKey}`)).toBe(true);

    llm.failNext(COMPLETIONS, openAiError(500, 'overloaded'), 5);
    const other = { ...article, title: `${NEWS_PAGE.title} (update)` };
    const failed = await api
      .post('/api/v1/previews')
      .send({ article: other, platforms: ['mastodon'] })
      .expect(200);
    const [m] = failed.body.items as Item[];
    expect(m.warnings).toEqual(['LLM summary not used (HTTP 500); extractive summary instead']);
    expect(m.text.startsWith('The city council approved the 2027 budget')).toBe(true);
    await waitFor(async () => withLlm.output.includes('LLM summary failed (HTTP 500)'), {
      timeoutMs: 5000,
      what: 'the LLM failure in the log',
    });
    expect(withLlm.output).not.toContain(llm.apiKey);
    llm.clearFaults();
  });
});
