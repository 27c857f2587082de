import { FeedParseError } from '../feeds/feed-item';
import { ArticleRefused, MAX_DEPTH } from './article-cleaner';
import { ContentPool, PoolClosed } from './content-pool';

/** The pool runs the real worker thread (from the TypeScript sources here, through tsx). */
describe('ContentPool', () => {
  let pool: ContentPool;

  afterEach(async () => {
    await pool?.onModuleDestroy();
  });

  /** Largest gap between timer ticks on this thread while `work` runs. */
  async function loopLag(work: Promise<unknown>): Promise<number> {
    let last = performance.now();
    let worst = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 10);
    try {
      await work.catch(() => undefined);
    } finally {
      clearInterval(tick);
    }
    return worst;
  }

  it('cleans articles and parses feeds on a reused thread', async () => {
    pool = new ContentPool({ size: 1 });
    const clean = await pool.clean({ html: '<article><p>The council approved the budget.</p></article>' });
    expect(clean.paragraphs).toEqual(['The council approved the budget.']);
    const feed = await pool.parseFeed(
      '<rss><channel><title>T</title><item><title>A &amp; B</title><link>/a</link></item></channel></rss>',
      'https://news.example/feed',
    );
    expect(feed.items.map((i) => [i.title, i.link])).toEqual([['A & B', 'https://news.example/a']]);
    await expect(pool.parseFeed('<?xml version="1.0"?><html/>', 'https://news.example/')).rejects.toThrow(
      new FeedParseError('the XML is not an RSS or Atom feed'),
    );
  });

  it('refuses 2,000 nested elements by the depth budget, quickly, without blocking this thread', async () => {
    pool = new ContentPool({ size: 1 });
    const started = Date.now();
    const work = pool.clean({ html: '<div>'.repeat(2000) + '<p>deep</p>' });
    const lag = await loopLag(work);
    await expect(work).rejects.toThrow(new ArticleRefused(`nests elements more than ${MAX_DEPTH} deep`));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lag).toBeLessThan(1000);
  });

  it('ends a task past its deadline with a reason, and the next task gets a fresh thread', async () => {
    pool = new ContentPool({ size: 1, timeoutMs: 150 });
    const slow = pool.clean({ html: '<p>Some text here, a sentence of the story.</p>'.repeat(29_000) });
    const lag = await loopLag(slow);
    await expect(slow).rejects.toThrow(new ArticleRefused('could not be read within 0.15 s'));
    expect(lag).toBeLessThan(1000);
    await expect(pool.clean({ text: 'Still here.' })).resolves.toMatchObject({ paragraphs: ['Still here.'] });
  });

  it('at shutdown fails running and waiting tasks as not done, never as refused content', async () => {
    pool = new ContentPool({ size: 1 });
    const running = pool.clean({ html: '<p>Some text here, a sentence of the story.</p>'.repeat(29_000) });
    const waiting = pool.clean({ text: 'Waiting.' });
    const outcomes = Promise.all(
      [running, waiting].map((p) =>
        p.then(
          () => 'done',
          (e: Error) => e.name,
        ),
      ),
    );
    await pool.onModuleDestroy();
    expect(await outcomes).toEqual([new PoolClosed().name, new PoolClosed().name]);
  });
});
