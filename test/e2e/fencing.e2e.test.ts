import { MastodonFake } from '../fakes/mastodon.fake';
import { CrierProcess } from '../support/crier-process';
import {
  attemptLog,
  createArticle,
  createMastodonAccount,
  E2EStack,
  publishText,
  waitForDelivery,
} from '../support/e2e-stack';
import { waitFor } from '../support/wait';

jest.setTimeout(90_000);

/** Short leases, so a frozen worker loses its claim within seconds. */
const LEASE_ENV = { CRIER_JOB_LOCK_MS: '2000', CRIER_HTTP_TIMEOUT_MS: '20000' };

/**
 * Locks expire, fences do not: a worker frozen mid-publish (SIGSTOP) past its lease is overtaken by another worker,
 * which settles the delivery by reading the platform; when the frozen one wakes with the platform's late answer,
 * its claim token no longer matches and it writes nothing. Gab has no idempotency key, so without the fence this
 * would be two posts.
 */
describe('a worker frozen mid-publish is fenced off', () => {
  let stack: E2EStack;
  let api: CrierProcess;
  let gab: MastodonFake;

  beforeAll(async () => {
    stack = await E2EStack.create();
    gab = await MastodonFake.start({ flavour: 'gab' });
    api = await stack.start('api');
  });

  afterAll(async () => {
    for (const p of stack?.processes ?? []) if (p.child.signalCode === null) p.child.kill('SIGCONT');
    await stack?.close();
    await gab?.stop();
  });

  it('one post at the platform, settled by the second worker; the first one wakes and changes nothing', async () => {
    const frozen = await stack.start('worker', LEASE_ENV);
    const accountId = await createMastodonAccount(api.api(), gab, 'Gab');
    // Gab stores the status, then sits on the answer for a while: the worker is mid-call when it is frozen.
    gab.failNext('POST /api/v1/statuses', { delayMs: 6000 });
    const text = 'Frozen mid-publish, posted exactly once';
    const { postId, deliveryId } = await publishText(api.api(), accountId, text);
    await waitFor(() => gab.statuses.length === 1, { what: 'the status to reach Gab' });
    frozen.child.kill('SIGSTOP');

    // Another worker: it finds the job stalled, the claim's lease run out, and settles the delivery by reading Gab.
    const second = await stack.start('worker', LEASE_ENV);
    const done = await waitForDelivery(api.api(), postId, deliveryId, ['published'], 45_000);
    expect(done.remoteId).toBe(gab.statuses[0].id);
    expect(gab.requestsTo('POST /api/v1/statuses')).toHaveLength(1);

    // The frozen worker wakes up to Gab's late answer: fenced, it writes nothing and sends nothing.
    frozen.child.kill('SIGCONT');
    await waitFor(() => /claim lost/.test(frozen.output), {
      timeoutMs: 20_000,
      what: 'the woken worker to see its claim gone',
    });
    const after = await api.api().get(`/api/v1/deliveries/${deliveryId}`).expect(200);
    expect(after.body).toMatchObject({ status: 'published', remoteId: gab.statuses[0].id });
    expect(gab.statuses).toHaveLength(1);
    expect(gab.requestsTo('POST /api/v1/statuses')).toHaveLength(1);
    const log = await attemptLog(api.api(), deliveryId);
    expect(log.map((a) => a.outcome)).toEqual(['interrupted', 'reconciled']);
    // Both workers are alive and stop cleanly.
    expect(await frozen.stop()).toBe(0);
    expect(await second.stop()).toBe(0);
  });

  it('frozen before the irreversible call (during the media upload): it wakes and does not post', async () => {
    gab.reset();
    const env = { ...LEASE_ENV, CRIER_FEEDS_ALLOW_PRIVATE: 'true' };
    const frozen = await stack.start('worker', env);
    const accountId = await createMastodonAccount(api.api(), gab, 'Gab with a photo');
    const imageUrl = gab.hostFile('/photo.jpg', Buffer.from('fake jpeg bytes'), 'image/jpeg');
    const article = await createArticle(api.api(), { imageUrl });
    gab.failNext('POST /api/v1/media', { delayMs: 6000 });
    const post = await api
      .api()
      .post('/api/v1/posts')
      .send({ articleId: article.id, accountIds: [accountId] })
      .expect(201);
    const deliveryId = post.body.deliveries[0].id as string;
    await waitFor(() => gab.media.length === 1, { what: 'the media upload to reach Gab' });
    frozen.child.kill('SIGSTOP');

    const second = await stack.start('worker', env);
    const done = await waitForDelivery(api.api(), post.body.id, deliveryId, ['published'], 45_000);
    expect(gab.statuses).toHaveLength(1);
    expect(done.remoteId).toBe(gab.statuses[0].id);

    frozen.child.kill('SIGCONT');
    await waitFor(() => /claim lost/.test(frozen.output), {
      timeoutMs: 20_000,
      what: 'the woken worker to see its claim gone',
    });
    // Its media upload finished, but the status it was about to create was never sent.
    expect(gab.statuses).toHaveLength(1);
    expect(gab.requestsTo('POST /api/v1/statuses')).toHaveLength(1);
    expect(await frozen.stop()).toBe(0);
    expect(await second.stop()).toBe(0);
  });
});
