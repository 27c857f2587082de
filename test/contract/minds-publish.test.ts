import { MindsAdapter } from '../../src/platforms/minds/minds.adapter';
import { apiKeyAccount, passwordAccount } from '../fakes/minds-accounts';
import { FEED_KEY, ME_KEY, MEDIA_KEY, MindsFake, PUBLISH_KEY, legacyError } from '../fakes/minds.fake';
import { ARTICLE_URL, CTX, PNG_1X1, caught, expectKind, publishRequest } from './contract-support';

/** What reaches Minds and what comes back: the activity body, media, post URL, verify and reconcile. */

const adapter = new MindsAdapter();

describe('minds publishing', () => {
  let fake: MindsFake;
  beforeEach(async () => (fake = await MindsFake.start()));
  afterEach(async () => fake.stop());

  const article = (over: Partial<{ url: string; imageUrl: string | null; description: string | null }> = {}) => ({
    url: ARTICLE_URL,
    title: 'Crier launches',
    imageUrl: null,
    videoUrl: null,
    description: 'A tool for 100% of newsrooms',
    ...over,
  });

  it('sends a public activity with a link card, shielding % from the engine’s rawurldecode', async () => {
    const url = 'https://news.example/a%20b';
    const text = `50% off: read it ${url}`;
    const result = await adapter.publish(publishRequest({ text, article: article({ url }) }), apiKeyAccount(fake), CTX);
    const body = fake.requestsTo(PUBLISH_KEY)[0].body;
    expect(body).toEqual({
      message: '50%25 off: read it https://news.example/a%2520b',
      access_id: 2,
      url: 'https://news.example/a%2520b',
      link_title: 'Crier launches',
      link_description: 'A tool for 100%25 of newsrooms',
      link_thumbnail: '',
    });
    expect(fake.activities[0]).toMatchObject({ message: text, url, linkDescription: 'A tool for 100% of newsrooms' });
    // The post's own page, not perma_url (the shared link).
    expect(result).toEqual({
      remoteId: fake.activities[0].guid,
      remoteUrl: `${fake.baseUrl}/newsfeed/${result.remoteId}`,
    });
  });

  it('sends user-written text alone, with no link card', async () => {
    await adapter.publish(publishRequest({ text: 'just words', article: null }), apiKeyAccount(fake), CTX);
    expect(fake.requestsTo(PUBLISH_KEY)[0].body).toEqual({ message: 'just words', access_id: 2 });
  });

  it('uploads the image as multipart `file` and attaches it instead of a link card', async () => {
    const imageUrl = fake.hostFile('/img/photo.png', PNG_1X1, 'image/png');
    await adapter.publish(publishRequest({ article: article({ imageUrl }) }), apiKeyAccount(fake), CTX);
    const upload = fake.requestsTo(MEDIA_KEY)[0];
    expect(upload.files.file).toMatchObject({ type: 'image/png', size: PNG_1X1.length });
    const body = fake.requestsTo(PUBLISH_KEY)[0].body as Record<string, unknown>;
    expect(body.attachment_guids).toEqual([fake.media[0].guid]);
    expect(body).not.toHaveProperty('url');
    expect(fake.activities[0].message).toContain('https://news.example/x');
  });

  it('a missing image is the article’s problem: permanent, nothing posted', async () => {
    const imageUrl = `${fake.baseUrl}/img/missing.png`;
    const e = await caught(() =>
      adapter.publish(publishRequest({ article: article({ imageUrl }) }), apiKeyAccount(fake), CTX),
    );
    expectKind(e, 'permanent');
    expect(fake.activities).toHaveLength(0);
  });

  it('refuses an account with neither a password nor a key as reauth, before any request', async () => {
    const account = { ...apiKeyAccount(fake), credentials: { username: 'newsdesk' } };
    expectKind(await caught(() => adapter.publish(publishRequest(), account, CTX)), 'reauth');
    expect(fake.requests).toHaveLength(0);
  });

  it('verify reports a legacy 200 {status:"error"} as not ok', async () => {
    fake.failNext(ME_KEY, legacyError('The channel could not be loaded'));
    const result = await adapter.verify(apiKeyAccount(fake), CTX);
    expect(result).toMatchObject({ ok: false, checked: true, reason: expect.stringContaining('could not be loaded') });
  });

  it('verify lets a 5xx propagate as transient (the check could not run)', async () => {
    fake.failNext(ME_KEY, { status: 503, body: { status: 'error', message: 'down' } });
    expectKind(await caught(() => adapter.verify(apiKeyAccount(fake), CTX)), 'transient');
  });

  it('declares Minds limits and fields', () => {
    expect(adapter.limits()).toEqual({ maxLength: 20_000, counting: 'code-points', maxImages: 4, video: false });
    // One code point for the emoji, the URL as written (37).
    expect(adapter.measure('😀 https://news.example/a-very-long-path')).toBe(39);
    const secret = Object.fromEntries(adapter.credentialFields.map((f) => [f.name, f.secret]));
    expect(secret).toEqual({
      username: false,
      password: true,
      apiKey: true,
      accessToken: true,
      refreshToken: true,
      expiresAt: false,
    });
    expect(adapter.credentialFields.every((f) => !f.required)).toBe(true);
    expect(adapter.settingsFields).toEqual([
      expect.objectContaining({ name: 'apiBaseUrl', default: 'https://www.minds.com' }),
    ]);
  });
});

