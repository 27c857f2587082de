import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { MastodonFake, mastodonError } from '../fakes/mastodon.fake';
import { telegramError, TelegramFake } from '../fakes/telegram.fake';
import { launchChromium, screenshotDir, UI_TIMEOUT } from '../support/browser';
import {
  createMastodonAccount,
  createTelegramAccount,
  publishText,
  useCrier,
  waitForDelivery,
} from '../support/e2e-stack';

jest.setTimeout(180_000);

const SHOTS = screenshotDir();

describe('the Failures inbox in a browser', () => {
  const e2e = useCrier();
  let tg: TelegramFake;
  let masto: MastodonFake;
  let browser: Browser;
  const url = (p: string) => `${e2e.crier.url}${p}`;

  beforeAll(async () => {
    [tg, masto, browser] = await Promise.all([
      TelegramFake.start(),
      MastodonFake.start({ flavour: 'mastodon' }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([tg?.stop(), masto?.stop()]);
  });

  async function signIn(): Promise<Page> {
    const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    await page.goto(url('/dashboard/sign-in'));
    await page.getByLabel('API token').fill(e2e.crier.opts.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard\/today/);
    return page;
  }

  /** A group of the inbox (a list named by the group's title) and the row in it whose post link has `title`. */
  const row = (page: Page, group: string, title: string) =>
    page
      .getByRole('list', { name: group })
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name: title }) });

  it('lists a rejected and a held delivery by cause; Retry publishes the one, Cancel ends the other', async () => {
    const api = e2e.crier.api();
    const tgAccount = await createTelegramAccount(api, tg, 'Newsroom channel');
    const mastoAccount = await createMastodonAccount(api, masto, 'Newsroom on Mastodon');
    const rejectedText = 'Harbour closed after the storm';
    const heldText = 'Library opens on Sundays';
    tg.failNext('sendMessage', telegramError(400, 'Bad Request: message is too long'));
    masto.failNext('POST /api/v1/statuses', mastodonError(401, 'The access token is invalid'));
    const rejected = await publishText(api, tgAccount, rejectedText);
    const held = await publishText(api, mastoAccount, heldText);
    await waitForDelivery(api, rejected.postId, rejected.deliveryId, ['failed']);
    await waitForDelivery(api, held.postId, held.deliveryId, ['held']);

    const page = await signIn();
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Failures' }).click();
    await page.waitForURL(/\/dashboard\/failures/);
    // Every page is built: the nav links each one, and lists nothing as not built.
    expect(
      await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Pauses' }).count(),
    ).toBe(1);
    expect(await page.getByText(/Not built yet/).count()).toBe(0);

    const failed = row(page, 'Rejected by the platform', rejectedText);
    expect(await failed.count()).toBe(1);
    expect(await failed.innerText()).toMatch(
      /Telegram\s*·\s*Newsroom channel\s+failed[\s\S]*Bad Request: message is too long/,
    );
    expect(await failed.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    const waiting = row(page, 'Account needs re-authentication', heldText);
    expect(await waiting.innerText()).toMatch(/Mastodon\s*·\s*Newsroom on Mastodon\s+held/);
    expect(await waiting.innerText()).toContain("Fix the account's credentials (Edit credentials, or PATCH");
    expect(await waiting.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    // The account's own fixes, as on the Accounts page.
    expect(await waiting.getByRole('button', { name: 'Verify' }).count()).toBe(1);
    expect(await waiting.getByRole('button', { name: 'Edit credentials' }).count()).toBe(1);
    expect(await page.getByRole('heading', { level: 2 }).allInnerTexts()).toEqual([
      'Account needs re-authentication (1)',
      'Rejected by the platform (1)',
    ]);
    await page.screenshot({ path: path.join(SHOTS, 'failures.png'), fullPage: true });

    // Retry: back on the inbox with a notice; the delivery goes out and its row leaves the inbox.
    await failed.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('The delivery is queued again.').waitFor({ timeout: UI_TIMEOUT });
    expect(page.url()).toMatch(/\/dashboard\/failures\?/);
    await waitForDelivery(api, rejected.postId, rejected.deliveryId, ['published']);
    await failed.waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    expect(tg.messages.map((m) => m.text)).toContain(rejectedText);

    // Cancel: the held delivery is cancelled and leaves the inbox; the inbox says nothing needs a look.
    await waiting.getByRole('button', { name: 'Cancel' }).click();
    await page
      .getByText('Every delivery of that post that had not started is cancelled.')
      .waitFor({ timeout: UI_TIMEOUT });
    await waitForDelivery(api, held.postId, held.deliveryId, ['cancelled']);
    await page.getByText(/Nothing needs a look/).waitFor({ timeout: UI_TIMEOUT });

    // The post page agrees.
    await page.goto(url(`/dashboard/posts/${rejected.postId}?tz=UTC`));
    await page.getByText(/post status: published/).waitFor({ timeout: UI_TIMEOUT });
    await page.context().close();
  });
});
