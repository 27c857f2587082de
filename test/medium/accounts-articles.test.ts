import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { AccountsRepository } from '../../src/accounts/accounts.repository';
import { CredentialCipher } from '../../src/accounts/credential-cipher';
import { ArticlesRepository, NewArticle } from '../../src/articles/articles.repository';
import { mediumDb, MediumDb, testCipher } from './medium-env';

/** AccountsRepository + CredentialCipher and ArticlesRepository against a real Postgres. */
describe('AccountsRepository and ArticlesRepository (medium)', () => {
  let m: MediumDb;
  let accounts: AccountsRepository;
  let articles: ArticlesRepository;
  let cipher: CredentialCipher;

  beforeAll(async () => {
    m = await mediumDb();
    accounts = new AccountsRepository(m.db);
    articles = new ArticlesRepository(m.db);
    cipher = testCipher();
  });

  afterAll(async () => {
    await m?.close();
  });

  async function createAccount(credentials: Record<string, string>) {
    const id = randomUUID();
    return accounts.insert({
      id,
      platform: 'telegram',
      name: 'Newsroom channel',
      status: 'active',
      settings: JSON.stringify({ chatId: '-100200300' }),
      credentials_enc: cipher.encrypt(id, credentials),
    });
  }

  describe('accounts', () => {
    it('stores credentials only encrypted: the raw row never holds the secret, and it decrypts back', async () => {
      const secret = `7012345678:${randomBytes(18).toString('base64url')}`;
      const credentials = { botToken: secret };
      const row = await createAccount(credentials);

      // The whole raw row as Postgres has it, every column as text.
      const raw = await sql<{
        j: string;
        enc: string;
      }>`select row_to_json(a)::text as j, credentials_enc as enc from accounts a where id = ${row.id}`.execute(m.db);
      expect(raw.rows).toHaveLength(1);
      const { j, enc } = raw.rows[0];
      expect(j).not.toContain(secret);
      expect(j).not.toContain(Buffer.from(secret).toString('base64'));
      expect(j).not.toContain(Buffer.from(secret).toString('base64url'));
      expect(enc).toMatch(/^v2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

      const found = await accounts.find(row.id);
      expect(found).toMatchObject({
        id: row.id,
        platform: 'telegram',
        status: 'active',
        settings: { chatId: '-100200300' },
      });
      expect(cipher.decrypt(row.id, found!.credentials_enc)).toEqual(credentials);
    });

    it('a ciphertext copied onto another account row does not decrypt, nor under another key', async () => {
      const a = await createAccount({ accessToken: 'secret-a' });
      const b = await createAccount({ accessToken: 'secret-b' });
      await accounts.update(b.id, { credentials_enc: a.credentials_enc });
      const copied = await accounts.find(b.id);
      expect(() => cipher.decrypt(b.id, copied!.credentials_enc)).toThrow();
      expect(() => testCipher().decrypt(a.id, a.credentials_enc)).toThrow();
      expect(cipher.decrypt(a.id, (await accounts.find(a.id))!.credentials_enc)).toEqual({ accessToken: 'secret-a' });
    });

    it('markReauthRequired is true for the first caller only', async () => {
      const a = await createAccount({ botToken: 't' });
      expect(await accounts.markReauthRequired(a.id, 'token revoked')).toBe(true);
      expect(await accounts.markReauthRequired(a.id, 'token revoked again')).toBe(false);
      expect(await accounts.find(a.id)).toMatchObject({ status: 'reauth_required', status_reason: 'token revoked' });
      expect(await accounts.markReauthRequired(randomUUID(), 'no such account')).toBe(false);
    });

    it('markReauthRequired under concurrency: exactly one of two callers wins', async () => {
      const a = await createAccount({ botToken: 't' });
      const results = await Promise.all([
        accounts.markReauthRequired(a.id, 'x'),
        accounts.markReauthRequired(a.id, 'y'),
      ]);
      expect([...results].sort()).toEqual([false, true]);
    });

    it('update, findMany and delete round-trip', async () => {
      const a = await createAccount({ botToken: 't' });
      const b = await createAccount({ botToken: 'u' });
      expect((await accounts.update(a.id, { name: 'Renamed' }))?.name).toBe('Renamed');
      expect(await accounts.update(randomUUID(), { name: 'x' })).toBeUndefined();
      expect((await accounts.findMany([a.id, b.id, randomUUID()])).map((r) => r.id).sort()).toEqual(
        [a.id, b.id].sort(),
      );
      expect(await accounts.findMany([])).toEqual([]);
      expect(await accounts.delete(a.id)).toBe(true);
      expect(await accounts.delete(a.id)).toBe(false);
      expect(await accounts.find(a.id)).toBeUndefined();
    });
  });

  describe('articles', () => {
    const article = (url: string, over: Partial<NewArticle> = {}): NewArticle => ({
      id: randomUUID(),
      url,
      title: 'Council approves the new budget',
      text: 'The council voted 7-2 on Tuesday.',
      lead: 'The council voted 7-2.',
      imageUrl: null,
      videoUrl: null,
      tags: ['budget', 'council'],
      ...over,
    });

    it('insertOrGet twice with the same url keeps one row; the second call reports created=false', async () => {
      const url = `https://news.example/${randomUUID()}`;
      const first = await articles.insertOrGet(article(url));
      expect(first.created).toBe(true);
      expect(first.row).toMatchObject({ url, tags: ['budget', 'council'] });

      const second = await articles.insertOrGet(article(url, { title: 'A different title' }));
      expect(second.created).toBe(false);
      expect(second.row.id).toBe(first.row.id);
      expect(second.row.title).toBe('Council approves the new budget');

      const rows = await m.db.selectFrom('articles').select('id').where('url', '=', url).execute();
      expect(rows).toEqual([{ id: first.row.id }]);
      expect(await articles.find(first.row.id)).toEqual(first.row);
    });

    it('two concurrent insertOrGet calls with one url: one row, one created', async () => {
      const url = `https://news.example/${randomUUID()}`;
      const results = await Promise.all([articles.insertOrGet(article(url)), articles.insertOrGet(article(url))]);
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(results[0].row.id).toBe(results[1].row.id);
      const { n } = await m.db
        .selectFrom('articles')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('url', '=', url)
        .executeTakeFirstOrThrow();
      expect(Number(n)).toBe(1);
    });
  });
});
