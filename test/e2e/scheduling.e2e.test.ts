import { TelegramFake } from '../fakes/telegram.fake';
import { CrierProcess } from '../support/crier-process';
import { createTelegramAccount, E2EStack, inSeconds, waitForDelivery } from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(60_000);

/** Time zones, DST, reschedule and cancel: the job always follows the row. */
describe('scheduling', () => {
  let stack: E2EStack;
  let crier: CrierProcess;
  let tg: TelegramFake;
  let tgId: string;

  beforeAll(async () => {
    stack = await E2EStack.create();
    tg = await TelegramFake.start();
    // The server's own TZ must not matter.
    crier = await stack.start('all', { TZ: 'Pacific/Kiritimati' });
    tgId = await createTelegramAccount(crier.api(), tg);
  });

  afterAll(async () => {
    await stack?.close();
    await tg?.stop();
  });

  /**
   * When each `sendMessage` with exactly this text reached the fake Telegram (its request log), oldest first: what
   * the channel's readers see, and when. Nothing here reads the queue, whose layout is not the API.
   */
  const sentAt = (text: string): Date[] =>
    tg
      .requestsTo(`POST /bot${tg.botToken}/sendMessage`)
      .filter((r) => (r.body as { text?: unknown } | undefined)?.text === text)
      .map((r) => r.at);

  /** How late a publish may arrive after its time and still count as "at" it: slack for a busy shared machine. */
  const ON_TIME_MS = 10_000;

  it.each([
    // Winter (UTC+1) and summer (UTC+2) in Berlin, across the 2027-03-28 spring-forward.
    ['2027-03-27T09:30', 'Europe/Berlin', '2027-03-27T08:30:00.000Z'],
    ['2027-03-28T09:30', 'Europe/Berlin', '2027-03-28T07:30:00.000Z'],
    // New York falls back on 2027-11-07: 01:30 happens twice, the first (EDT) is meant.
    ['2027-11-07T01:30', 'America/New_York', '2027-11-07T05:30:00.000Z'],
    ['2027-06-01T12:00:00+05:30', undefined, '2027-06-01T06:30:00.000Z'],
  ])('schedules %s in %s at %s UTC', async (local, timezone, utc) => {
    const res = await crier
      .api()
      .post('/api/v1/posts')
      .send({ text: `tz ${local}`, accountIds: [tgId], scheduledAt: local, timezone })
      .expect(201);
    expect(res.body.scheduledAt).toBe(utc);
    expect(res.body.deliveries[0].scheduledAt).toBe(utc);
    await crier.api().delete(`/api/v1/posts/${res.body.id}`).expect(200);
  });

  it('refuses a local time the clocks skip', async () => {
    const res = await crier
      .api()
      .post('/api/v1/posts')
      .send({ text: 'gap', accountIds: [tgId], scheduledAt: '2027-03-28T02:30', timezone: 'Europe/Berlin' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('scheduledAt');
  });

  it('reschedule moves the post: it goes out once, at the new time, not before', async () => {
    const api = crier.api();
    const created = await api
      .post('/api/v1/posts')
      .send({ text: 'moved post', accountIds: [tgId], scheduledAt: inSeconds(3600) })
      .expect(201);
    const d = created.body.deliveries[0];
    expect(d.status).toBe('scheduled');

    const newAt = inSeconds(3);
    const moved = await api.patch(`/api/v1/posts/${created.body.id}`).send({ scheduledAt: newAt }).expect(200);
    expect(moved.body.scheduledAt).toBe(newAt);
    expect(moved.body.deliveries[0].scheduledAt).toBe(newAt);
    expect(sentAt('moved post')).toEqual([]);

    // Left at its first time (an hour ahead), it would never arrive within the wait; sent at creation or at the
    // move, it would arrive before `newAt`.
    const published = await waitForDelivery(api, created.body.id, d.id, ['published']);
    const sends = sentAt('moved post');
    expect(sends).toHaveLength(1);
    const lateMs = sends[0].getTime() - new Date(newAt).getTime();
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(ON_TIME_MS);
    expect(new Date(String(published.publishedAt)).getTime()).toBeGreaterThanOrEqual(sends[0].getTime());

    // Nothing is left to move.
    const late = await api.patch(`/api/v1/posts/${created.body.id}`).send({ scheduledAt: inSeconds(60) });
    expect(late.status).toBe(409);
  });

  it('cancel: nothing is posted at the time, and a retry brings the post back', async () => {
    const api = crier.api();
    const created = await api
      .post('/api/v1/posts')
      .send({ text: 'cancelled post', accountIds: [tgId], scheduledAt: inSeconds(2) })
      .expect(201);
    const d = created.body.deliveries[0];
    const cancelled = await api.delete(`/api/v1/posts/${created.body.id}`).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.deliveries[0].status).toBe('cancelled');

    // A later post of the same account goes out after the cancelled one's time: the cancelled one never did.
    const next = await api
      .post('/api/v1/posts')
      .send({ text: 'after cancel', accountIds: [tgId], scheduledAt: inSeconds(3) })
      .expect(201);
    await waitForDelivery(api, next.body.id, next.body.deliveries[0].id, ['published']);
    expect(sentAt('cancelled post')).toEqual([]);
    expect((await api.delete(`/api/v1/posts/${created.body.id}`)).status).toBe(409);

    // The user may bring a cancelled delivery back.
    await api.post(`/api/v1/deliveries/${d.id}/retry`).expect(200);
    await waitForDelivery(api, created.body.id, d.id, ['published']);
    expect(sentAt('cancelled post')).toHaveLength(1);
  });

  it("publishes an account's posts in scheduled order", async () => {
    const api = crier.api();
    const at = inSeconds(2);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const scheduledAt = new Date(new Date(at).getTime() + n * 10).toISOString();
      const res = await api
        .post('/api/v1/posts')
        .send({ text: `order ${n}`, accountIds: [tgId], scheduledAt })
        .expect(201);
      ids.push(res.body.id);
    }
    await waitFor(() => tg.messages.filter((m) => m.text.startsWith('order ')).length === 3, {
      what: 'three ordered posts',
    });
    expect(tg.messages.filter((m) => m.text.startsWith('order ')).map((m) => m.text)).toEqual([
      'order 1',
      'order 2',
      'order 3',
    ]);
  });
});
