/**
 * An optional summarizer through any OpenAI-compatible endpoint (`POST {baseUrl}/chat/completions`): OpenAI,
 * a local llama.cpp / Ollama / vLLM server, or a gateway. It only writes text; article-composer.ts measures the
 * answer with the platform's own rule and falls back to the extractive summary whenever this fails.
 *
 * The API key goes in the Authorization header of the configured endpoint and nowhere else: redirects are
 * refused (a redirect could carry the header elsewhere), and no message this class produces contains it.
 */

export interface LlmConfig {
  /** Base URL including the API version, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  model: string;
  /** Secret: never logged. Absent for local servers that take none. */
  apiKey?: string;
  timeoutMs: number;
}

export interface LlmRequest {
  title: string;
  text: string;
  /** Longest answer wanted, in characters. */
  maxChars: number;
  maxSentences: number;
  /** Declared language of the article, when known (the model is told to keep the article's language anyway). */
  lang?: string | null;
  /** Length of a previous answer that was too long: the retry says so. */
  previousLength?: number;
}

/** Why the LLM gave no usable summary. The message never contains the key or the article. */
export class LlmError extends Error {
  override readonly name = 'LlmError';
}

/** Articles are cut to this many characters in the prompt: the lead carries the news, and prompts stay cheap. */
const MAX_ARTICLE_CHARS = 12_000;

export class LlmSummarizer {
  constructor(
    private readonly config: LlmConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  get model(): string {
    return this.config.model;
  }

  async summarize(req: LlmRequest): Promise<string> {
    const url = `${this.config.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (this.config.apiKey) headers.Authorization = `Bearer ${this.config.apiKey}`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(this.body(req)),
        redirect: 'error',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (e) {
      // Duck-typed: the DOMException may come from another realm than this module's Error.
      const name = (e as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      throw new LlmError(timedOut ? `timed out after ${this.config.timeoutMs} ms` : 'could not reach the endpoint');
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new LlmError(`HTTP ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) throw new LlmError(`HTTP ${res.status}`);
    const content = (json as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new LlmError('answer without choices[0].message.content');
    const text = tidy(content);
    if (text === '') throw new LlmError('empty answer');
    return text;
  }

  private body(req: LlmRequest) {
    const lang = req.lang ? ` (${req.lang})` : '';
    const retry = req.previousLength
      ? ` Your previous summary had ${req.previousLength} characters: that is too long.`
      : '';
    const system =
      'You write the text of a social media post that presents a news article. Write a neutral, factual summary ' +
      `in the same language as the article${lang}; never translate. Plain text only: no markdown, no hashtags, no ` +
      `links, no emoji, do not repeat the title. At most ${req.maxSentences} sentences and at most ${req.maxChars} ` +
      `characters, spaces included.${retry} Answer with the summary alone.`;
    const article = req.text.length > MAX_ARTICLE_CHARS ? req.text.slice(0, MAX_ARTICLE_CHARS) : req.text;
    return {
      model: this.config.model,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: `Title: ${req.title}\n\n${article}` },
      ],
      temperature: 0.2,
      max_tokens: Math.ceil(req.maxChars / 2) + 64,
    };
  }
}

/** Models like to wrap answers in quotes or bold, or to announce them ("Summary: …"): take the text alone. */
function tidy(content: string): string {
  return content
    .replace(/^\s*(summary|zusammenfassung|résumé|resumen)\s*:\s*/i, '')
    .replace(/\*\*|__|`/g, '')
    .replace(/^\s*["“«](.*)["”»]\s*$/s, '$1')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
