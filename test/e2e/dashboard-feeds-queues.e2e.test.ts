import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { telegramError, TelegramFake } from '../fakes/telegram.fake';
import { launchChromium, screenshotDir, UI_TIMEOUT } from '../support/browser';
import { createTelegramAccount, useCrier } from '../support/e2e-stack';
import { FeedServer } from '../support/feed-server';
import { waitFor } from '../support/wait';

jest.setTimeout(180_000);

const SHOTS = screenshotDir();

describe('the Feeds and Queues pages in a browser', () => {
  const e2e = useCrier('all', { CRIER_FEEDS_ALLOW_PRIVATE: 'true', CRIER_FEEDS_POLL_SECONDS: '1' });
  let tg: TelegramFake;
  let server: FeedServer;
  let browser: Browser;
  const url = (p: string) => `${e2e.crier.url}${p}`;

  beforeAll(async () => {
    [tg, server, browser] = await Promise.all([TelegramFake.start(), FeedServer.start(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([tg?.stop(), server?.stop()]);
  });

  async function signIn(width = 1100): Promise<Page> {
    const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.goto(url('/dashboard/sign-in'));
    await page.getByLabel('API token').fill(e2e.crier.opts.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard\/today/);
    return page;
  }

  /** Nothing wider than the screen: a phone reads the page without scrolling sideways (tables scroll inside). */
  const fitsTheScreen = (page: Page) =>
    page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

  /** The items the API has for the feed, once `ready` holds for them. */
  async function itemsWhen(feedId: string, ready: (items: Array<Record<string, unknown>>) => boolean) {
    const api = e2e.crier.api();
    return waitFor(
      async () => {
        const items = (await api.get(`/api/v1/feeds/${feedId}/items`).expect(200)).body;
        return ready(items) ? items : null;
      },
      { timeoutMs: 30_000, what: `the items of feed ${feedId}` },
    );
  }

  it('shows a feed with what each item became, a failing feed with its error, and the queues with a worker', async () => {
    const api = e2e.crier.api();
    const accountId = await createTelegramAccount(api, tg, 'Newsroom channel');
    const cityUrl = server.feed(
      '/city.xml',
      'rss',
      [{ guid: 'urn:old', link: 'https://news.example/old', title: 'Old story', html: '<p>Old.</p>' }],
      'City news',
    );
    const city = (
      await api
        .post('/api/v1/feeds')
        .send({ url: cityUrl, accountIds: [accountId], spacing: 1 })
        .expect(201)
    ).body.id as string;
    const weatherUrl = server.feed('/weather.xml', 'atom', [], 'Weather desk');
    const weather = (
      await api
        .post('/api/v1/feeds')
        .send({ url: weatherUrl, accountIds: [accountId] })
        .expect(201)
    ).body.id as string;

    // One item goes out; the next is refused by Telegram; the weather feed starts failing.
    server.addItems('/city.xml', {
      guid: 'urn:bridge',
      link: 'https://news.example/bridge',
      title: 'Bridge reopens on Friday',
      html: '<p>The bridge reopens on Friday after repairs.</p>',
    });
    await itemsWhen(city, (items) => items.some((i) => i.postStatus === 'published'));
    tg.failNext('sendMessage', telegramError(400, 'Bad Request: chat is deactivated'));
    server.addItems('/city.xml', {
      guid: 'urn:harbour',
      link: 'https://news.example/harbour',
      title: 'Harbour closed for the storm',
      html: '<p>The harbour is closed while the storm passes.</p>',
    });
    await itemsWhen(city, (items) => items.some((i) => i.postStatus === 'failed'));
    server.raw('/weather.xml', 503, 'maintenance');
    await waitFor(async () => (await api.get(`/api/v1/feeds/${weather}`).expect(200)).body.consecutiveFailures >= 2, {
      timeoutMs: 30_000,
      what: 'the weather feed to fail twice',
    });

    // The Feeds page: both feeds, the failing one with its error in words and why it polls later.
    const page = await signIn();
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Feeds' }).click();
    await page.waitForURL(/\/dashboard\/feeds/);
    const feeds = page.getByRole('list', { name: 'Feeds' });
    const weatherCard = feeds.getByRole('listitem', { name: 'Weather desk' });
    await weatherCard
      .getByText(/The last \d+ polls failed: the feed answered HTTP 503/)
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await weatherCard.innerText()).toMatch(/Later than usual: after \d+ failed polls in a row it waits/);
    const cityCard = feeds.getByRole('listitem', { name: 'City news' });
    expect(await cityCard.innerText()).toMatch(/3 found: 1 seen before \(in the feed when it was added\), 2 scheduled/);
    expect(await cityCard.innerText()).not.toContain('Last error');
    expect(await cityCard.innerText()).toContain('Newsroom channel (Telegram)');
    await page.screenshot({ path: path.join(SHOTS, 'feeds.png'), fullPage: true });

    // By keyboard to the City feed's page: each item and what it became.
    await cityCard.getByRole('link', { name: 'City news' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/dashboard/feeds/${city}`));
    await page.getByRole('heading', { level: 1, name: 'City news' }).waitFor();
    const items = page.getByRole('list', { name: 'Items' });
    const bridge = items.getByRole('listitem', { name: 'Bridge reopens on Friday' });
    expect(await bridge.innerText()).toMatch(/Became a post for .*, now published\./);
    expect(await bridge.getByRole('list', { name: 'Deliveries' }).innerText()).toMatch(
      /Telegram\s*·\s*Newsroom channel\s+published/,
    );
    const harbour = items.getByRole('listitem', { name: 'Harbour closed for the storm' });
    expect(await harbour.innerText()).toMatch(/now failed\./);
    expect(await harbour.getByRole('list', { name: 'Deliveries' }).innerText()).toMatch(
      /Telegram\s*·\s*Newsroom channel\s+failed[\s\S]*Bad Request: chat is deactivated/,
    );
    const old = items.getByRole('listitem', { name: 'Old story' });
    expect(await old.innerText()).toContain('Seen before: it was in the feed when the feed was added');
    await page.screenshot({ path: path.join(SHOTS, 'feed-items.png'), fullPage: true });

    // The item's post link leads to the post's page.
    await bridge.getByRole('link', { name: 'a post' }).click();
    await page.waitForURL(/\/dashboard\/posts\//);
    await page.getByText(/post status: published/).waitFor({ timeout: UI_TIMEOUT });

    // The Queues page: counts per platform and status, a worker connected on every queue, and bull-board linked.
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Queues' }).click();
    await page.waitForURL(/\/dashboard\/queues/);
    const jobs = page.getByRole('region', { name: 'Jobs and workers' });
    const telegramJobs = jobs.getByRole('row', { name: /^Telegram/ });
    const cells = await telegramJobs.getByRole('cell').allInnerTexts();
    expect(Number(cells[0])).toBe(1); // workers
    expect(Number(cells[5])).toBeGreaterThanOrEqual(1); // failed jobs: the refused post's
    expect(Number(cells[6])).toBeGreaterThanOrEqual(1); // completed
    expect(await page.locator('#live > p').first().innerText()).toMatch(
      /^\d+ workers connected\. Nothing is overdue\./,
    );
    const deliveries = page.getByRole('region', { name: 'Deliveries' });
    const header = await deliveries.getByRole('columnheader').allInnerTexts();
    const telegramRow = await deliveries
      .getByRole('row', { name: /^Telegram/ })
      .getByRole('cell')
      .allInnerTexts();
    const count = (status: string) => Number(telegramRow[header.indexOf(status) - 1]);
    expect(count('published')).toBe(1);
    expect(count('failed')).toBe(1);
    expect(await page.getByRole('link', { name: /bull-board/ }).getAttribute('href')).toBe('/admin/queues');
    await page.screenshot({ path: path.join(SHOTS, 'queues.png'), fullPage: true });
    await page.context().close();

    // On a phone: nothing wider than the screen.
    const phone = await signIn(390);
    for (const p of ['/dashboard/feeds', `/dashboard/feeds/${city}`, '/dashboard/queues']) {
      await phone.goto(url(p));
      expect(await fitsTheScreen(phone)).toBe(true);
    }
    await phone.context().close();
  });
});
