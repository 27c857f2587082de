/**
 * Summarizer speed and memory: articles per second for the extractive summarizer (sentence split, ranking,
 * budget fitting) on short, typical and long articles, then the whole path a post takes (clean the HTML,
 * summarise, compose for all ten platforms). Memory: heap and RSS after the run, and the heap a batch retains.
 * Usage: `npx tsx bench/summarize.ts [seconds per case]`.
 */
import { cleanArticle } from '../src/articles/article-cleaner';
import { composeArticle } from '../src/articles/composer';
import { bestSummary, prepareSummary } from '../src/articles/summarizer';
import { ADAPTERS } from '../src/platforms/platform.registry';
import { NEWS_PAGE_STORY } from '../test/fixtures/articles';

const seconds = Number(process.argv[2] ?? 3);

const EXTRA = [
  'Officials said the figures would be published in full on the city website next week.',
  'Opposition members asked for an independent audit of the transport fund before any money is spent.',
  'The finance committee met three times in October to review the draft, according to the minutes.',
  'Business groups welcomed the tax freeze but warned that parking fees would rise in the centre.',
  '市议会表示，详细数字将于下周公布。',
  'Der Verkehrsverbund rechnet mit 8 Prozent mehr Fahrgästen im ersten Jahr.',
];

/** An article of `paragraphs` paragraphs of two or three sentences each, varied so that ranking has work to do. */
function makeArticle(paragraphs: number, seed: number): { title: string; text: string; html: string } {
  const out: string[] = [];
  for (let i = 0; i < paragraphs; i++) {
    const a = NEWS_PAGE_STORY[(i + seed) % NEWS_PAGE_STORY.length];
    const b = EXTRA[(i * 7 + seed) % EXTRA.length];
    out.push(i % 3 === 0 ? `${a} ${b}` : `${b} ${a}`);
  }
  const html = `<html><body><nav>Home</nav><article><h1>Budget ${seed}</h1>${out.map((p) => `<p>${p}</p>`).join('')}<p>Please follow us on Gab!</p></article><footer>©</footer></body></html>`;
  return { title: `Council approves the 2027 budget after a long night (${seed})`, text: out.join('\n\n'), html };
}

function run(label: string, fn: (i: number) => void): void {
  for (let i = 0; i < 20; i++) fn(i); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) fn(n++);
  const ms = performance.now() - start;
  console.log(
    `${label.padEnd(44)} ${((n / ms) * 1000).toFixed(0).padStart(7)} articles/s   ${((ms / n) * 1000).toFixed(0).padStart(6)} µs each`,
  );
}

const sizes = { 'short (5 paragraphs)': 5, 'typical (20 paragraphs)': 20, 'long (80 paragraphs)': 80 };
const len = (s: string) => s.length;
for (const [name, paragraphs] of Object.entries(sizes)) {
  const articles = Array.from({ length: 50 }, (_, i) => makeArticle(paragraphs, i));
  run(`summarize ${name}`, (i) => {
    const a = articles[i % articles.length];
    const doc = prepareSummary(a.title, a.text);
    // The budgets the default templates ask for: a hook, a short paragraph, Telegram's two to four sentences.
    bestSummary(doc, { maxSentences: 1, budget: 250, measure: len });
    bestSummary(doc, { maxSentences: 3, budget: 500, measure: len });
    bestSummary(doc, { maxSentences: 4, budget: 800, measure: len });
  });
}

const typical = Array.from({ length: 50 }, (_, i) => makeArticle(20, i));
const input = (a: { title: string }, text: string, i: number) => ({
  url: `https://news.example.com/2026/${i}`,
  title: a.title,
  text,
  lead: '',
  imageUrl: null,
  tags: ['budget', 'city council'],
});
run('clean only (Readability + linkedom, typical)', (i) => cleanArticle({ html: typical[i % typical.length].html }));
const prepared = typical.map((a) => prepareSummary(a.title, a.text));
run('compose ×10 platforms from a prepared summary', (i) => {
  const a = typical[i % typical.length];
  for (const adapter of ADAPTERS)
    composeArticle(input(a, a.text, i), adapter, null, { summary: prepared[i % prepared.length] });
});
run('clean + summarize + compose ×10 (typical)', (i) => {
  const a = typical[i % typical.length];
  const clean = cleanArticle({ html: a.html, title: a.title });
  const doc = prepareSummary(a.title, clean.text);
  for (const adapter of ADAPTERS) composeArticle(input(a, clean.text, i), adapter, null, { summary: doc });
});

global.gc?.();
const before = process.memoryUsage().heapUsed;
const kept = typical.map((a) => prepareSummary(a.title, a.text));
global.gc?.();
const retained = (process.memoryUsage().heapUsed - before) / kept.length;
const mem = process.memoryUsage();
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
console.log(
  `memory: rss ${mib(mem.rss)}, heap used ${mib(mem.heapUsed)}; one prepared typical article retains ≈ ${(retained / 1024).toFixed(0)} KiB${global.gc ? '' : ' (run with node --expose-gc for a steadier figure)'}`,
);
