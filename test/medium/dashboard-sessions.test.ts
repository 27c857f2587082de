import { DashboardSessions, PRUNE_BATCH, SESSION_TTL_MS, sessionIdHash } from '../../src/dashboard/session';
import { DashboardSessionsRepository } from '../../src/dashboard/sessions.repository';
import { mediumDb, MediumDb } from './medium-env';

const TOKEN = 'tok_medium_0123456789abcdef0123456789';

/**
 * Dashboard sessions against real PostgreSQL: two DashboardSessions over one database stand for two API processes.
 * Signing out in one ends the session in the other; rows hold only digests; expired rows are pruned in batches.
 */
describe('dashboard sessions in PostgreSQL (medium)', () => {
  let m: MediumDb;
  let repo: DashboardSessionsRepository;

  beforeAll(async () => {
    m = await mediumDb();
    repo = new DashboardSessionsRepository(m.db);
  });

  afterAll(async () => {
    await m?.close();
  });

  beforeEach(async () => {
    await m.db.deleteFrom('dashboard_sessions').execute();
  });

  const rows = () => m.db.selectFrom('dashboard_sessions').selectAll().execute();

  it('a session issued by one process is accepted by another until either signs it out', async () => {
    const a = new DashboardSessions(TOKEN, new DashboardSessionsRepository(m.db));
    const b = new DashboardSessions(TOKEN, new DashboardSessionsRepository(m.db));
    const mine = await a.issue();
    const other = await a.issue();
    expect(await b.verify(mine.cookie)).toEqual(mine.session);

    await b.revoke(mine.session);
    expect(await a.verify(mine.cookie)).toBeNull();
    expect(await b.verify(mine.cookie)).toBeNull();
    // The other session is untouched.
    expect(await a.verify(other.cookie)).toEqual(other.session);
    // Signing out twice (two tabs) is harmless.
    await a.revoke(mine.session);
    expect((await rows()).map((r) => r.id_hash)).toEqual([sessionIdHash(other.session.id)]);
  });

  it('stores the digest of the id and the expiry, nothing a browser could present', async () => {
    const sessions = new DashboardSessions(TOKEN, repo);
    const { cookie, session } = await sessions.issue();
    const [row] = await rows();
    expect(row.id_hash).toBe(sessionIdHash(session.id));
    expect(row.id_hash).not.toContain(session.id);
    expect(cookie).not.toContain(row.id_hash);
    expect(JSON.stringify(row)).not.toContain(TOKEN);
    expect(new Date(row.expires_at).getTime()).toBe(session.expiresAt);
  });

  it('a row past its expiry does not sign anyone in, even with a cookie whose own expiry is later', async () => {
    const sessions = new DashboardSessions(TOKEN, repo);
    const { cookie, session } = await sessions.issue();
    await m.db
      .updateTable('dashboard_sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id_hash', '=', sessionIdHash(session.id))
      .execute();
    expect(await sessions.verify(cookie)).toBeNull();
  });

  it('each sign-in prunes expired rows, a bounded batch at a time, and never a live one', async () => {
    const past = new Date(Date.now() - 60_000);
    const expired = Array.from({ length: PRUNE_BATCH + 20 }, (_, i) => ({ id_hash: `old-${i}`, expires_at: past }));
    await m.db.insertInto('dashboard_sessions').values(expired).execute();
    const sessions = new DashboardSessions(TOKEN, repo);
    const live = await sessions.issue();
    expect((await rows()).length).toBe(20 + 1);
    await sessions.issue();
    const left = await rows();
    expect(left.length).toBe(2);
    expect(left.every((r) => new Date(r.expires_at).getTime() > Date.now())).toBe(true);
    expect(await sessions.verify(live.cookie)).toEqual(live.session);
  });

  it('a session issued now expires with its row, SESSION_TTL_MS later', async () => {
    let now = Date.now();
    const sessions = new DashboardSessions(TOKEN, repo, () => now);
    const { cookie, session } = await sessions.issue();
    now += SESSION_TTL_MS - 5_000;
    expect(await sessions.verify(cookie)).toEqual(session);
    now += 5_000;
    expect(await sessions.verify(cookie)).toBeNull();
    expect(await repo.pruneExpired(new Date(now), PRUNE_BATCH)).toBe(1);
  });
});
