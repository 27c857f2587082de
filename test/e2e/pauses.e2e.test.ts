import { randomUUID } from 'node:crypto';
import { TelegramFake } from '../fakes/telegram.fake';
import { createTelegramAccount, publishText, useCrier, waitForDelivery } from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

/**
 * Pauses through the HTTP API (docs/API.md, "Pauses"): bad input is refused naming the field; a paused account's
 * due delivery waits (its job ends, nothing reaches the platform) and says which pause it waits for; DELETE resumes
 * and the delivery goes out.
 */
describe('POST/GET/DELETE /api/v1/pauses', () => {
  const e2e = useCrier();
  let tg: TelegramFake;

  beforeAll(async () => {
    tg = await TelegramFake.start();
  });

  afterAll(async () => {
    await tg?.stop();
  });

  it('refuses bad input with 400/404 naming the field', async () => {
    const api = e2e.crier.api();
    const refused = async (body: object, status: number, field: string) => {
      const res = await api.post('/api/v1/pauses').send(body).expect(status);
      expect(res.body).toMatchObject({ statusCode: status, message: expect.stringContaining(field) });
    };
    await refused({}, 400, 'scope');
    await refused({ scope: 'everything' }, 400, 'scope');
    await refused({ scope: 'platform' }, 400, 'target');
    await refused({ scope: 'platform', target: 'myspace' }, 400, 'target');
    await refused({ scope: 'account', target: randomUUID() }, 404, 'target');
    await refused({ scope: 'account', target: 'not-an-id' }, 404, 'target');
    await refused({ scope: 'all', target: 'telegram' }, 400, 'target');
    await refused({ scope: 'all', missed: 'later' }, 400, 'missed');
    await refused({ scope: 'all', skipOlderThanMinutes: 5 }, 400, 'skipOlderThanMinutes');
    await refused({ scope: 'all', missed: 'skip', skipOlderThanMinutes: -1 }, 400, 'skipOlderThanMinutes');
    await refused({ scope: 'all', reason: 'x'.repeat(501) }, 400, 'reason');
    await refused({ scope: 'all', extra: 1 }, 400, 'extra');
    expect((await api.delete(`/api/v1/pauses/${randomUUID()}`).expect(404)).body.message).toContain('pause');
    await api.get('/api/v1/pauses?all=maybe').expect(400);
    expect((await api.get('/api/v1/pauses').expect(200)).body).toEqual([]);
  });

  it('a paused account: its due delivery waits and says why; DELETE resumes it and it is published', async () => {
    const api = e2e.crier.api();
    const account = await createTelegramAccount(api, tg, 'Newsroom channel');
    const created = await api
      .post('/api/v1/pauses')
      .send({ scope: 'account', target: account, reason: 'legal review' })
      .expect(201);
    const pause = created.body as { id: string };
    expect(created.body).toMatchObject({
      scope: 'account',
      target: account,
      targetName: 'Newsroom channel',
      reason: 'legal review',
      missed: 'send',
      skipOlderThanMinutes: null,
      active: true,
      resumedAt: null,
      outcome: null,
    });
    expect((await api.get('/api/v1/pauses').expect(200)).body).toEqual([created.body]);

    const completedJobs = async () => {
      const queues = (await api.get('/api/v1/queues').expect(200)).body as Array<{
        platform: string;
        completed: number;
      }>;
      return queues.find((q) => q.platform === 'telegram')?.completed ?? 0;
    };
    const before = await completedJobs();
    const { postId, deliveryId } = await publishText(api, account, 'Council approves the new budget');
    // Its job ran and ended ("not its turn"); the delivery is still scheduled and nothing reached Telegram.
    await waitFor(async () => (await completedJobs()) > before, { what: 'the paused delivery job to end' });
    const waiting = (await api.get(`/api/v1/deliveries/${deliveryId}`).expect(200)).body;
    expect(waiting).toMatchObject({
      status: 'scheduled',
      attemptLog: [],
      waitingFor: { kind: 'pause', pauseId: pause.id, scope: 'account', reason: 'legal review' },
    });
    const listed = (await api.get(`/api/v1/deliveries?postId=${postId}`).expect(200)).body.items;
    expect(listed).toEqual([expect.objectContaining({ id: deliveryId, waitingFor: waiting.waitingFor })]);
    expect(tg.messages).toHaveLength(0);

    const resumed = await api.delete(`/api/v1/pauses/${pause.id}`).expect(200);
    expect(resumed.body).toMatchObject({
      id: pause.id,
      active: false,
      resumedAt: expect.any(String),
      outcome: { sent: 1, skipped: 0, held: 0 },
    });
    await waitForDelivery(api, postId, deliveryId, ['published']);
    expect(tg.messages).toHaveLength(1);
    expect((await api.get(`/api/v1/deliveries/${deliveryId}`).expect(200)).body.waitingFor).toBeNull();
    expect((await api.get('/api/v1/pauses').expect(200)).body).toEqual([]);
    const history = (await api.get('/api/v1/pauses?all=true').expect(200)).body as Array<{ id: string }>;
    expect(history.map((p) => p.id)).toEqual([pause.id]);
    // Resuming again answers the ended pause as it ended.
    expect((await api.delete(`/api/v1/pauses/${pause.id}`).expect(200)).body).toEqual(resumed.body);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await e2e.crier.api().get('/docs-json').expect(200)).body as { paths: Record<string, object> };
    expect(Object.keys(doc.paths['/api/v1/pauses']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/pauses/{id}']).sort()).toEqual(['delete', 'get']);
  });
});
