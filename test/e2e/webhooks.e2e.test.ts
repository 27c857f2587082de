import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '../../src/webhooks/webhook-signature';
import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import {
  createMastodonAccount,
  createTelegramAccount,
  publishText,
  useCrier,
  waitForDelivery,
} from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  answered: number;
}

/** The receiver a publisher would run: answers 500 to its first `failFirst` requests, then 204. */
async function startReceiver(failFirst: number) {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const answered = received.length < failFirst ? 500 : 204;
      received.push({
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
        body,
        answered,
      });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crier`;
  return { url, received, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Signs in to the dashboard over plain HTTP (its form and CSRF token); reads pages and posts its forms. */
async function dashboardSession(base: string, token: string) {
  const first = await fetch(`${base}/dashboard/sign-in`);
  const cookies = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())?.[1] ?? '';
  const signedIn = await fetch(`${base}/dashboard/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies(first).join('; ') },
    body: new URLSearchParams({ _csrf: csrf, token }).toString(),
  });
  expect(signedIn.status).toBe(303);
  const cookie = [...cookies(first), ...cookies(signedIn)].join('; ');
  return {
    async page(path: string): Promise<string> {
      const res = await fetch(`${base}${path}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      return res.text();
    },
    /** Posts the form of `page` whose action is `action`, with the page's CSRF token; the answer's status. */
    async submit(page: string, action: string): Promise<number> {
      const pageCsrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
      expect(page).toContain(`action="${action}`);
      const res = await fetch(`${base}${action}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ _csrf: pageCsrf }).toString(),
      });
      return res.status;
    },
  };
}

/**
 * Signed webhooks end to end (issue 10, part 3): a receiver registered over the API gets every event of a post that
 * succeeds and of one that fails, once per message id, each with a valid Standard Webhooks signature, although it
 * refused the first two requests.
 */
describe('signed webhooks', () => {
  const e2e = useCrier('all', {
    CRIER_FEEDS_ALLOW_PRIVATE: 'true',
    CRIER_WEBHOOKS_RETRY_BASE_MS: '200',
    CRIER_PUBLIC_URL: 'https://crier.example.org',
  });
  let tg: TelegramFake;
  let masto: MastodonFake;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeEach(async () => {
    [tg, masto, receiver] = await Promise.all([
      TelegramFake.start(),
      MastodonFake.start({ flavour: 'mastodon' }),
      startReceiver(2),
    ]);
  });

  afterEach(async () => {
    await Promise.all([tg?.stop(), masto?.stop(), receiver?.stop()]);
  });

  it('validates like the rest of the API', async () => {
    const api = e2e.crier.api();
    const bad = await api
      .post('/api/v1/webhooks')
      .send({ url: receiver.url, events: ['post.exploded'] })
      .expect(400);
    expect(bad.body.message).toMatch(/^events must each be one of/);
    expect(
      (
        await api
          .post('/api/v1/webhooks')
          .send({ events: ['post.failed'] })
          .expect(400)
      ).body.message,
    ).toMatch(/^url/);
    expect(
      (await api.post('/api/v1/webhooks').send({ url: receiver.url, events: [] }).expect(400)).body.message,
    ).toMatch(/^events must name at least one event/);
    await api.get('/api/v1/webhooks/not-a-webhook').expect(404);
    await api.post('/api/v1/webhooks/not-a-webhook/enable').expect(404);
    // Enabling one that sends already answers it as it is.
    const made = await api
      .post('/api/v1/webhooks')
      .send({ url: receiver.url, events: ['feed.failing'] })
      .expect(201);
    const enabled = await api.post(`/api/v1/webhooks/${made.body.id as string}/enable`).expect(200);
    expect(enabled.body).toMatchObject({ id: made.body.id, enabled: true, disabledReason: null });
    expect(enabled.body.secret).toBeUndefined();
    await api.delete(`/api/v1/webhooks/${made.body.id as string}`).expect(204);
  });

  it('every event of a published and a failed post arrives once per id, signed, after two refusals', async () => {
    const api = e2e.crier.api();
    const created = await api
      .post('/api/v1/webhooks')
      .send({ url: receiver.url, events: ['delivery.published', 'delivery.failed', 'post.published', 'post.failed'] })
      .expect(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = await api.get('/api/v1/webhooks').expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6));
    expect(listed.body).toEqual([expect.objectContaining({ id: created.body.id, enabled: true })]);

    const tgId = await createTelegramAccount(api, tg);
    const mastoId = await createMastodonAccount(api, masto);
    masto.failNext(
      'POST /api/v1/statuses',
      mastodonError(422, 'Validation failed: Text character limit of 500 exceeded'),
    );
    const ok = await publishText(api, tgId, 'This one goes out');
    const bad = await publishText(api, mastoId, 'This one is refused');
    await waitForDelivery(api, ok.postId, ok.deliveryId, ['published']);
    await waitForDelivery(api, bad.postId, bad.deliveryId, ['failed']);

    const delivered = () => receiver.received.filter((r) => r.answered === 204);
    await waitFor(() => delivered().length >= 4, { what: 'four events delivered', timeoutMs: 30_000 });
    // Nothing more arrives: no duplicates, no stray events.
    await new Promise((r) => setTimeout(r, 1500));

    expect(receiver.received.slice(0, 2).map((r) => r.answered)).toEqual([500, 500]);
    const ids = delivered().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(4);
    // The refused ones came back under the same id with the same body.
    for (const refused of receiver.received.slice(0, 2)) {
      const again = delivered().find((r) => r.id === refused.id);
      expect(again?.body).toBe(refused.body);
    }
    for (const r of receiver.received) {
      expect(verify(secret, { id: r.id, timestamp: r.timestamp, signature: r.signature }, r.body)).toBe(true);
    }

    const events = delivered().map((r) => JSON.parse(r.body) as { type: string; timestamp: string; data: any });
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    expect(Object.keys(byType).sort()).toEqual([
      'delivery.failed',
      'delivery.published',
      'post.failed',
      'post.published',
    ]);
    expect(byType['delivery.published'].data).toMatchObject({
      deliveryId: ok.deliveryId,
      postId: ok.postId,
      accountId: tgId,
      platform: 'telegram',
      status: 'published',
      links: { dashboard: `https://crier.example.org/dashboard/posts/${ok.postId}` },
    });
    expect(byType['delivery.failed'].data).toMatchObject({ deliveryId: bad.deliveryId, status: 'failed' });
    expect(String(byType['delivery.failed'].data.reason)).toContain('Text character limit of 500 exceeded');
    expect(byType['post.published'].data).toMatchObject({ postId: ok.postId, status: 'published' });
    expect(byType['post.failed'].data).toMatchObject({ postId: bad.postId, status: 'failed' });
    for (const e of events) expect(Number.isNaN(Date.parse(e.timestamp))).toBe(false);
    const everything = receiver.received.map((r) => r.body).join('\n');
    expect(everything).not.toContain(secret.slice(6));

    const shown = await api.get(`/api/v1/webhooks/${created.body.id}`).expect(200);
    expect(shown.body.enabled).toBe(true);
    expect(shown.body.lastAttempts).toHaveLength(receiver.received.length);
    expect(shown.body.lastAttempts.filter((a: { statusCode: number }) => a.statusCode === 500)).toHaveLength(2);
    expect(JSON.stringify(shown.body)).not.toContain(secret.slice(6));

    // The dashboard's Webhooks page shows the receiver and its attempts (never the secret).
    const session = await dashboardSession(e2e.crier.url, e2e.crier.opts.apiToken);
    const dashboard = await session.page('/dashboard/webhooks');
    expect(dashboard).toContain(receiver.url);
    expect(dashboard).toContain('HTTP 500');
    expect(dashboard).not.toContain(secret.slice(6));
    expect(dashboard).not.toContain('Send again');

    // Disabled (as after a message used up its sends), it is sent to again from the dashboard's button.
    await e2e.stack.db.query(
      "update webhooks set enabled = false, disabled_reason = 'failed 12 sends', disabled_at = now() where id = $1",
      [created.body.id],
    );
    const disabledPage = await session.page('/dashboard/webhooks');
    expect(disabledPage).toContain('failed 12 sends');
    expect(await session.submit(disabledPage, `/dashboard/webhooks/${created.body.id as string}/enable`)).toBe(303);
    expect((await api.get(`/api/v1/webhooks/${created.body.id}`).expect(200)).body).toMatchObject({
      enabled: true,
      disabledReason: null,
    });

    await api.delete(`/api/v1/webhooks/${created.body.id}`).expect(204);
    await api.get(`/api/v1/webhooks/${created.body.id}`).expect(404);
  });
});
