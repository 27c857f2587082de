import { sql } from 'kysely';
import { ArticlesRepository } from '../../src/articles/articles.repository';
import { openDatabase } from '../../src/database/database';

/**
 * Run by migrations.test.ts in a plain Node process: PGlite loads its WebAssembly with a dynamic import(), which
 * jest's module VM cannot run. Opens the embedded store twice and prints what it saw as one JSON line.
 */
async function main(): Promise<void> {
  const [dataDir, url, id, otherId] = process.argv.slice(2);
  const out: Record<string, unknown> = {};

  const first = await openDatabase({ dataDir });
  try {
    out.kind = first.kind;
    const articles = new ArticlesRepository(first.db);
    const article = {
      id,
      url,
      title: 'Embedded',
      text: 'Stored in PGlite.',
      lead: 'Stored.',
      imageUrl: null,
      videoUrl: null,
      tags: ['local'],
    };
    out.first = await articles.insertOrGet(article);
    out.again = await articles.insertOrGet({ ...article, id: otherId, title: 'Other' });
    out.found = await articles.find(id);
  } finally {
    await first.close();
  }

  // Reopening runs migrate() on an already migrated store: nothing to do, nothing lost.
  const second = await openDatabase({ dataDir });
  try {
    out.reopenedKind = second.kind;
    const names = await sql<{ name: string }>`select name from crier_migrations order by name`.execute(second.db);
    out.migrations = names.rows.map((r) => r.name);
    out.foundAfterReopen = await new ArticlesRepository(second.db).find(id);
  } finally {
    await second.close();
  }
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
