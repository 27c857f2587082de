import { COMPLETIONS, FAKE_SUMMARY, LlmFake, openAiError } from '../../test/fakes/llm.fake';
import { LlmError, LlmRequest, LlmSummarizer } from './llm-summarizer';

const request: LlmRequest = {
  title: 'Stadtrat beschließt Haushalt',
  text: 'Der Stadtrat hat am Dienstag den Haushalt beschlossen. Die Sitzung dauerte bis nach Mitternacht.',
  maxChars: 200,
  maxSentences: 2,
  lang: 'de',
};

describe('LlmSummarizer against an OpenAI-compatible fake', () => {
  let fake: LlmFake;
  let other: LlmFake;
  const summarizer = (over: Partial<{ apiKey: string; timeoutMs: number; model: string }> = {}) =>
    new LlmSummarizer({ baseUrl: fake.apiBaseUrl, model: fake.model, apiKey: fake.apiKey, timeoutMs: 2000, ...over });

  beforeAll(async () => {
    [fake, other] = await Promise.all([LlmFake.start(), LlmFake.start()]);
  });
  afterAll(async () => Promise.all([fake.stop(), other.stop()]));
  beforeEach(() => {
    fake.reset();
    fake.answer = () => FAKE_SUMMARY;
  });

  it('asks for a plain summary in the article language within the length, and returns it', async () => {
    expect(await summarizer().summarize(request)).toBe(FAKE_SUMMARY);
    const [chat] = fake.chats;
    expect(chat.model).toBe(fake.model);
    const system = chat.messages[0].content;
    expect(system).toContain('at most 200 characters');
    expect(system).toContain('At most 2 sentences');
    expect(system).toContain('same language as the article (de)');
    expect(chat.messages[1].content).toContain(request.text);
  });

  it('sends the key only in the Authorization header', async () => {
    await summarizer().summarize(request);
    const [req] = fake.requestsTo(COMPLETIONS);
    expect(req.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    const elsewhere = JSON.stringify({
      path: req.path,
      query: req.query,
      body: req.body,
      headers: { ...req.headers, authorization: undefined },
    });
    expect(elsewhere).not.toContain(fake.apiKey);
  });

  it('tidies what models like to add: a label, quotes, bold', async () => {
    fake.answer = () => 'Summary: "**Der Haushalt** ist beschlossen."';
    expect(await summarizer().summarize(request)).toBe('Der Haushalt ist beschlossen.');
  });

  it.each([
    ['a refused key', openAiError(401, 'Incorrect API key provided: sk-fake-***'), 'HTTP 401'],
    ['a server error', openAiError(500, 'The server had an error'), 'HTTP 500'],
    ['a rate limit', openAiError(429, 'Rate limit reached', 'requests'), 'HTTP 429'],
    ['a gateway page', { status: 502, rawBody: '<html>Bad gateway</html>' }, 'HTTP 502 with a body that is not JSON'],
    [
      'an answer without choices',
      { status: 200, body: { id: 'x', choices: [] } },
      'answer without choices[0].message.content',
    ],
    [
      'an empty answer',
      { status: 200, body: { choices: [{ message: { role: 'assistant', content: '  ' } }] } },
      'empty answer',
    ],
    ['a dropped connection', { drop: true }, 'could not reach the endpoint'],
  ])('turns %s into an LlmError without the key', async (_what, fault, message) => {
    fake.failNext(COMPLETIONS, fault);
    const error = await summarizer()
      .summarize(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as Error).message).toBe(message);
    expect((error as Error).message).not.toContain(fake.apiKey);
  });

  it('gives up after the configured timeout', async () => {
    fake.failNext(COMPLETIONS, { delayMs: 1500 });
    const started = Date.now();
    await expect(summarizer({ timeoutMs: 300 }).summarize(request)).rejects.toThrow('timed out after 300 ms');
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('refuses redirects, so the key never follows one to another host', async () => {
    fake.failNext(COMPLETIONS, { status: 307, headers: { Location: `${other.apiBaseUrl}/chat/completions` } });
    await expect(summarizer().summarize(request)).rejects.toThrow(LlmError);
    expect(other.requests).toHaveLength(0);
  });

  it('is refused with a wrong key or model, as the endpoint answers', async () => {
    await expect(summarizer({ apiKey: 'sk-wrong' }).summarize(request)).rejects.toThrow('HTTP 401');
    await expect(summarizer({ model: 'no-such-model' }).summarize(request)).rejects.toThrow('HTTP 404');
  });
});
