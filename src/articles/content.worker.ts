import { parentPort } from 'node:worker_threads';
import { parseFeed } from '../feeds/feed-parser';
import { cleanArticle } from './article-cleaner';
import type { ContentReply, ContentTask } from './content-pool';

/**
 * The thread that reads what others wrote: feed documents and article HTML. It shares nothing with the event loop
 * that renews job locks and answers /health, and the pool ends it when a task runs past its deadline.
 */
parentPort?.on('message', (task: ContentTask) => {
  let reply: ContentReply;
  try {
    const value = task.kind === 'clean' ? cleanArticle(task.input) : parseFeed(task.body, task.url);
    reply = { ok: true, value };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply = { ok: false, name: err.name, message: err.message };
  }
  parentPort?.postMessage(reply);
});
// Loaded: the pool starts a task's deadline from here, so a thread's start-up never counts against it.
parentPort?.postMessage({ ready: true });
