import type { PostView } from '../../posts/posts.service';
import { parseTodayQuery } from '../today.query';
import { postPage } from './post.view';
import { todayPage } from './today.view';

/** Hostile text from every source a page shows: article titles, post and delivery text, account names, errors. */
const EVIL = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`;
const ctx = { csrf: 'csrf-token-value' };
const POST_ID = '6f1d7c0e-3f7a-4d55-9a4a-0c1f9c1b2a01';
const DELIVERY_ID = '0a6d6f3e-8c1b-4a0e-9b55-2d7f3c4e5a02';
const ACCOUNT_ID = '1b2c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c03';

function expectInert(page: string): void {
  expect(page).not.toContain('<script>alert');
  expect(page).not.toContain('<img src=x');
  expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;');
}

describe('dashboard pages show hostile text as text', () => {
  it('Today: titles, account names and failure reasons', () => {
    const query = parseTodayQuery({ tz: 'UTC', q: EVIL.slice(0, 50) }, new Date('2026-12-09T10:00:00Z'));
    const badge = {
      id: DELIVERY_ID,
      postId: POST_ID,
      platform: 'telegram',
      status: 'failed',
      error: EVIL,
      accountId: ACCOUNT_ID,
      accountName: EVIL,
    };
    const page = todayPage(
      {
        query,
        posts: [
          { id: POST_ID, scheduledAt: new Date('2026-12-09T09:00:00Z'), text: null, title: EVIL, badges: [badge] },
        ],
        truncated: false,
        limit: 300,
        accounts: [{ id: ACCOUNT_ID, name: EVIL, platform: 'telegram' }],
        tzGiven: true,
      },
      ctx,
    );
    expectInert(page);
    // Each delivery: platform name, account name and status word, in that order.
    expect(page).toMatch(
      /<span class="platform">Telegram<\/span>[\s\S]*?<span class="account">&lt;script[\s\S]*?failed/,
    );
    expect(page).toContain('name="_csrf" value="csrf-token-value"');
  });

  it('A post: texts, errors, the attempt log; a remote URL that is not http(s) is not a link', () => {
    const post: PostView = {
      id: POST_ID,
      status: 'failed',
      articleId: null,
      text: EVIL,
      scheduledAt: '2026-12-09T09:00:00.000Z',
      timezone: null,
      createdAt: '2026-12-09T08:00:00.000Z',
      deliveries: [
        {
          id: DELIVERY_ID,
          postId: POST_ID,
          accountId: ACCOUNT_ID,
          platform: 'mastodon',
          status: 'failed',
          text: EVIL,
          attempts: 1,
          scheduledAt: '2026-12-09T09:00:00.000Z',
          nextAttemptAt: '2026-12-09T09:00:00.000Z',
          remoteId: null,
          remoteUrl: 'javascript:alert(3)',
          error: EVIL,
          publishedAt: null,
        },
      ],
    };
    const attempt = {
      attempt: 1,
      startedAt: '2026-12-09T09:00:01.000Z',
      finishedAt: '2026-12-09T09:00:02.000Z',
      outcome: 'permanent',
      statusCode: 422,
      error: EVIL,
    };
    const page = postPage(
      {
        post,
        title: null,
        accountNames: new Map([[ACCOUNT_ID, EVIL]]),
        attempts: new Map([[DELIVERY_ID, [attempt]]]),
        tz: 'UTC',
      },
      ctx,
    );
    expectInert(page);
    expect(page).not.toContain('href="javascript:');
    expect(page).toContain('attempt 1: <strong>permanent</strong> (HTTP 422)');
    // Failed: Retry and Retry all failed; nothing left to cancel.
    expect(page).toContain('>Retry</button>');
    expect(page).toContain('>Retry all failed</button>');
    expect(page).not.toContain('>Cancel</button>');
  });
});
