import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { telegramError, TelegramFake } from '../fakes/telegram.fake';
import { launchChromium, screenshotDir, UI_TIMEOUT } from '../support/browser';
import {
  createMastodonAccount,
  createTelegramAccount,
  inSeconds,
  publishText,
  useCrier,
  waitForDelivery,
} from '../support/e2e-stack';

jest.setTimeout(180_000);

/**
 * The dashboard as an operator uses it: headless Chromium against the built Crier, the fakes behind it, every
 * control found by its accessible name. Screenshots: see screenshotDir (test/support/browser.ts).
 */
const SHOTS = screenshotDir();

describe('the dashboard in a browser', () => {
  const e2e = useCrier();
  let tg: TelegramFake;
  let masto: MastodonFake;
  let browser: Browser;
  let tgAccount: string;
  let mastoAccount: string;
  const texts = {
    published: 'Council approves the new budget after a long night',
    failed: 'Storm warning for the coast: ferries stay in port',
    later: 'Weekend market opens on the square',
  };
  let published: Awaited<ReturnType<typeof publishText>>;
  let failed: Awaited<ReturnType<typeof publishText>>;

  const url = (p: string) => `${e2e.crier.url}${p}`;
  const day = (iso: string) => iso.slice(0, 10);

  beforeAll(async () => {
    [tg, masto, browser] = await Promise.all([
      TelegramFake.start(),
      MastodonFake.start({ flavour: 'mastodon' }),
      launchChromium(),
    ]);
    const api = e2e.crier.api();
    tgAccount = await createTelegramAccount(api, tg, 'Newsroom channel');
    mastoAccount = await createMastodonAccount(api, masto, 'Newsroom on Mastodon');
    published = await publishText(api, [tgAccount, mastoAccount], texts.published);
    for (const d of published.deliveries) await waitForDelivery(api, published.postId, d.id, ['published']);
    tg.failNext('sendMessage', telegramError(400, 'Bad Request: message is too long'));
    failed = await publishText(api, tgAccount, texts.failed);
    await waitForDelivery(api, failed.postId, failed.deliveryId, ['failed']);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  async function signIn(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(url('/dashboard'));
    await page.waitForURL(/\/dashboard\/sign-in\?next=/);
    await page.getByLabel('API token').fill(e2e.crier.opts.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard\/today/);
    return page;
  }

  /** The post's entry on the Today page, found by the link that names it. */
  const postEntry = (page: Page, name: string) =>
    page.locator('li.post').filter({ has: page.getByRole('link', { name }) });

  /** The id of the element that has the keyboard focus (an expression: the test code has no DOM types). */
  const focusedId = (page: Page) => page.evaluate<string>('document.activeElement ? document.activeElement.id : ""');

  const badges = (page: Page, name: string) =>
    postEntry(page, name).getByRole('list', { name: 'Deliveries' }).getByRole('listitem');

  it('signs in with the API token, shows every delivery, retries the failed one, and signs out', async () => {
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin', viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    await page.goto(url('/dashboard/today'));
    await page.waitForURL(/\/dashboard\/sign-in\?next=/);
    await page.getByLabel('API token').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'sign-in.png') });
    await page.close();

    const today = await signIn(context);
    // Without a time zone in the URL, the page switches to the browser's.
    await today.waitForURL(/tz=Europe%2FBerlin/);
    expect(await today.getByText('Times in Europe/Berlin.').count()).toBe(1);
    await today.goto(url(`/dashboard/today?date=${day(failed.scheduledAt)}&tz=UTC`));

    // Each delivery: platform, account, status word; a failure with its reason.
    const ok = badges(today, texts.published);
    expect(await ok.count()).toBe(2);
    expect(await ok.allInnerTexts()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Telegram\s*·\s*Newsroom channel\s+published/),
        expect.stringMatching(/Mastodon\s*·\s*Newsroom on Mastodon\s+published/),
      ]),
    );
    const bad = badges(today, texts.failed);
    expect(await bad.count()).toBe(1);
    expect(await bad.innerText()).toMatch(
      /Telegram\s*·\s*Newsroom channel\s+failed\s+.*Bad Request: message is too long/,
    );
    await today.screenshot({ path: path.join(SHOTS, 'today.png'), fullPage: true });

    // Filters: failed deliveries only; then a search by text.
    await today.getByLabel('Status').selectOption('failed');
    await today.getByRole('button', { name: 'Show' }).click();
    await today.waitForURL(/status=failed/);
    expect(await today.getByRole('link', { name: texts.failed }).count()).toBe(1);
    expect(await today.getByRole('link', { name: texts.published }).count()).toBe(0);
    await today.getByLabel('Status').selectOption('');
    await today.getByLabel('Search title or text').fill('BUDGET');
    await today.getByRole('button', { name: 'Show' }).click();
    await today.waitForURL(/q=BUDGET/);
    expect(await today.getByRole('link', { name: texts.published }).count()).toBe(1);
    expect(await today.getByRole('link', { name: texts.failed }).count()).toBe(0);

    // The failed post: its text and its attempt log; Retry sends it again and the page follows it to published.
    await today.goto(url(`/dashboard/today?date=${day(failed.scheduledAt)}&tz=UTC`));
    await today.getByRole('link', { name: texts.failed }).click();
    await today.waitForURL(new RegExp(`/dashboard/posts/${failed.postId}`));
    expect(await today.getByRole('heading', { level: 1 }).innerText()).toBe(texts.failed);
    const section = today.getByRole('region', { name: /Telegram.*Newsroom channel/ });
    expect(await section.locator('pre.text').innerText()).toBe(texts.failed);
    expect(await section.getByRole('list').last().innerText()).toMatch(
      /attempt 1: permanent \(HTTP 400\): .*Bad Request: message is too long/,
    );
    await today.screenshot({ path: path.join(SHOTS, 'post-failed.png'), fullPage: true });
    await section.getByRole('button', { name: 'Retry' }).click();
    await today.getByText('The delivery is queued again.').waitFor({ timeout: UI_TIMEOUT });
    await today
      .getByRole('heading', { level: 2 })
      .filter({ hasText: /Newsroom channel\s+published/ })
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await section.getByRole('list').last().innerText()).toMatch(/attempt 1: published/);
    expect(tg.messages.map((m) => m.text)).toContain(texts.failed);
    await today.screenshot({ path: path.join(SHOTS, 'post.png'), fullPage: true });

    expect(await today.content()).not.toContain(e2e.crier.opts.apiToken);
    await today.getByRole('button', { name: 'Sign out' }).click();
    await today.waitForURL(/\/dashboard\/sign-in$/);
    expect((await context.cookies()).map((c) => c.name)).not.toContain('crier_session');
    await today.goto(url('/dashboard/today'));
    await today.waitForURL(/\/dashboard\/sign-in\?next=%2Fdashboard%2Ftoday$/);
    await context.close();
  });

  it('keeps the keyboard focus while the Today page updates itself', async () => {
    const context = await browser.newContext({ timezoneId: 'UTC' });
    const page = await signIn(context);
    await page.goto(url(`/dashboard/today?date=${day(published.scheduledAt)}&tz=UTC`));
    const link = page.getByRole('link', { name: texts.published });
    await link.focus();
    const focused = await focusedId(page);
    expect(focused).toBe(`post-${published.postId}`);

    const late = await publishText(e2e.crier.api(), tgAccount, 'Late news: the bridge reopens', published.scheduledAt);
    await page.getByRole('link', { name: 'Late news: the bridge reopens' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await focusedId(page)).toBe(focused);
    await waitForDelivery(e2e.crier.api(), late.postId, late.deliveryId, ['published']);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'today-phone.png'), fullPage: true });
    await context.close();
  });

  it('cancels a scheduled post from its page', async () => {
    const later = await publishText(e2e.crier.api(), mastoAccount, texts.later, inSeconds(3600));
    const context = await browser.newContext({ timezoneId: 'UTC' });
    const page = await signIn(context);
    await page.goto(url(`/dashboard/posts/${later.postId}?tz=UTC`));
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Every delivery that had not started is cancelled.').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('heading', { level: 2 }).innerText()).toMatch(/Newsroom on Mastodon\s+cancelled/);
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    const post = await e2e.crier.api().get(`/api/v1/posts/${later.postId}`).expect(200);
    expect(post.body.deliveries[0].status).toBe('cancelled');
    await context.close();
  });

  it('retries every failed delivery of a post with one button', async () => {
    const api = e2e.crier.api();
    tg.failNext('sendMessage', telegramError(400, 'Bad Request: message is too long'));
    masto.failNext('POST /api/v1/statuses', mastodonError(422, 'Validation failed: Text character limit exceeded'));
    const both = await publishText(api, [tgAccount, mastoAccount], 'Two channels refused this one');
    for (const d of both.deliveries) await waitForDelivery(api, both.postId, d.id, ['failed']);
    const context = await browser.newContext({ timezoneId: 'UTC' });
    const page = await signIn(context);
    await page.goto(url(`/dashboard/posts/${both.postId}?tz=UTC`));
    expect(await page.getByRole('button', { name: 'Retry', exact: true }).count()).toBe(2);
    await page.getByRole('button', { name: 'Retry all failed' }).click();
    await page.getByText('Every failed delivery is queued again.').waitFor({ timeout: UI_TIMEOUT });
    for (const d of both.deliveries) await waitForDelivery(api, both.postId, d.id, ['published']);
    await page.getByText(/post status: published/).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('button', { name: 'Retry all failed' }).count()).toBe(0);
    await context.close();
  });

  it('a wrong token keeps the sign-in form, says so, and sets no session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url('/dashboard/sign-in'));
    // By keyboard alone: the field has the focus when the form opens, Enter sends it.
    await page.keyboard.type(`${e2e.crier.opts.apiToken}x`);
    await page.keyboard.press('Enter');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toBe('That is not the API token.');
    expect(page.url()).toBe(url('/dashboard/sign-in'));
    expect(await page.getByLabel('API token').inputValue()).toBe('');
    expect((await context.cookies()).map((c) => c.name)).not.toContain('crier_session');
    await context.close();
  });

  describe('over plain HTTP', () => {
    /** The cookies a response sets, as one Cookie header's worth, merged into `jar`. */
    function keep(jar: Map<string, string>, res: Response): void {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    }
    const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const hidden = (page: string, name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)?.[1];
    const form = (fields: Record<string, string>) => ({
      'content-type': 'application/x-www-form-urlencoded',
      body: new URLSearchParams(fields).toString(),
    });

    async function post(path: string, jar: Map<string, string>, fields: Record<string, string>) {
      const { body, ...headers } = form(fields);
      const res = await fetch(url(path), {
        method: 'POST',
        redirect: 'manual',
        headers: { ...headers, cookie: cookieHeader(jar) },
        body,
      });
      keep(jar, res);
      return res;
    }

    async function signInHttp(): Promise<{ jar: Map<string, string>; csrf: string }> {
      const jar = new Map<string, string>();
      const first = await fetch(url('/dashboard/sign-in'));
      keep(jar, first);
      const signInCsrf = hidden(await first.text(), '_csrf') as string;
      const res = await post('/dashboard/sign-in', jar, { _csrf: signInCsrf, token: e2e.crier.opts.apiToken });
      expect(res.status).toBe(303);
      expect(res.headers.get('set-cookie')).toMatch(/crier_session=.*HttpOnly.*SameSite=Strict/i);
      expect(res.headers.get('set-cookie')).toMatch(/Path=\/dashboard/);
      const page = await fetch(url('/dashboard/today'), { headers: { cookie: cookieHeader(jar) } });
      expect(page.status).toBe(200);
      return { jar, csrf: hidden(await page.text(), '_csrf') as string };
    }

    it('refuses every state-changing request without the session CSRF token (403) and changes nothing', async () => {
      const api = e2e.crier.api();
      const target = await publishText(api, tgAccount, 'Not to be cancelled by a forged form', inSeconds(3600));
      const mine = await signInHttp();
      const other = await signInHttp();
      expect(mine.csrf).not.toBe(other.csrf);

      const cancel = `/dashboard/posts/${target.postId}/cancel`;
      expect((await post(cancel, mine.jar, {})).status).toBe(403);
      expect((await post(cancel, mine.jar, { _csrf: other.csrf })).status).toBe(403);
      expect((await post(cancel, new Map(), { _csrf: mine.csrf })).status).toBe(403);
      expect((await post(`/dashboard/deliveries/${failed.deliveryId}/retry`, mine.jar, {})).status).toBe(403);
      expect((await post('/dashboard/sign-out', mine.jar, {})).status).toBe(403);
      // The sign-in form has its own token: without it, the right API token does not sign in.
      const jar = new Map<string, string>();
      const res = await post('/dashboard/sign-in', jar, { token: e2e.crier.opts.apiToken });
      expect(res.status).toBe(403);
      expect(jar.has('crier_session')).toBe(false);

      const untouched = await api.get(`/api/v1/posts/${target.postId}`).expect(200);
      expect(untouched.body.deliveries[0].status).toBe('scheduled');
      // The same request with the token does what it says (so the 403s above are the token's doing).
      const done = await post(cancel, mine.jar, { _csrf: mine.csrf });
      expect(done.status).toBe(303);
      const after = await api.get(`/api/v1/posts/${target.postId}`).expect(200);
      expect(after.body.deliveries[0].status).toBe('cancelled');
    });

    it('marks the cookie Secure behind https, and sends nobody off the dashboard after sign-in', async () => {
      const attempt = async (headers: Record<string, string>, next: string) => {
        const jar = new Map<string, string>();
        const first = await fetch(url('/dashboard/sign-in'));
        keep(jar, first);
        const { body, ...type } = form({
          _csrf: hidden(await first.text(), '_csrf') as string,
          token: e2e.crier.opts.apiToken,
          next,
        });
        return fetch(url('/dashboard/sign-in'), {
          method: 'POST',
          redirect: 'manual',
          headers: { ...type, ...headers, cookie: cookieHeader(jar) },
          body,
        });
      };
      const proxied = await attempt({ 'x-forwarded-proto': 'https' }, '/dashboard/posts/x?tz=UTC');
      const session = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('crier_session='));
      expect(session(proxied)).toMatch(/; Secure(;|$)/);
      expect(proxied.headers.get('location')).toBe('/dashboard/posts/x?tz=UTC');
      const plain = await attempt({}, '//evil.example/dashboard');
      expect(session(plain)).toMatch(/; HttpOnly(;|$)/);
      expect(session(plain)).not.toMatch(/Secure/i);
      expect(plain.headers.get('location')).toBe('/dashboard/today');
      for (const next of ['https://evil.example/', '/dashboard\\@evil.example', '/api/v1/posts'])
        expect((await attempt({}, next)).headers.get('location')).toBe('/dashboard/today');
    });

    it('answers bad filters with 400 naming the parameter, and unknown posts with 404', async () => {
      const { jar } = await signInHttp();
      const get = (p: string) => fetch(url(p), { headers: { cookie: cookieHeader(jar) } });
      const bad = await get('/dashboard/today?status=lost');
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('status must be one of');
      expect((await get('/dashboard/posts/not-a-uuid')).status).toBe(404);
      expect((await get('/dashboard/posts/00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await get('/dashboard/today/live')).status).toBe(200);
      expect((await fetch(url('/dashboard/today/live'))).status).toBe(401);
    });

    it('never writes the API token to the log', () => {
      expect(e2e.crier.output).not.toContain(e2e.crier.opts.apiToken);
    });
  });
});
