import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TelegramFake } from '../fakes/telegram.fake';
import { launchChromium, screenshotDir, UI_TIMEOUT } from '../support/browser';
import { createTelegramAccount, publishText, useCrier, waitForDelivery } from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(180_000);

const SHOTS = screenshotDir();

/**
 * The Pauses page in a browser, against the built Crier and the fake Telegram: pause an account, see a due delivery
 * wait (and why, on every page), resume with "send" and watch it publish; pause with "skip" and see it skipped.
 */
describe('the Pauses page in a browser', () => {
  const e2e = useCrier();
  let tg: TelegramFake;
  let browser: Browser;
  const url = (p: string) => `${e2e.crier.url}${p}`;

  beforeAll(async () => {
    [tg, browser] = await Promise.all([TelegramFake.start(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await tg?.stop();
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

  /** Telegram jobs that have ended: a paused delivery's job ends ("not its turn") and leaves it waiting. */
  async function completedJobs(): Promise<number> {
    const queues = (await e2e.crier.api().get('/api/v1/queues').expect(200)).body as Array<{
      platform: string;
      completed: number;
    }>;
    return queues.find((q) => q.platform === 'telegram')?.completed ?? 0;
  }

  async function pause(page: Page, what: string, reason: string, missed: string, minutes?: string): Promise<void> {
    await page.getByLabel('What to pause').selectOption({ label: what });
    await page.getByLabel('Reason').fill(reason);
    await page.getByLabel('On resume, deliveries that fell due meanwhile').selectOption({ label: missed });
    if (minutes !== undefined) await page.getByLabel(/Skip those over/).fill(minutes);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.waitForURL(/\/dashboard\/pauses\?.*done=paused/);
  }

  it('pause an account: a due delivery waits and says why; resume with send and it publishes', async () => {
    const api = e2e.crier.api();
    const account = await createTelegramAccount(api, tg, 'Newsroom channel');
    const page = await signIn();
    expect(await page.locator('.banner').count()).toBe(0);
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Pauses' }).click();
    await page.waitForURL(/\/dashboard\/pauses/);
    expect(await page.getByText('Nothing is paused.').count()).toBe(1);

    await pause(page, 'Newsroom channel (Telegram)', 'Legal review <b>now</b>', 'Send them');
    const active = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'account Newsroom channel' }) });
    expect(await active.innerText()).toContain('Legal review <b>now</b>');
    // The banner, on this page and every other, with the reason as text (never markup).
    expect(await page.locator('.banner').innerText()).toMatch(
      /Publishing is paused:\s*account Newsroom channel \(Legal review <b>now<\/b>\)/,
    );

    const before = await completedJobs();
    const { postId, deliveryId } = await publishText(api, account, 'Harbour reopens after the storm');
    await waitFor(async () => (await completedJobs()) > before, { what: 'the paused delivery job to end' });
    expect((await api.get(`/api/v1/deliveries/${deliveryId}`).expect(200)).body.status).toBe('scheduled');
    expect(tg.messages).toHaveLength(0);

    await page.goto(url(`/dashboard/posts/${postId}`));
    expect(await page.locator('section.delivery .paused').innerText()).toBe('paused: Legal review <b>now</b>');
    expect(await page.locator('.banner').count()).toBe(1);
    await page.goto(url('/dashboard/today'));
    const badge = page.locator('li.badge').filter({ hasText: 'Newsroom channel' });
    expect(await badge.locator('.paused').innerText()).toBe('paused: Legal review <b>now</b>');

    await page.goto(url('/dashboard/pauses'));
    await page.screenshot({ path: path.join(SHOTS, 'pauses.png'), fullPage: true });
    await active.getByRole('button', { name: 'Resume' }).click();
    await page.waitForURL(/\/dashboard\/pauses\?.*resumed=/);
    expect(await page.getByRole('status').filter({ hasText: 'Resumed' }).innerText()).toContain(
      'Resumed account Newsroom channel. Deliveries that fell due meanwhile: 1 sent, 0 skipped, 0 held.',
    );
    expect(await page.locator('.banner').count()).toBe(0);
    await waitForDelivery(api, postId, deliveryId, ['published'], UI_TIMEOUT);
    expect(tg.messages).toHaveLength(1);
    await page.goto(url(`/dashboard/posts/${postId}`));
    expect(await page.locator('section.delivery .paused').count()).toBe(0);
  });

  it('pause with skip: a delivery that missed its time is skipped with the reason on resume', async () => {
    const api = e2e.crier.api();
    const account = await createTelegramAccount(api, tg, 'Weather desk');
    const page = await signIn();
    await page.goto(url('/dashboard/pauses'));
    await pause(page, 'Weather desk (Telegram)', 'wrong forecast', 'Skip the old ones', '0');

    const before = await completedJobs();
    const { postId, deliveryId } = await publishText(api, account, 'Sunny all week');
    await waitFor(async () => (await completedJobs()) > before, { what: 'the paused delivery job to end' });
    const active = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'account Weather desk' }) });
    await page.reload();
    await active.getByRole('button', { name: 'Resume' }).click();
    await page.waitForURL(/\/dashboard\/pauses\?.*resumed=/);
    expect(await page.getByRole('status').filter({ hasText: 'Resumed' }).innerText()).toContain(
      '0 sent, 1 skipped, 0 held',
    );

    await page.goto(url(`/dashboard/posts/${postId}`));
    expect(await page.locator('section.delivery h2').innerText()).toMatch(/Weather desk\s+skipped/);
    expect(await page.locator('section.delivery .reason').innerText()).toBe('missed while paused: wrong forecast');
    expect((await api.get(`/api/v1/deliveries/${deliveryId}`).expect(200)).body.status).toBe('skipped');
    expect(tg.messages.map((m) => m.text)).not.toContain('Sunny all week');
  });
});
