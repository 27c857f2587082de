import { createHash } from 'node:crypto';
import type { PlatformAdapter, RemoteAccount } from '../platforms/platform';
import { ComposeInput, composeArticle, Composed, summaryRoom } from './composer';
import { LlmError, LlmSummarizer } from './llm-summarizer';
import { givenSummary, prepareSummary, SummaryDoc } from './summarizer';
import { templateProblem } from './templates';
import { ComposedThread, planThread } from './thread';

/**
 * The one composing entry point of the API, the previews and scheduling: an article to the final text of each
 * target. With an LLM configured, each target asks it for a summary of the length that target has room for
 * (targets needing the same length share one call), checks the answer with the platform's own counting, asks
 * once more if it was too long, and otherwise falls back to the extractive summary with a warning.
 */

export interface ComposeTarget {
  adapter: PlatformAdapter;
  remote: RemoteAccount | null;
  /** Validated template (feed's or account's); absent: the platform's default. */
  template?: string;
  /** The account's `settings.thread`: a long article becomes numbered parts (thread.ts; Mastodon family only). */
  thread?: boolean;
}

export interface ArticleToCompose extends ComposeInput {
  lang?: string | null;
}

type Answer = { ok: true; text: string } | { ok: false; reason: string };

/** LLM answers kept in memory, so that a preview and the post that follows it read the same. */
const CACHE_SIZE = 500;

export class ArticleComposer {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly llm: LlmSummarizer | null,
    private readonly onLlmProblem: (reason: string) => void = () => undefined,
  ) {}

  async compose(article: ArticleToCompose, targets: ComposeTarget[]): Promise<ComposedThread[]> {
    const doc = prepareSummary(article.title, article.text ?? article.lead);
    const asked = new Map<string, Promise<Answer>>();
    return Promise.all(
      targets.map(async (t0) => {
        // A thread's part 1 is the ordinary post, composed with room left for its " (1/N)".
        const thread = t0.thread ? planThread(article, t0.adapter, t0.remote) : null;
        const t = thread ? { ...t0, adapter: thread.firstAdapter } : t0;
        // Templates are validated where they are saved; one that slipped through must not fail a post.
        const problem =
          t.template === undefined
            ? null
            : templateProblem(t.template, t.adapter.limits(t.remote).counting === 'code-points-after-html');
        let c = await this.composeOne(article, doc, problem ? { ...t, template: undefined } : t, asked);
        if (problem) c = { ...c, warnings: [`template ignored (it ${problem}); platform default used`, ...c.warnings] };
        return thread ? thread.finish(c) : c;
      }),
    );
  }

  private async composeOne(
    article: ArticleToCompose,
    doc: SummaryDoc,
    t: ComposeTarget,
    asked: Map<string, Promise<Answer>>,
  ): Promise<Composed> {
    const extractive = (warning?: string) => {
      const c = composeArticle(article, t.adapter, t.remote, { template: t.template, summary: doc });
      return warning ? { ...c, warnings: [warning, ...c.warnings] } : c;
    };
    const room = this.llm && doc.ranked.length > 0 ? summaryRoom(article, t.adapter, t.remote, t.template) : null;
    if (!room || room.room < 20) return extractive();

    const ask = (maxChars: number, previousLength?: number) => {
      const key = `${maxChars}|${room.maxSentences}|${previousLength ?? ''}`;
      let p = asked.get(key);
      if (!p) asked.set(key, (p = this.ask(article, maxChars, room.maxSentences, previousLength)));
      return p;
    };
    const wanted = Math.max(20, Math.floor(room.preferred));
    let answer = await ask(wanted);
    if (answer.ok && room.measure(answer.text) > room.room) {
      const length = room.measure(answer.text);
      answer = await ask(Math.max(20, Math.floor((wanted * room.room) / length) - 10), length);
      if (answer.ok && room.measure(answer.text) > room.room) {
        answer = { ok: false, reason: `too long twice (${room.measure(answer.text)} > ${room.room})` };
      }
    }
    if (!answer.ok) return extractive(`LLM summary not used (${answer.reason}); extractive summary instead`);
    return composeArticle(article, t.adapter, t.remote, { template: t.template, summary: givenSummary(answer.text) });
  }

  private async ask(
    article: ArticleToCompose,
    maxChars: number,
    maxSentences: number,
    previousLength?: number,
  ): Promise<Answer> {
    const llm = this.llm as LlmSummarizer;
    const text = article.text ?? article.lead;
    const key = createHash('sha256')
      .update(JSON.stringify([llm.model, article.title, text, maxChars, maxSentences, previousLength ?? 0]))
      .digest('base64url');
    const cached = this.cache.get(key);
    if (cached !== undefined) return { ok: true, text: cached };
    try {
      const summary = await llm.summarize({
        title: article.title,
        text,
        maxChars,
        maxSentences,
        lang: article.lang,
        previousLength,
      });
      this.cache.set(key, summary);
      if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
      return { ok: true, text: summary };
    } catch (e) {
      const reason = e instanceof LlmError ? e.message : 'unexpected error';
      this.onLlmProblem(reason);
      return { ok: false, reason };
    }
  }
}
