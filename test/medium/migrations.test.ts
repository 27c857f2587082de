import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { ArticlesRepository } from '../../src/articles/articles.repository';
import { migrate } from '../../src/database/database';
import { MIGRATIONS } from '../../src/database/migrations';
import { mediumDb, MediumDb, runTsChild } from './medium-env';

/** Forward-only migrations on Postgres, and the embedded PGlite fallback used when DATABASE_URL is unset. */
describe('migrations (medium)', () => {
  describe('on Postgres', () => {
    let m: MediumDb;

    beforeAll(async () => {
      m = await mediumDb();
    });

    afterAll(async () => {
      await m?.close();
    });

    async function applied(): Promise<string[]> {
      const r = await sql<{ name: string }>`select name from crier_migrations order by name`.execute(m.db);
      return r.rows.map((x) => x.name);
    }

    async function schemaFingerprint(): Promise<string> {
      const r = await sql<{ f: string }>`
        select string_agg(table_name || '.' || column_name || ':' || data_type, ',' order by table_name, column_name) as f
        from information_schema.columns where table_schema = 'public'`.execute(m.db);
      return r.rows[0].f;
    }

    it('the template has every migration applied, once', async () => {
      expect(await applied()).toEqual(Object.keys(MIGRATIONS).sort());
    });

    it('running migrate() again is a no-op: same migrations, same schema, data kept', async () => {
      const articles = new ArticlesRepository(m.db);
      const { row } = await articles.insertOrGet({
        id: randomUUID(),
        url: `https://news.example/${randomUUID()}`,
        title: 't',
        text: 'x',
        lead: 'x',
        imageUrl: null,
        videoUrl: null,
        tags: [],
      });
      const before = { applied: await applied(), schema: await schemaFingerprint() };

      await migrate(m.db);
      await migrate(m.db);

      expect(await applied()).toEqual(before.applied);
      expect(await schemaFingerprint()).toBe(before.schema);
      expect(await articles.find(row.id)).toEqual(row);
    });

    it('two concurrent migrate() calls both succeed (the migration lock serialises them)', async () => {
      await Promise.all([migrate(m.db), migrate(m.db)]);
      expect(await applied()).toEqual(Object.keys(MIGRATIONS).sort());
    });
  });

  describe('embedded PGlite (no DATABASE_URL)', () => {
    let dataDir: string;

    beforeAll(() => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'crier-medium-pglite-'));
    });

    afterAll(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('opens PGlite under the data dir, migrates, round-trips a row, publishes through the claim, and reopens', async () => {
      const url = `https://news.example/${randomUUID()}`;
      const id = randomUUID();
      const out = await runTsChild(
        path.join(__dirname, 'pglite-roundtrip.child.ts'),
        [dataDir, url, id, randomUUID()],
        50_000,
      );

      expect(out.kind).toBe('pglite');
      expect(existsSync(path.join(dataDir, 'pglite'))).toBe(true);
      expect(out.first).toMatchObject({ created: true, row: { id, url, title: 'Embedded', tags: ['local'] } });
      expect(out.again).toMatchObject({ created: false, row: { id, title: 'Embedded' } });
      expect(out.found).toMatchObject({ id, url });
      expect(out.reopenedKind).toBe('pglite');
      expect(out.migrations).toEqual(Object.keys(MIGRATIONS).sort());
      expect(out.foundAfterReopen).toMatchObject({ id, url, title: 'Embedded' });
      // The publishing hot path on PGlite: claim (PL/pgSQL), turn, settle (CTEs) with the hand-over, budgets.
      expect(out).toMatchObject({
        claimed: 'publishing',
        secondRefused: 'not-turn',
        settled: 'published',
        next: true,
        budget: 'budget',
        postStatus: 'publishing',
      });
    }, 60_000);
  });
});
