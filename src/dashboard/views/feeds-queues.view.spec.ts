import type { FeedItemView, FeedView } from '../../feeds/feeds.service';
import { DELIVERY_STATUSES, DeliveryStatus } from '../../posts/statuses';
import type { QueueOverview } from '../../queue/queues-overview.service';
import { feedPage, feedsPage } from './feeds.view';
import { duration, queuesPage } from './queues.view';

/** Hostile text from every source these pages show: feed titles and URLs, item titles, errors, account names. */
const EVIL = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`;
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;';
const ctx = { csrf: 'csrf-token-value' };
const FEED_ID = '6f1d7c0e-3f7a-4d55-9a4a-0c1f9c1b2a01';
const ACCOUNT_ID = '1b2c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c03';
const POST_ID = '0a6d6f3e-8c1b-4a0e-9b55-2d7f3c4e5a02';
const now = new Date('2026-12-09T10:00:00Z');
/** Whitespace as a browser reads it: templates wrap lines where the formatter likes. */
const flat = (page: string) => page.replace(/\s+/g, ' ');

function feed(over: Partial<FeedView> = {}): FeedView {
  return {
    id: FEED_ID,
    url: 'https://news.example/feed/',
    fetchUrl: 'https://news.example/feed/',
    kind: 'rss',
    title: EVIL,
    accountIds: [ACCOUNT_ID],
    delay: 0,
    spacing: 120,
    template: null,
    backfill: false,
    lastPolledAt: '2026-12-09T09:55:00.000Z',
    lastSuccessAt: '2026-12-09T09:15:00.000Z',
    lastError: `the feed answered HTTP 500 ${EVIL}`,
    consecutiveFailures: 3,
    nextPollAt: '2026-12-09T10:35:00.000Z',
    pollInterval: 300,
    backoff: { failures: 3, interval: 2400, reason: 'the feed answered HTTP 500' },
    items: { seen: 8, pending: 0, scheduled: 3, failed: 1, skipped: 0 },
    createdAt: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

function item(over: Partial<FeedItemView>): FeedItemView {
  return {
    id: '9c0f8a2e-6b1d-4c3e-8f7a-5d4c3b2a1f00',
    guid: 'urn:1',
    link: 'https://news.example/1',
    title: EVIL,
    status: 'scheduled',
    articleId: null,
    postId: null,
    scheduledAt: null,
    error: null,
    publishedAt: null,
    firstSeenAt: '2026-12-09T09:00:00.000Z',
    postStatus: null,
    deliveries: [],
    ...over,
  };
}

const accounts = [{ id: ACCOUNT_ID, name: EVIL, platform: 'telegram' }];

describe('the Feeds pages', () => {
  it('show a failing feed: its error, why the next poll is late, and what it found; hostile text stays text', () => {
    const page = flat(feedsPage({ feeds: [feed()], accounts, tz: 'UTC', now, tzGiven: true }, ctx));
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain(ESCAPED);
    expect(page).toContain('The last 3 polls failed: the feed answered HTTP 500');
    expect(page).toContain('Later than usual: after 3 failed polls in a row it waits 40 min instead of 5 min');
    expect(page).toContain('12 found: 8 seen before (in the feed when it was added), 3 scheduled, 1 failed');
    expect(page).toContain('<time datetime="2026-12-09T09:55:00.000Z">9 Dec 2026, 09:55</time>');
    expect(page).toContain('(5 min ago)');
    expect(page).toContain('data-refresh="/dashboard/feeds/live?tz=UTC"');
  });

  it('a healthy feed has no error and no back-off; an item failure after a good poll is said as such', () => {
    const ok = flat(
      feedsPage(
        {
          feeds: [feed({ lastError: null, consecutiveFailures: 0, backoff: null })],
          accounts,
          tz: 'UTC',
          now,
          tzGiven: true,
        },
        ctx,
      ),
    );
    expect(ok).not.toContain('Last error');
    expect(ok).not.toContain('Later than usual');
    const itemFailed = flat(
      feedsPage(
        {
          feeds: [feed({ lastError: 'item "x": html nests too deep', consecutiveFailures: 0, backoff: null })],
          accounts,
          tz: 'UTC',
          now,
          tzGiven: true,
        },
        ctx,
      ),
    );
    expect(itemFailed).toContain('The last poll worked, but an item could not be posted: item &quot;x&quot;');
  });

  it("a feed's items say what each became: a post and its deliveries, seen before, failed with the reason", () => {
    const page = flat(
      feedPage(
        {
          feed: feed(),
          feeds: [feed()],
          accounts,
          tz: 'UTC',
          now,
          tzGiven: true,
          limit: 100,
          items: [
            item({
              postId: POST_ID,
              postStatus: 'partially_published',
              scheduledAt: '2026-12-09T09:02:00.000Z',
              deliveries: [
                {
                  id: 'd1',
                  accountId: ACCOUNT_ID,
                  platform: 'telegram',
                  status: 'published',
                  remoteUrl: 'https://t.me/c/1/2',
                  error: null,
                },
                {
                  id: 'd2',
                  accountId: null,
                  platform: 'mastodon',
                  status: 'failed',
                  remoteUrl: 'javascript:alert(3)',
                  error: EVIL,
                },
              ],
            }),
            item({ id: 'i2', status: 'seen' }),
            item({ id: 'i3', status: 'failed', error: 'html nests elements more than 200 deep' }),
          ],
        },
        ctx,
      ),
    );
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('href="javascript:');
    expect(page).toContain(`href="/dashboard/posts/${POST_ID}?tz=UTC"`);
    expect(page).toContain('now <strong>partially published</strong>');
    expect(page).toMatch(/<span class="platform">Telegram<\/span>[\s\S]*?<span class="status">published<\/span>/);
    expect(page).toContain('<a href="https://t.me/c/1/2">view</a>');
    expect(page).toContain('(deleted account)');
    expect(page).toContain('Seen before: it was in the feed when the feed was added');
    expect(page).toContain('Not posted, failed: <span class="reason">html nests elements more than 200 deep</span>');
    expect(page).toContain(`data-refresh="/dashboard/feeds/${FEED_ID}/live?tz=UTC"`);
  });
});

describe('the Queues page', () => {
  const q = (platform: string, over: Partial<QueueOverview> = {}): QueueOverview => ({
    name: `publish-${platform}`,
    platform: platform as QueueOverview['platform'],
    waiting: 0,
    delayed: 0,
    active: 0,
    completed: 0,
    failed: 0,
    paused: 0,
    workers: 1,
    oldestWaitingSeconds: null,
    deliveries: Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>,
    overdue: 0,
    mostOverdueSeconds: null,
    ...over,
  });

  it('says what is late and who works, lists jobs per queue, deliveries per status, and links to bull-board', () => {
    const page = flat(
      queuesPage(
        {
          queues: [
            q('telegram', {
              waiting: 2,
              oldestWaitingSeconds: 75,
              overdue: 2,
              mostOverdueSeconds: 130,
              deliveries: { ...q('x').deliveries, published: 4, scheduled: 2 },
            }),
            q('mastodon', { workers: 0 }),
          ],
          webhooks: {
            ...{ name: 'webhooks', platform: null, waiting: 3, delayed: 1, active: 0, completed: 9, failed: 0 },
            ...{ paused: 0, workers: 1, oldestWaitingSeconds: 4 },
          },
        },
        ctx,
      ),
    );
    expect(page).toContain('1 worker connected; none for Mastodon.');
    expect(page).toContain('2 deliveries are overdue</strong>; the most late');
    expect(page).toContain('by 2 min (Telegram)');
    expect(page).toMatch(/<th scope="row">Telegram<\/th> <td class="">1<\/td> <td>2<\/td> <td>1 min<\/td>/);
    // The webhooks queue: a last row of the jobs table, not in the deliveries table.
    expect(page).toMatch(/<th scope="row">Webhooks<\/th> <td class="">1<\/td> <td>3<\/td> <td>4 s<\/td> <td>1<\/td>/);
    expect(page.match(/<th scope="row">Webhooks<\/th>/g)).toHaveLength(1);
    // Only platforms with deliveries are in the deliveries table, with a total.
    expect(page.match(/<th scope="row">Mastodon<\/th>/g)).toHaveLength(1);
    expect(page).toContain('<th scope="row">All platforms</th>');
    // Status columns: those some delivery has.
    expect(page).toContain('<th scope="col">scheduled</th><th scope="col">published</th> </tr>');
    expect(page).not.toContain('<th scope="col">unconfirmed</th>');
    expect(page).toContain('href="/admin/queues"');
    expect(page).toContain('data-refresh="/dashboard/queues/live"');
  });

  it('says so when no worker is connected at all', () => {
    expect(queuesPage({ queues: [q('telegram', { workers: 0 })] }, ctx)).toContain('No worker is connected');
  });

  it('durations in words', () => {
    expect([0, 59, 60, 3599, 3600, 3660, 86_400, 90_000].map(duration)).toEqual([
      '0 s',
      '59 s',
      '1 min',
      '59 min',
      '1 h',
      '1 h 1 min',
      '1 d',
      '1 d 1 h',
    ]);
  });
});