describe('minds reconcile', () => {
  let fake: MindsFake;
  beforeEach(async () => (fake = await MindsFake.start()));
  afterEach(async () => fake.stop());

  const remote = () => ({ id: fake.userGuid });

  it('reads the container feed of the account (12 entries) and finds the post by its link', async () => {
    const req = publishRequest({ text: 'Crier launches https://news.example/x' });
    await adapter.publish({ ...req, text: 'edited by hand, same card' }, apiKeyAccount(fake), CTX);
    const found = await adapter.reconcile(req, apiKeyAccount(fake, { remote: remote() }), CTX);
    expect(found).toEqual({
      remoteId: fake.activities[0].guid,
      remoteUrl: `${fake.baseUrl}/newsfeed/${fake.activities[0].guid}`,
    });
    expect(fake.requestsTo('GET /api/v2/feeds/container/')[0]).toMatchObject({
      path: `/api/v2/feeds/container/${fake.userGuid}/activities`,
      query: { limit: '12' },
    });
    // With the remote id known from verify, no channel lookup is needed.
    expect(fake.requestsTo(ME_KEY)).toHaveLength(0);
  });

  it('looks up the user guid when verify has not run yet', async () => {
    const req = publishRequest();
    await adapter.publish(req, passwordAccount(fake), CTX);
    expect(await adapter.reconcile(req, passwordAccount(fake), CTX)).not.toBeNull();
    expect(fake.requestsTo(ME_KEY)).toHaveLength(1);
  });

  it('ignores matching posts from before the first attempt', async () => {
    const req = publishRequest();
    await adapter.publish(req, apiKeyAccount(fake), CTX);
    fake.activities[0].timeCreated -= 3600;
    expect(await adapter.reconcile(req, apiKeyAccount(fake, { remote: remote() }), CTX)).toBeNull();
  });

  it('cannot tell when a full page is newer than the first attempt and nothing matches', async () => {
    for (let i = 0; i < 12; i++) {
      await adapter.publish(publishRequest({ text: `other ${i}`, article: null }), apiKeyAccount(fake), CTX);
    }
    const e = await caught(() => adapter.reconcile(publishRequest(), apiKeyAccount(fake, { remote: remote() }), CTX));
    expectKind(e, 'transient');
  });

  it('an unreadable feed throws (the worker then marks the delivery unconfirmed)', async () => {
    fake.failNext(FEED_KEY, { status: 200, body: { status: 'success' } });
    const e = await caught(() => adapter.reconcile(publishRequest(), apiKeyAccount(fake, { remote: remote() }), CTX));
    expectKind(e, 'transient');
  });
});
