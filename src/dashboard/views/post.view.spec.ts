import type { DeliveryView, PostView } from '../../posts/posts.service';
import { rescheduleForm } from '../pages.routes';
import { waitWords } from '../sign-in.routes';
import { postPage, shownError } from './post.view';

const POST_ID = '6f1d7c0e-3f7a-4d55-9a4a-0c1f9c1b2a01';
const ACCOUNT_ID = '1b2c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c03';
const ctx = { csrf: 'csrf-token-value' };

function delivery(id: string, platform: string, status: string, over: Partial<DeliveryView> = {}): DeliveryView {
  return {
    id,
    postId: POST_ID,
    accountId: ACCOUNT_ID,
    platform,
    status,
    text: 'Ferry timetable changes next week',
    attempts: 0,
    scheduledAt: '2026-12-09T09:00:00.000Z',
    nextAttemptAt: '2026-12-09T09:00:00.000Z',
    remoteId: null,
    remoteUrl: null,
    error: null,
    publishedAt: null,
    ...over,
  };
}

function page(deliveries: DeliveryView[], attempts = new Map()) {
  const post: PostView = {
    id: POST_ID,
    status: 'scheduled',
    articleId: null,
    text: 'Ferry timetable changes next week',
    scheduledAt: '2026-12-09T09:00:00.000Z',
    timezone: null,
    createdAt: '2026-12-09T08:00:00.000Z',
    deliveries,
  };
  const accountNames = new Map([[ACCOUNT_ID, 'Newsroom']]);
  return postPage({ post, title: null, accountNames, attempts, tz: 'Europe/Berlin' }, ctx);
}

const D1 = '0a6d6f3e-8c1b-4a0e-9b55-2d7f3c4e5a02';
const D2 = '0a6d6f3e-8c1b-4a0e-9b55-2d7f3c4e5a03';

describe('the post page', () => {
  it('offers Reschedule with the current time in the page time zone, and which delivery to move', () => {
    const html = page([delivery(D1, 'telegram', 'scheduled'), delivery(D2, 'mastodon', 'held')]);
    expect(html).toContain('action="/dashboard/posts/' + POST_ID + '/reschedule?tz=Europe%2FBerlin"');
    // 09:00 UTC is 10:00 in Berlin in December.
    expect(html).toMatch(/type="datetime-local"\s+id="reschedule-at"\s+name="scheduledAt"\s+value="2026-12-09T10:00"/);
    expect(html).toContain('name="timezone" value="Europe/Berlin"');
    expect(html).toContain('<option value="post">The whole post</option>');
    expect(html).toContain(`<option value="${D2}">Only Mastodon · Newsroom</option>`);
    expect(html.match(/>Reschedule<\/button>/g)).toHaveLength(1);
  });

  it('asks nothing about targets when one delivery could move, and offers no Reschedule when none can', () => {
    const one = page([delivery(D1, 'telegram', 'scheduled'), delivery(D2, 'mastodon', 'published')]);
    expect(one).toContain('name="target" value="post"');
    expect(one).not.toContain('<select id="reschedule-target"');
    const none = page([delivery(D1, 'telegram', 'published'), delivery(D2, 'mastodon', 'failed')]);
    expect(none).not.toContain('>Reschedule</button>');
  });

  it('shows each text with its length as the platform counts it, and the remote link in the timeline', () => {
    const published = delivery(D2, 'mastodon', 'published', {
      remoteUrl: 'https://mastodon.example/@newsroom/1',
      publishedAt: '2026-12-09T09:00:02.000Z',
    });
    const html = page([published]);
    expect(html).toContain('33 characters as Mastodon counts them');
    expect(html).toMatch(/10:00:02<\/time>: published: <a href="https:\/\/mastodon.example\/@newsroom\/1">/);
  });

  it('removes what looks like a credential from errors it shows', () => {
    const leaked = 'GET https://api.telegram.org/bot123:ABCsecret/sendMessage failed; Authorization: Bearer abc.def';
    expect(shownError(leaked)).not.toContain('ABCsecret');
    expect(shownError(leaked)).not.toContain('abc.def');
    const attempts = new Map([
      [
        D1,
        [
          {
            attempt: 1,
            startedAt: '2026-12-09T09:00:01.000Z',
            finishedAt: '2026-12-09T09:00:02.000Z',
            outcome: 'transient',
            statusCode: 502,
            error: leaked,
          },
        ],
      ],
    ]);
    const html = page([delivery(D1, 'telegram', 'retrying', { error: leaked })], attempts);
    expect(html).not.toContain('ABCsecret');
    expect(html).toContain('attempt 1: <strong>transient</strong> (HTTP 502)');
  });
});

describe('the reschedule form fields', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields);

  it('reads the time, the zone and the target (the whole post by default)', () => {
    expect(rescheduleForm(form({ scheduledAt: ' 2026-12-10T09:30 ', timezone: 'Europe/Berlin' }))).toEqual({
      scheduledAt: '2026-12-10T09:30',
      timezone: 'Europe/Berlin',
      target: 'post',
    });
    expect(rescheduleForm(form({ scheduledAt: '2026-12-10T09:30', target: D1 })).target).toBe(D1);
  });

  it('names the field that is missing or wrong', () => {
    expect(() => rescheduleForm(form({}))).toThrow(/scheduledAt is required/);
    expect(() => rescheduleForm(form({ scheduledAt: '2026-12-10T09:30', target: 'all' }))).toThrow(/^target must/);
  });
});

describe('waitWords', () => {
  it('says how long to wait in minutes, or seconds under one', () => {
    expect(waitWords(600)).toBe('10 minutes');
    expect(waitWords(541)).toBe('10 minutes');
    expect(waitWords(60)).toBe('1 minute');
    expect(waitWords(59)).toBe('59 seconds');
    expect(waitWords(1)).toBe('1 second');
  });
});
