/**
 * Composer speed: articles composed per second for each platform (counting rules included), and the cleaner.
 * Usage: `npx tsx bench/compose.ts [iterations]`.
 */
import { cleanArticle } from '../src/articles/article-cleaner';
import { composeArticle } from '../src/articles/composer';
import { ADAPTERS } from '../src/platforms/platform.registry';

const iterations = Number(process.argv[2] ?? 2000);
const paragraph =
  'The council voted 7-2 on Tuesday to approve the budget, after a debate that ran past midnight — «a long night», said the mayor. 議会は予算を承認した。 🎉 ';
const html = `<article><h1>Budget</h1>${Array.from({ length: 30 }, () => `<p>${paragraph}</p>`).join('')}<p>Please follow us on Gab!</p></article>`;

function time(label: string, fn: (i: number) => void): void {
  for (let i = 0; i < 50; i++) fn(i); // warm-up
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  const ms = performance.now() - start;
  console.log(
    `${label.padEnd(28)} ${((iterations / ms) * 1000).toFixed(0).padStart(8)} /s   ${((ms / iterations) * 1000).toFixed(1)} µs each`,
  );
}

time('clean 30-paragraph HTML', () => cleanArticle({ html }));
const clean = cleanArticle({ html });
for (const adapter of ADAPTERS) {
  // A headline too long for every platform, so the fitting search runs.
  const title = paragraph.repeat(12);
  time(`compose ${adapter.id}`, (i) =>
    composeArticle(
      { url: `https://news.example/2026/11/${i}`, title, lead: clean.lead, imageUrl: null },
      adapter,
      null,
    ),
  );
}
