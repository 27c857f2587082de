import { COMPLETIONS, FAKE_SUMMARY, LlmFake, openAiError, requestedMaxChars } from '../../test/fakes/llm.fake';
import { NEWS_PAGE } from '../../test/fixtures/articles';
import { getAdapter } from '../platforms/platform.registry';
import { cleanArticle } from './article-cleaner';
import { ArticleComposer, ArticleToCompose, ComposeTarget } from './article-composer';
import { LlmSummarizer } from './llm-summarizer';

const clean = cleanArticle(NEWS_PAGE);
const article: ArticleToCompose = {
  url: 'https://n.example/a',
  title: NEWS_PAGE.title,
  text: clean.text,
  lead: clean.lead,
  imageUrl: null,
  tags: [],
  lang: 'en',
};
const targets: ComposeTarget[] = (['x', 'mastodon', 'telegram', 'facebook'] as const).map((id) => ({
  adapter: getAdapter(id),
  remote: null,
}));

describe('ArticleComposer', () => {
  let fake: LlmFake;
  let problems: string[];
  const composer = () =>
    new ArticleComposer(
      new LlmSummarizer({ baseUrl: fake.apiBaseUrl, model: fake.model, apiKey: fake.apiKey, timeoutMs: 500 }),
      (r) => problems.push(r),
    );

  beforeAll(async () => {
    fake = await LlmFake.start();
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.reset();
    fake.answer = () => FAKE_SUMMARY;
    problems = [];
  });

  it('without an LLM composes the extractive summary', async () => {
    const [x] = await new ArticleComposer(null).compose(article, targets.slice(0, 1));
    expect(x.text).toBe(`${clean.paragraphs[0]}\n\nhttps://n.example/a`);
  });

  it('ignores a template that is not valid (saved before validation), with a warning, instead of failing', async () => {
    const [x] = await new ArticleComposer(null).compose(article, [{ ...targets[0], template: '{title} {body}' }]);
    expect(x.text).toBe(`${clean.paragraphs[0]}\n\nhttps://n.example/a`);
    expect(x.warnings[0]).toMatch(
      /^template ignored \(it has an unknown placeholder \{body\}.*\); platform default used$/,
    );
  });

  it("uses the LLM's summary where it fits, asking once per length and reusing answers later", async () => {
    const c = composer();
    const items = await c.compose(article, targets);
    for (const item of items) {
      expect(item.warnings).toEqual([]);
      expect(item.length).toBeLessThanOrEqual(item.limit);
    }
    expect(items[2].text).toBe(`<b>${NEWS_PAGE.title}</b>\n\n${FAKE_SUMMARY}\n\nhttps://n.example/a`);
    // X and Mastodon want a one-sentence hook: the two-sentence answer gives way by whole sentences.
    expect(items[0].text).toBe('The council passed the budget after a night of debate.\n\nhttps://n.example/a');
    const asked = fake.chats.map(requestedMaxChars);
    expect(new Set(asked).size).toBe(asked.length);
    await c.compose(article, targets);
    expect(fake.chats).toHaveLength(asked.length);
  });

  it('asks once more when the answer is too long, then uses the shorter one', async () => {
    let calls = 0;
    fake.answer = (req) =>
      ++calls === 1
        ? 'A very long answer that goes on. '.repeat(20).trim()
        : `Short enough (${requestedMaxChars(req)}).`;
    const [x] = await composer().compose(article, targets.slice(0, 1));
    expect(fake.chats).toHaveLength(2);
    expect(fake.chats[1].messages[0].content).toMatch(/previous summary had \d+ characters: that is too long/);
    expect(x.text).toMatch(/^Short enough \(\d+\)\.\n\nhttps:\/\/n\.example\/a$/);
    expect(x.warnings).toEqual([]);
  });

  it('falls back to the extractive summary, with a warning, when the answer is too long twice', async () => {
    fake.answer = () => 'Too long. '.repeat(100).trim();
    const [x] = await composer().compose(article, targets.slice(0, 1));
    expect(fake.chats).toHaveLength(2);
    expect(x.text).toBe(`${clean.paragraphs[0]}\n\nhttps://n.example/a`);
    expect(x.warnings[0]).toMatch(
      /^LLM summary not used \(too long twice \(\d+ > \d+\)\); extractive summary instead$/,
    );
  });

  it.each([
    ['an error', openAiError(500, 'boom'), 'HTTP 500'],
    ['a timeout', { delayMs: 800 }, 'timed out after 500 ms'],
    ['an empty answer', { status: 200, body: { choices: [{ message: { content: '' } }] } }, 'empty answer'],
  ])('falls back to the extractive summary on %s, and reports it', async (_what, fault, reason) => {
    fake.failNext(COMPLETIONS, fault);
    const [x] = await composer().compose(article, targets.slice(0, 1));
    expect(x.text).toBe(`${clean.paragraphs[0]}\n\nhttps://n.example/a`);
    expect(x.warnings).toEqual([`LLM summary not used (${reason}); extractive summary instead`]);
    expect(problems).toEqual([reason]);
  });

  it('does not ask for an article without a body, or for a template without {summary}', async () => {
    await composer().compose({ ...article, text: '' }, targets);
    await composer().compose(article, [{ ...targets[0], template: '{title} {url}' }]);
    expect(fake.chats).toHaveLength(0);
  });
});
