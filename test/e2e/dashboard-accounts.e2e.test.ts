import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { MastodonFake } from '../fakes/mastodon.fake';
import { TelegramFake } from '../fakes/telegram.fake';
import { XFake } from '../fakes/x.fake';
import { launchChromium, screenshotDir, UI_TIMEOUT } from '../support/browser';
import { createTelegramAccount, publishText, useCrier, waitForDelivery } from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(180_000);

const SHOTS = screenshotDir();

/**
 * The Accounts page in a browser, against the built Crier and the fakes: each account's health, Verify, Edit
 * credentials bringing an account the platform refused back, and Pause/Resume of one account.
 */
describe('the Accounts page in a browser', () => {
  const e2e = useCrier();
  let tg: TelegramFake;
  let masto: MastodonFake;
  let x: XFake;
  let browser: Browser;
  const url = (p: string) => `${e2e.crier.url}${p}`;

  beforeAll(async () => {
    [tg, masto, x, browser] = await Promise.all([
      TelegramFake.start(),
      MastodonFake.start({ flavour: 'mastodon' }),
      XFake.start(),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([tg?.stop(), masto?.stop(), x?.stop()]);
  });

  async function signIn(viewport = { width: 1100, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ timezoneId: 'UTC', viewport });
    const page = await context.newPage();
    await page.goto(url('/dashboard/sign-in'));
    await page.getByLabel('API token').fill(e2e.crier.opts.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard\/today/);
    return page;
  }

  /** An account's entry: the list item named by its heading (platform · name · status). */
  const entry = (page: Page, name: string): Locator =>
    page
      .getByRole('list', { name: 'Accounts' })
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: new RegExp(name) }) });

  it('health, Verify, Edit credentials of a refused account, Pause and Resume', async () => {
    const api = e2e.crier.api();
    const tgId = await createTelegramAccount(api, tg, 'Newsroom channel');
    const wrongToken = 'revoked-token-0123456789abcdef';
    const mastoId = (
      await api
        .post('/api/v1/accounts')
        .send({
          platform: 'mastodon',
          name: 'Newsroom toots',
          credentials: { accessToken: wrongToken },
          settings: { apiBaseUrl: masto.baseUrl },
        })
        .expect(201)
    ).body.id as string;
    const xRes = await api
      .post('/api/v1/accounts')
      .send({
        platform: 'x',
        name: 'Newsroom on X',
        credentials: x.oauth1Credentials(),
        settings: { apiBaseUrl: x.baseUrl, maxPostsPerDay: '10' },
      })
      .expect(201);
    const onX = await publishText(api, xRes.body.id as string, 'Budget passed: https://news.example/budget');
    await waitForDelivery(api, onX.postId, onX.deliveryId, ['published']);
    const sent = await publishText(api, tgId, 'Harbour reopens on Monday');
    await waitForDelivery(api, sent.postId, sent.deliveryId, ['published']);
    const held = await publishText(api, mastoId, 'Library opens on Sundays');
    await waitForDelivery(api, held.postId, held.deliveryId, ['held']);

    const page = await signIn();
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Accounts' }).click();
    await page.waitForURL(/\/dashboard\/accounts/);
    // Every page is built: the nav links each one, and lists nothing as not built.
    expect(
      await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Accounts' }).count(),
    ).toBe(1);
    expect(await page.getByText(/Not built yet/).count()).toBe(0);

    // The published account: platform, name, status word, and its last success linking to the post.
    const good = entry(page, 'Newsroom channel');
    expect(await good.getByRole('heading').innerText()).toMatch(/Telegram\s*·\s*Newsroom channel\s+active/);
    const goodText = await good.innerText();
    expect(goodText).toMatch(/Last success\s+\d+ \w+ \d{4}, \d\d:\d\d · post/);
    expect(await good.getByRole('link', { name: 'post' }).first().getAttribute('href')).toContain(sent.postId);
    expect(goodText).toMatch(/Last error\s+none/);
    expect(goodText).toMatch(/Pending\s+0/);

    // The refused one: reauth required with the platform's reason, its last error and the held delivery.
    const bad = entry(page, 'Newsroom toots');
    expect(await bad.getByRole('heading').innerText()).toMatch(/Mastodon\s*·\s*Newsroom toots\s+reauth required/);
    const badText = await bad.innerText();
    expect(badText).toContain('The access token is invalid');
    expect(badText).toMatch(/Last error\s+.*reauth \(HTTP 401\)/);
    expect(badText).toMatch(/1 held/);
    expect(badText).not.toContain(wrongToken);

    // X: what the day cost so far, against the cap.
    expect(await entry(page, 'Newsroom on X').innerText()).toMatch(
      /Cost\s+1 published in the last 24 hours \(cap 10\), 1 today · about \$0\.20 in 24 hours, \$0\.20 today/,
    );
    await page.screenshot({ path: path.join(SHOTS, 'accounts.png'), fullPage: true });

    // Verify (by keyboard): the platform still refuses the stored token; the page says so and why.
    await bad.getByRole('button', { name: 'Verify' }).focus();
    await page.keyboard.press('Enter');
    const refusal = page.getByRole('alert');
    await refusal.waitFor({ timeout: UI_TIMEOUT });
    expect(await refusal.innerText()).toMatch(
      /Verify Mastodon · Newsroom toots: the platform refused the credentials: .*The access token is invalid/,
    );

    // Edit credentials: one password field per secret, empty; saving the right token brings the account back.
    await bad.getByRole('button', { name: 'Edit credentials' }).click();
    await page.waitForURL(new RegExp(`/dashboard/accounts/${mastoId}/credentials`));
    const field = page.getByLabel('Access token');
    expect(await field.getAttribute('type')).toBe('password');
    expect(await field.inputValue()).toBe('');
    expect(await page.content()).not.toContain(wrongToken);
    await page.getByRole('button', { name: 'Save credentials' }).click();
    expect(await page.getByRole('alert').innerText()).toContain('Nothing to save');
    await page.getByLabel('Access token').fill(masto.accessToken);
    await page.getByRole('button', { name: 'Save credentials' }).click();
    await page.waitForURL(/\/dashboard\/accounts\?.*done=reactivated/);
    expect(await page.getByRole('status').filter({ hasText: 'Credentials saved' }).innerText()).toContain(
      'The account is active again',
    );
    expect(await bad.getByRole('heading').innerText()).toMatch(/Newsroom toots\s+active/);
    // The held delivery goes out, and the live region shows its success without a reload.
    await waitForDelivery(api, held.postId, held.deliveryId, ['published'], UI_TIMEOUT);
    await bad.getByText(/Last success\s+\d+/).waitFor({ timeout: UI_TIMEOUT });
    expect(masto.statuses.map((s) => s.text)).toContain('Library opens on Sundays');

    await bad.getByRole('button', { name: 'Verify' }).click();
    expect(await page.getByRole('status').filter({ hasText: 'Verified' }).innerText()).toContain(
      'Verified Mastodon · Newsroom toots: the platform accepted the credentials',
    );

    // Pause the Telegram account with a reason: a due delivery waits; Resume (send) and it goes out.
    await good.getByLabel('Reason').fill('Legal review');
    await good.getByLabel('Missed deliveries').selectOption('send');
    await good.getByRole('button', { name: 'Pause' }).click();
    await page.waitForURL(/\/dashboard\/accounts\?.*done=paused/);
    expect(await good.locator('.paused').innerText()).toBe('Paused: Legal review');
    const waiting = await publishText(api, tgId, 'Council meets on Thursday');
    await waitFor(
      async () =>
        (await api.get(`/api/v1/deliveries/${waiting.deliveryId}`).expect(200)).body.waitingFor?.kind === 'pause',
      { what: 'the delivery to wait for the pause' },
    );
    expect(tg.messages.map((m) => m.text)).not.toContain('Council meets on Thursday');
    await good.getByRole('button', { name: 'Resume' }).click();
    await page.waitForURL(/\/dashboard\/accounts\?.*resumed=/);
    expect(await page.getByRole('status').filter({ hasText: 'Resumed' }).innerText()).toContain('1 sent');
    await waitForDelivery(api, waiting.postId, waiting.deliveryId, ['published'], UI_TIMEOUT);
    expect(await good.locator('.paused').count()).toBe(0);
    await page.context().close();
  });

  it('is readable on a phone: nothing wider than the screen', async () => {
    const page = await signIn({ width: 375, height: 740 });
    await page.goto(url('/dashboard/accounts?tz=UTC'));
    await page.getByRole('list', { name: 'Accounts' }).waitFor();
    // A string, evaluated in the page: the tests are compiled without the DOM's types.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await page.context().close();
  });
});
