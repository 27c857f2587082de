import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Logger, OnModuleDestroy } from '@nestjs/common';
import { FeedParseError, ParsedFeed } from '../feeds/feed-item';
import { ArticleRefused, CleanArticle } from './article-cleaner';

export type CleanInput = { html?: string; text?: string; title?: string };
export type ContentTask = { kind: 'clean'; input: CleanInput } | { kind: 'feed'; body: string; url: string };
export type ContentReply =
  { ok: true; value: unknown } | { ok: false; name: string; message: string } | { ready: true; ok?: undefined };

export interface ContentPoolOptions {
  /** Threads at most (created when needed, kept while idle). */
  size: number;
  /** A task running longer ends its thread, and fails with a reason. */
  timeoutMs: number;
  /** Heap of one thread; a task that needs more fails instead of growing the process. */
  maxHeapMb: number;
}

interface Job {
  task: ContentTask;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * Parsing and cleaning of untrusted content (feed documents, article HTML) on worker threads, with a hard deadline
 * per task: a document built to be slow costs one thread its life and fails its own item, while the event loop
 * stays free for the publish workers, lock renewals and /health. Threads are reused; tasks wait their turn.
 * Provided by a factory (app.module.ts), so tests can pass other limits.
 */
export class ContentPool implements OnModuleDestroy {
  private readonly log = new Logger(ContentPool.name);
  private readonly options: ContentPoolOptions;
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, { job: Job; timer?: NodeJS.Timeout }>();
  private readonly ready = new WeakSet<Worker>();
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(options: Partial<ContentPoolOptions> = {}) {
    this.options = {
      size: Math.max(1, Math.min(2, availableParallelism() - 1)),
      timeoutMs: 10_000,
      maxHeapMb: 512,
      ...options,
    };
  }

  /** The article cleaned (article-cleaner.ts); ArticleRefused says why not, timeouts included. */
  async clean(input: CleanInput): Promise<CleanArticle> {
    return (await this.run({ kind: 'clean', input }, (m) => new ArticleRefused(m))) as CleanArticle;
  }

  /** The feed document parsed (feed-parser.ts); FeedParseError says why not, timeouts included. */
  async parseFeed(body: string, url: string): Promise<ParsedFeed> {
    return (await this.run({ kind: 'feed', body, url }, (m) => new FeedParseError(m))) as ParsedFeed;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new PoolClosed());
    const all = [...this.idle.splice(0), ...this.busy.keys()];
    for (const [, { job, timer }] of this.busy) {
      clearTimeout(timer);
      job.reject(new PoolClosed());
    }
    this.busy.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  private run(task: ContentTask, refused: (message: string) => Error): Promise<unknown> {
    if (this.closed) return Promise.reject(new PoolClosed());
    return new Promise((resolve, reject) => {
      // Whatever stops untrusted content from being read is a refusal of that content, never a server error.
      const fail = (e: Error) =>
        reject(
          e instanceof ArticleRefused || e instanceof FeedParseError || e instanceof PoolClosed
            ? e
            : refused(e.message),
        );
      this.queue.push({ task, resolve, reject: fail });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && (this.idle.length > 0 || this.busy.size < this.options.size)) {
      const worker = this.idle.pop() ?? this.spawn();
      const job = this.queue.shift()!;
      this.busy.set(worker, { job });
      if (this.ready.has(worker)) this.startDeadline(worker);
      worker.postMessage(job.task);
    }
  }

  private startDeadline(worker: Worker): void {
    const current = this.busy.get(worker);
    if (!current || current.timer) return;
    const reason = new Error(`could not be read within ${this.options.timeoutMs / 1000} s`);
    current.timer = setTimeout(() => this.end(worker, reason), this.options.timeoutMs);
  }

  private spawn(): Worker {
    const worker = startWorker(this.options.maxHeapMb);
    worker.unref(); // an idle thread never keeps the process alive
    worker.on('message', (reply: ContentReply) => {
      if (reply.ok === undefined) {
        this.ready.add(worker);
        return this.startDeadline(worker);
      }
      const current = this.busy.get(worker);
      if (!current) return;
      clearTimeout(current.timer);
      this.busy.delete(worker);
      if (reply.ok) current.job.resolve(reply.value);
      else current.job.reject(revive(reply));
      if (this.closed) void worker.terminate();
      else this.idle.push(worker);
      this.pump();
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const why = e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `needs more than ${this.options.maxHeapMb} MB` : e.message;
      this.end(worker, new Error(`could not be read (${why})`));
    });
    worker.on('exit', () => this.end(worker, new Error('could not be read (the reader stopped)')));
    return worker;
  }

  /** The thread is given up (deadline, crash, exit): its task fails with `reason`, the next one gets a new thread. */
  private end(worker: Worker, reason: Error): void {
    const idleAt = this.idle.indexOf(worker);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    const current = this.busy.get(worker);
    if (current) {
      clearTimeout(current.timer);
      this.busy.delete(worker);
      this.log.warn(`content reader thread ended: ${reason.message}`);
      current.job.reject(reason);
    }
    void worker.terminate();
    this.pump();
  }
}

/** Shutdown: the task was not refused, it was not done (a feed item stays new for the next poll). */
export class PoolClosed extends Error {
  constructor() {
    super('the content pool is shutting down');
    this.name = 'PoolClosed';
  }
}

function revive(reply: Extract<ContentReply, { ok: false }>): Error {
  if (reply.name === 'ArticleRefused') return new ArticleRefused(reply.message);
  if (reply.name === 'FeedParseError') return new FeedParseError(reply.message);
  return new Error(`could not be read (${reply.name}: ${reply.message.slice(0, 200)})`);
}

/**
 * The worker runs compiled JavaScript: dist/articles/content.worker.js in production. Tests run the TypeScript
 * sources (ts-jest), where no .js sibling exists: the worker then compiles its sources with tsx (a dev dependency).
 */
function startWorker(maxHeapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb };
  const js = join(__dirname, 'content.worker.js');
  if (existsSync(js)) return new Worker(js, { resourceLimits });
  const source = join(__dirname, 'content.worker.ts');
  const code = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(source)});`;
  return new Worker(code, { eval: true, resourceLimits });
}
