import path from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MastodonFake } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import { launchChromium, screenshotDir, UI_TIMEOUT } from '../support/browser';
import type { CrierProcess } from '../support/crier-process';
import {
  createMastodonAccount,
  createTelegramAccount,
  inSeconds,
  publishText,
  useCrier,
  waitForDelivery,
} from '../support/e2e-stack';

jest.setTimeout(180_000);

const SHOTS = screenshotDir();
const BERLIN = 'Europe/Berlin';
/** The post page's own format for times (post.view.ts). */
const SHOWN = 'd LLL yyyy, HH:mm:ss';

/**
 * Reschedule from the post page, sessions that end everywhere on sign-out, the sign-in limit, and every page of
 * this part of the dashboard on a phone: headless Chromium against two built Crier processes on one database (A runs
 * everything, B is a second API process), the fakes behind them.
 */
describe('dashboard: reschedule, sessions, sign-in limit, phone width', () => {
  const e2e = useCrier();
  let b: CrierProcess;
  let tg: TelegramFake;
  let masto: MastodonFake;
  let browser: Browser;
  let tgAccount: string;
  let mastoAccount: string;
  let published: Awaited<ReturnType<typeof publishText>>;

  const url = (p: string, crier: CrierProcess = e2e.crier) => `${crier.url}${p}`;

  beforeAll(async () => {
    [tg, masto, browser] = await Promise.all([
      TelegramFake.start(),
      MastodonFake.start({ flavour: 'mastodon' }),
      launchChromium(),
    ]);
    b = await e2e.stack.start('api');
    const api = e2e.crier.api();
    tgAccount = await createTelegramAccount(api, tg, 'Newsroom channel');
    mastoAccount = await createMastodonAccount(api, masto, 'Newsroom on Mastodon');
    published = await publishText(api, [tgAccount, mastoAccount], 'Harbour festival starts on Friday');
    for (const d of published.deliveries) await waitForDelivery(api, published.postId, d.id, ['published']);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  async function signIn(context: BrowserContext, crier: CrierProcess = e2e.crier): Promise<Page> {
    const page = await context.newPage();
    await page.goto(url('/dashboard/sign-in', crier));
    await page.getByLabel('API token').fill(e2e.crier.opts.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard\/today/);
    return page;
  }

  /** The post's delivery as the API has it. */
  async function delivery(postId: string, id: string) {
    const post = await e2e.crier.api().get(`/api/v1/posts/${postId}`).expect(200);
    return (post.body.deliveries as Array<{ id: string; scheduledAt: string }>).find((d) => d.id === id)!;
  }

  it('reschedules a post, then one of its deliveries, from the post page, in the page time zone', async () => {
    const later = await publishText(
      e2e.crier.api(),
      [tgAccount, mastoAccount],
      'Ferry timetable changes next week',
      inSeconds(3600),
    );
    const tgDelivery = later.deliveries.find((d) => d.platform === 'telegram')!;
    const mastoDelivery = later.deliveries.find((d) => d.platform === 'mastodon')!;
    const context = await browser.newContext({ timezoneId: BERLIN, viewport: { width: 1100, height: 900 } });
    const page = await signIn(context);
    await page.goto(url(`/dashboard/posts/${later.postId}?tz=${encodeURIComponent(BERLIN)}`));

    // The whole post: a local time in Berlin, two days ahead.
    const when = DateTime.now()
      .setZone(BERLIN)
      .plus({ days: 2 })
      .set({ hour: 9, minute: 30, second: 0, millisecond: 0 });
    await page.getByLabel('New time').fill(when.toFormat("yyyy-LL-dd'T'HH:mm"));
    await page.getByRole('button', { name: 'Reschedule' }).click();
    await page.getByText('The post is rescheduled.').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByText(/^Scheduled for /).innerText()).toContain(when.toFormat(SHOWN));
    expect(await page.getByLabel('New time').inputValue()).toBe(when.toFormat("yyyy-LL-dd'T'HH:mm"));
    const post = await e2e.crier.api().get(`/api/v1/posts/${later.postId}`).expect(200);
    expect(new Date(post.body.scheduledAt).getTime()).toBe(when.toMillis());
    for (const d of post.body.deliveries) expect(new Date(d.scheduledAt).getTime()).toBe(when.toMillis());

    // One delivery only: Mastodon goes out in the evening, Telegram keeps the morning.
    const evening = when.set({ hour: 18, minute: 5 });
    await page.getByLabel('New time').fill(evening.toFormat("yyyy-LL-dd'T'HH:mm"));
    await page.getByLabel('Move').selectOption({ label: 'Only Mastodon · Newsroom on Mastodon' });
    await page.getByRole('button', { name: 'Reschedule' }).click();
    await page.getByText('The delivery is rescheduled.').waitFor({ timeout: UI_TIMEOUT });
    const section = page.getByRole('region', { name: /Mastodon.*Newsroom on Mastodon/ });
    expect(await section.getByRole('list').last().innerText()).toContain(`${evening.toFormat(SHOWN)}: scheduled`);
    expect(new Date((await delivery(later.postId, mastoDelivery.id)).scheduledAt).getTime()).toBe(evening.toMillis());
    expect(new Date((await delivery(later.postId, tgDelivery.id)).scheduledAt).getTime()).toBe(when.toMillis());
    await page.screenshot({ path: path.join(SHOTS, 'post-reschedule.png'), fullPage: true });

    // A time in the past: the page says why, and nothing moves.
    await page.getByLabel('New time').fill(when.minus({ days: 4 }).toFormat("yyyy-LL-dd'T'HH:mm"));
    await page.getByRole('button', { name: 'Reschedule' }).click();
    await page.getByRole('alert').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('alert').innerText()).toContain('scheduledAt is more than 60 seconds in the past');
    expect(new Date((await delivery(later.postId, tgDelivery.id)).scheduledAt).getTime()).toBe(when.toMillis());
    await context.close();
  });

  it('moves one delivery over the API (PATCH /deliveries/:id), and says why when it cannot', async () => {
    const api = e2e.crier.api();
    const later = await publishText(api, [tgAccount, mastoAccount], 'Museum night moves', inSeconds(3600));
    const [first, second] = later.deliveries;
    const at = inSeconds(7200);
    const moved = await api.patch(`/api/v1/deliveries/${first.id}`).send({ scheduledAt: at }).expect(200);
    expect(moved.body).toMatchObject({ id: first.id, status: 'scheduled', scheduledAt: at, nextAttemptAt: at });
    const post = await api.get(`/api/v1/posts/${later.postId}`).expect(200);
    expect(post.body.deliveries.find((d: { id: string }) => d.id === second.id).scheduledAt).toBe(later.scheduledAt);
    expect(post.body.scheduledAt).toBe(later.scheduledAt);

    // A local time in the post's (here: the given) zone.
    const local = await api
      .patch(`/api/v1/deliveries/${second.id}`)
      .send({ scheduledAt: '2099-03-01T08:00', timezone: 'Asia/Tokyo' })
      .expect(200);
    expect(local.body.scheduledAt).toBe('2099-02-28T23:00:00.000Z');

    const gone = await api.patch(`/api/v1/deliveries/${published.deliveryId}`).send({ scheduledAt: at });
    expect(gone.status).toBe(409);
    expect(gone.body.message).toContain('only scheduled, retrying or held deliveries can be moved');
    const past = await api.patch(`/api/v1/deliveries/${first.id}`).send({ scheduledAt: '2001-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.message).toContain('scheduledAt');
    const noZone = await api.patch(`/api/v1/deliveries/${first.id}`).send({ scheduledAt: 'tomorrow' });
    expect(noZone.status).toBe(400);
    expect(noZone.body.message).toContain('scheduledAt');
    expect(
      (await api.patch('/api/v1/deliveries/00000000-0000-4000-8000-000000000000').send({ scheduledAt: at })).status,
    ).toBe(404);

    const doc = await e2e.crier.api().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths['/api/v1/deliveries/{id}'])).toEqual(expect.arrayContaining(['get', 'patch']));
  });

  it('signing out ends the session in every API process: a copy of the cookie no longer works', async () => {
    const context = await browser.newContext({ timezoneId: 'UTC' });
    const page = await signIn(context);
    const cookie = (await context.cookies()).find((c) => c.name === 'crier_session');
    expect(cookie).toBeDefined();
    const replay = (crier: CrierProcess) =>
      fetch(url('/dashboard/today?tz=UTC', crier), {
        redirect: 'manual',
        headers: { cookie: `crier_session=${cookie!.value}` },
      });
    // Before: the same cookie opens the page on both processes (so the refusals below are the sign-out's doing).
    expect((await replay(e2e.crier)).status).toBe(200);
    expect((await replay(b)).status).toBe(200);
    // The table holds a digest of the session id, never the id or the cookie.
    const id = cookie!.value.split('.')[0];
    const rows = await e2e.stack.db.query<{ id_hash: string }>('select id_hash from dashboard_sessions');
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const r of rows.rows) {
      expect(r.id_hash).not.toContain(id);
      expect(cookie!.value).not.toContain(r.id_hash);
    }

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/dashboard\/sign-in$/);
    for (const crier of [e2e.crier, b]) {
      const res = await replay(crier);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/dashboard\/sign-in\?next=/);
      const live = await fetch(url('/dashboard/today/live?tz=UTC', crier), {
        headers: { cookie: `crier_session=${cookie!.value}` },
      });
      expect(live.status).toBe(401);
    }
    await context.close();
  });

  it('every page here fits a 375 px phone screen without sideways scrolling, and starts with a skip link', async () => {
    const later = await publishText(
      e2e.crier.api(),
      [tgAccount, mastoAccount],
      'A long headline about the regional transport authority and its plans for the winter timetable',
      inSeconds(3600),
    );
    const context = await browser.newContext({ timezoneId: BERLIN, viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    const overflow = () =>
      page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    await page.goto(url('/dashboard/sign-in'));
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.getByLabel('API token').fill(e2e.crier.opts.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard\/today\?.*tz=/);
    const tz = encodeURIComponent(BERLIN);
    const pages = [
      `/dashboard/today?tz=${tz}&date=${later.scheduledAt.slice(0, 10)}`,
      `/dashboard/today?tz=${tz}&view=week&status=scheduled&q=transport`,
      `/dashboard/posts/${later.postId}?tz=${tz}`,
      `/dashboard/posts/${published.postId}?tz=${tz}`,
    ];
    for (const p of pages) {
      await page.goto(url(p));
      await page.getByRole('heading', { level: 1 }).waitFor();
      expect({ page: p, overflow: await overflow() }).toEqual({ page: p, overflow: 0 });
      // The first Tab lands on the skip link, which leads to the content.
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
    }
    await page.screenshot({ path: path.join(SHOTS, 'post-phone.png'), fullPage: true });
    await context.close();
  });

  it('too many wrong tokens from one address: told to wait (429, Retry-After), the right token too', async () => {
    // On process B, so the limit it builds up does not touch the other tests' sign-ins on A.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url('/dashboard/sign-in', b));
    /** Sends the form with `token` and answers the status of the sign-in's response. */
    const send = async (token: string) => {
      await page.getByLabel('API token').fill(token);
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/dashboard/sign-in')),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      await page.getByLabel('API token').waitFor();
      return res.status();
    };
    for (let i = 0; i < 10; i++) {
      expect(await send(`wrong-token-${i}-0123456789`)).toBe(401);
      expect(await page.getByRole('alert').innerText()).toBe('That is not the API token.');
    }
    expect(await send('still-wrong-0123456789')).toBe(429);
    const told = 'Too many wrong tokens from your address. Wait 10 minutes, then try again.';
    expect(await page.getByRole('alert').innerText()).toBe(told);
    expect(await send(e2e.crier.opts.apiToken)).toBe(429);
    expect(await page.getByRole('alert').innerText()).toBe(told);
    expect(page.url()).toBe(url('/dashboard/sign-in', b));
    expect((await context.cookies()).map((c) => c.name)).not.toContain('crier_session');
    await page.screenshot({ path: path.join(SHOTS, 'sign-in-wait.png') });

    // Over plain HTTP: 429 with Retry-After in seconds, at most the window.
    const form = await fetch(url('/dashboard/sign-in', b));
    const nonce = form.headers.getSetCookie()[0].split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const res = await fetch(url('/dashboard/sign-in', b), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: nonce },
      body: new URLSearchParams({ _csrf: csrf, token: e2e.crier.opts.apiToken }).toString(),
    });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('crier_session='))).toBe(false);
    expect(b.output).not.toContain(e2e.crier.opts.apiToken);
    await context.close();
  });
});
