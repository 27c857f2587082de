import { sql } from 'kysely';
import { ArticlesRepository } from '../../src/articles/articles.repository';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/database/database';
import { DeliveryStateRepository } from '../../src/posts/delivery-state.repository';
import { PostsRepository } from '../../src/posts/posts.repository';

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

    // The publishing hot path runs on PGlite too: the claim function (PL/pgSQL), a spent budget, the settle
    // statement (data-modifying CTEs) and the derived post status.
    const accountId = randomUUID();
    await first.db
      .insertInto('accounts')
      .values({
        id: accountId,
        platform: 'telegram',
        name: 'Embedded',
        status: 'active',
        settings: '{}',
        credentials_enc: 'x',
      })
      .execute();
    const posts = new PostsRepository(first.db);
    const postId = randomUUID();
    const deliveryIds = [randomUUID(), randomUUID()];
    const at = new Date(Date.now() - 1000);
    await posts.insertPost(
      { id: postId, articleId: null, text: 't', scheduledAt: at, timezone: null },
      deliveryIds.map((d) => ({
        id: d,
        accountId,
        platform: 'telegram',
        status: 'scheduled' as const,
        text: 't',
        error: null,
      })),
    );
    const states = new DeliveryStateRepository(first.db);
    const budget = [{ counter: `account:${accountId}`, windowMs: 60_000, max: 1 }];
    const now = new Date();
    const item = (id: string, budgets: typeof budget, at: Date) => ({
      id,
      accountId,
      token: randomUUID(),
      now: at,
      leaseMs: 30_000,
      budgets,
      units: 1,
      accountVersion: null,
    });
    const head = item(deliveryIds[0], budget, now);
    const [claimed] = await states.claimBatch([head]);
    out.claimed = claimed.kind === 'claimed' ? claimed.row.status : claimed.kind;
    // The account already has a delivery in flight: the unique index refuses a second claim, which the batch
    // reads as "not its turn" (that item's subtransaction alone is undone).
    out.secondRefused = (await states.claimBatch([item(deliveryIds[1], [], now)]))[0].kind;
    const settled = await states.settle(deliveryIds[0], head.token, 'published', () => ({ remote_id: 'r1' }), {
      spends: { counters: budget.map((b) => b.counter), claimedAt: now, units: 1 },
    });
    out.settled = settled?.row.status;
    out.next = settled?.next?.id === deliveryIds[1];
    out.budget = (await states.claimBatch([item(deliveryIds[1], budget, new Date())]))[0].kind;
    out.postStatus = await posts.postStatus(postId);
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
