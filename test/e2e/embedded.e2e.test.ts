import { TelegramFake } from '../fakes/telegram.fake';
import { CrierProcess, testSecrets } from '../support/crier-process';
import { createTelegramAccount, publishText, waitForDelivery } from '../support/e2e-stack';

jest.setTimeout(150_000);

/**
 * A fresh machine with nothing installed: no REDIS_URL, no DATABASE_URL, no CRIER_QUEUE. Crier runs on the
 * embedded PGlite under its data dir, queues included (BullMQ's PostgreSQL backend, in process), and a post
 * reaches the platform.
 */
describe('embedded: neither Redis nor PostgreSQL, and a post still goes out', () => {
  let crier: CrierProcess | undefined;
  let tg: TelegramFake;

  beforeAll(async () => {
    tg = await TelegramFake.start();
    crier = await CrierProcess.start({ databaseUrl: undefined, ...testSecrets() });
  });

  afterAll(async () => {
    expect(await crier?.stop()).toBe(0);
    await tg?.stop();
  });

  it('says where its queues are, then publishes a post to the fake Telegram once', async () => {
    const health = await fetch(`${crier!.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', queue: 'postgres', database: 'ok' });
    expect(crier!.output).toContain('pglite database, postgres queues');

    const api = crier!.api();
    const accountId = await createTelegramAccount(api, tg);
    const { postId, deliveryId } = await publishText(api, accountId, 'Published with nothing installed');
    const d = await waitForDelivery(api, postId, deliveryId, ['published', 'failed'], 60_000);
    expect(d.status).toBe('published');
    expect(tg.messagesIn().map((m) => m.text)).toEqual(['Published with nothing installed']);
  });
});
