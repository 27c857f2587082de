import type { ListedDeliveryView } from '../posts/deliveries.service';
import { groupFailures, inInbox } from './failure-groups';

const NOW = new Date('2026-03-01T12:00:00Z');
let n = 0;

function delivery(over: Partial<ListedDeliveryView>): ListedDeliveryView {
  n += 1;
  return {
    id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
    postId: 'p',
    accountId: 'a',
    platform: 'telegram',
    status: 'failed',
    text: 't',
    attempts: 1,
    scheduledAt: '2026-03-01T11:00:00.000Z',
    nextAttemptAt: '2026-03-01T11:00:00.000Z',
    remoteId: null,
    remoteUrl: null,
    error: null,
    publishedAt: null,
    accountName: 'Newsroom',
    platformName: 'Telegram',
    postTitle: 'Title',
    cause: 'rejected',
    reason: null,
    ...over,
  };
}

describe('groupFailures', () => {
  it('groups by cause in the fixed order, newest first within a group, empty groups left out', () => {
    const older = delivery({ status: 'failed', cause: 'rejected', scheduledAt: '2026-03-01T09:00:00.000Z' });
    const newer = delivery({ status: 'failed', cause: 'rejected', scheduledAt: '2026-03-01T10:00:00.000Z' });
    const held = delivery({ status: 'held', cause: 'reauth' });
    const unsure = delivery({ status: 'unconfirmed', cause: 'unknown-outcome' });
    const limited = delivery({ status: 'retrying', cause: 'rate-limited', scheduledAt: '2026-03-01T11:59:00.000Z' });
    const stuck = delivery({ status: 'retrying', cause: null, scheduledAt: '2026-03-01T11:30:00.000Z' });

    const groups = groupFailures([older, unsure, stuck, newer, limited, held], NOW);

    expect(groups.map((g) => [g.title, g.items.map((d) => d.id)])).toEqual([
      ['Account needs re-authentication', [held.id]],
      ['Rate limited', [limited.id]],
      ['Rejected by the platform', [newer.id, older.id]],
      ['Outcome unknown', [unsure.id]],
      ['Other', [stuck.id]],
    ]);
  });

  it('leaves out deliveries retrying for 15 minutes or less after a transient error, and other statuses', () => {
    const fresh = delivery({ status: 'retrying', cause: null, scheduledAt: '2026-03-01T11:45:00.000Z' });
    const published = delivery({ status: 'published', cause: null });
    const cancelled = delivery({ status: 'cancelled', cause: 'cancelled' });
    expect(groupFailures([fresh, published, cancelled], NOW)).toEqual([]);
    expect(inInbox(delivery({ status: 'retrying', cause: null, scheduledAt: '2026-03-01T11:44:59.000Z' }), NOW)).toBe(
      true,
    );
  });
});
