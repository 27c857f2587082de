import { buildPayload, postEventFor, postFacts } from './webhook-payload';

describe('webhook payloads', () => {
  const at = '2026-12-06T10:00:00.123456+00:00';

  it('a delivery event: {type, timestamp, data} with the facts and links, the time from when it happened', () => {
    const facts = {
      deliveryId: 'd1',
      postId: 'p1',
      accountId: 'a1',
      accountName: 'Newsroom',
      platform: 'mastodon',
      status: 'published',
      previousStatus: 'publishing',
      reason: null,
      remoteUrl: 'https://social.example/@news/1',
      at,
    };
    expect(buildPayload('delivery.published', facts, 'https://crier.example.org')).toEqual({
      type: 'delivery.published',
      timestamp: '2026-12-06T10:00:00.123Z',
      data: {
        deliveryId: 'd1',
        postId: 'p1',
        accountId: 'a1',
        accountName: 'Newsroom',
        platform: 'mastodon',
        status: 'published',
        previousStatus: 'publishing',
        reason: null,
        remoteUrl: 'https://social.example/@news/1',
        links: {
          api: 'https://crier.example.org/api/v1/posts/p1',
          dashboard: 'https://crier.example.org/dashboard/posts/p1',
          remote: 'https://social.example/@news/1',
        },
      },
    });
  });

  it('without CRIER_PUBLIC_URL the links are the API paths only', () => {
    const p = buildPayload('feed.failing', { feedId: 'f1', url: 'https://x.example/feed', at }, undefined);
    expect(p.data.links).toEqual({ api: '/api/v1/feeds/f1' });
    const a = buildPayload('account.reauth_required', { accountId: 'a1', reason: 'token revoked', at }, undefined);
    expect(a.data.links).toEqual({ api: '/api/v1/accounts/a1' });
  });

  it('a post event lists every delivery; only a final outcome makes one', () => {
    const facts = postFacts(
      'p1',
      'partially_published',
      [
        {
          deliveryId: 'd1',
          accountId: 'a1',
          accountName: 'A',
          platform: 'telegram',
          status: 'published',
          reason: null,
          remoteUrl: null,
        },
        {
          deliveryId: 'd2',
          accountId: 'a2',
          accountName: 'B',
          platform: 'mastodon',
          status: 'failed',
          reason: 'Validation failed',
          remoteUrl: null,
        },
      ],
      new Date('2026-12-06T10:00:00Z'),
    );
    const p = buildPayload('post.partially_published', facts, undefined);
    expect(p.timestamp).toBe('2026-12-06T10:00:00.000Z');
    expect(p.data).toMatchObject({ postId: 'p1', status: 'partially_published', links: { api: '/api/v1/posts/p1' } });
    expect(p.data.deliveries).toHaveLength(2);
    expect(postEventFor('published')).toBe('post.published');
    expect(postEventFor('partially_published')).toBe('post.partially_published');
    expect(postEventFor('failed')).toBe('post.failed');
    for (const s of ['scheduled', 'publishing', 'cancelled']) expect(postEventFor(s)).toBeNull();
  });

  it('never carries a field the facts did not have (no credentials can slip in)', () => {
    const p = buildPayload('account.restored', { accountId: 'a1', accountName: 'A', status: 'active', at }, undefined);
    expect(Object.keys(p.data).sort()).toEqual(['accountId', 'accountName', 'links', 'status']);
  });
});
