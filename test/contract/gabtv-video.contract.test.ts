import { createHash } from 'node:crypto';
import { NotApplicableError, PlatformErrorKind } from '../../src/platforms/platform';
import { MastodonFake, MastodonFakeOptions } from '../fakes/mastodon.fake';
import type { VideoSpec } from '../fakes/video-source';
import { CTX, caught, ctx, expectKind, expectNoSecret, publishRequest } from './contract-support';
import { gabtvTestbed, videoArticle, videoRequest } from './gabtv-support';
import { accountFor } from './mastodon-family.harness';

/** §3.4 specifics: video only, media rights, Gab's size and type rules, the bytes arriving intact. */

const VERIFY = 'GET /api/v1/accounts/verify_credentials';
const bed = gabtvTestbed();
let fake: MastodonFake;
const start = async (opts: MastodonFakeOptions = {}) =>
  (fake = await MastodonFake.start({ flavour: 'gab', account: { isPro: true }, ...opts }));
afterEach(async () => fake?.stop());

const NO_FLAGS = { is_pro: false, is_verified: false, is_donor: false, is_investor: false };
const flags = (over: Record<string, unknown>) => ({
  status: 200,
  body: { id: '42', username: 'crier', ...NO_FLAGS, ...over },
});

describe('gabtv publish', () => {
  it('uploads the video intact, then posts the text with it as a public status', async () => {
    await start();
    const req = videoRequest(bed.video.url, { text: 'Watch: Crier launches https://news.example/x' });
    const result = await bed.adapter.publish(req, accountFor(fake), CTX);
    const [upload] = fake.requestsTo('POST /api/v1/media');
    const file = upload.files.file;
    expect({ type: file.type, filename: file.filename, size: file.size }).toEqual({
      type: 'video/mp4',
      filename: 'video.mp4',
      size: bed.video.bytes.length,
    });
    expect(createHash('sha256').update(file.bytes).digest('hex')).toBe(bed.video.sha256);
    expect(fake.statuses).toEqual([
      expect.objectContaining({ text: req.text, visibility: 'public', mediaIds: [fake.media[0].id] }),
    ]);
    expect(result).toEqual({ remoteId: fake.statuses[0].id, remoteUrl: fake.statuses[0].url });
  });

  it('builds /{username}/posts/{id} when the answer has no url', async () => {
    await start();
    const noUrl = { status: 200, body: { id: '777', account: { username: 'crier' } }, accept: true };
    fake.failNext('POST /api/v1/statuses', noUrl);
    const result = await bed.adapter.publish(videoRequest(bed.video.url), accountFor(fake), CTX);
    expect(result).toEqual({ remoteId: '777', remoteUrl: `${fake.baseUrl}/crier/posts/777` });
  });

  it('article without video → not-applicable, before any request', async () => {
    await start();
    expect(bed.adapter.notApplicable(videoArticle(null))).toBe('article has no video');
    expect(bed.adapter.notApplicable(null)).toBe('article has no video');
    for (const req of [publishRequest(), publishRequest({ article: null })]) {
      const e = await caught(() => bed.adapter.publish(req, accountFor(fake), CTX));
      expectKind(e, 'not-applicable');
      expect(e).toBeInstanceOf(NotApplicableError);
    }
    expect(fake.requests).toHaveLength(0);
  });
});

describe('gabtv media rights (PRO/Verified/Donor/Investor)', () => {
  it('holds a free account before downloading or uploading anything', async () => {
    await start({ account: { isPro: false } });
    const hits = bed.source.hits('/clip.mp4');
    const account = accountFor(fake);
    const e = await caught(() => bed.adapter.publish(videoRequest(bed.video.url), account, CTX));
    expectKind(e, 'reauth');
    expect(e.message).toContain('Gab media upload needs PRO/Verified/Donor/Investor');
    expectNoSecret(e, account);
    expect(bed.source.hits('/clip.mp4')).toBe(hits);
    expect(fake.requestsTo('POST /api/v1/media')).toHaveLength(0);
  });

  it.each(['is_verified', 'is_donor', 'is_investor'])('lets an account with only %s upload', async (flag) => {
    await start({ account: { isPro: false } });
    fake.failNext(VERIFY, flags({ [flag]: true }));
    await bed.adapter.publish(videoRequest(bed.video.url), accountFor(fake), CTX);
    expect(fake.statuses).toHaveLength(1);
  });

  it('tries the upload when Gab does not send the flags at all (its answer decides)', async () => {
    await start();
    fake.failNext(VERIFY, { status: 200, body: { id: '42', username: 'crier' } });
    await bed.adapter.publish(videoRequest(bed.video.url), accountFor(fake), CTX);
    expect(fake.statuses).toHaveLength(1);
  });

  it('verify reports a free account as not usable, a PRO one as usable', async () => {
    await start({ account: { isPro: false } });
    expect(await bed.adapter.verify(accountFor(fake), CTX)).toMatchObject({
      ok: false,
      checked: true,
      reason: 'Gab media upload needs PRO/Verified/Donor/Investor',
      remoteAccount: { id: fake.account.id, is_pro: false },
    });
    fake.account.isPro = true;
    expect(await bed.adapter.verify(accountFor(fake), CTX)).toMatchObject({
      ok: true,
      remoteAccount: { username: 'crier', is_pro: true },
    });
  });
});

describe('gabtv video download', () => {
  beforeEach(() => start());

  it('refuses a video of 250 MB by its Content-Length, before downloading or uploading it', async () => {
    const url = bed.source.serve('/250mb.mp4', { size: 1024, claimLength: 250 * 1024 * 1024, stallAfterBytes: 0 });
    const e = await caught(() => bed.adapter.publish(videoRequest(url), accountFor(fake), CTX));
    expectKind(e, 'permanent');
    expect(e.message).toMatch(/too large/);
    expect(fake.requestsTo('POST /api/v1/media')).toHaveLength(0);
  });

  it('refuses a video that streams past the cap without a Content-Length', async () => {
    const url = bed.source.serve('/endless.webm', { size: 20 * 1024 * 1024, withLength: false, type: 'video/webm' });
    const e = await caught(() => bed.adapterWith(512 * 1024).publish(videoRequest(url), accountFor(fake), CTX));
    expectKind(e, 'permanent');
    expect(fake.requestsTo('POST /api/v1/media')).toHaveLength(0);
  });

  it.each<[string, VideoSpec, PlatformErrorKind]>([
    ['a type Gab does not take (mkv)', { bytes: Buffer.alloc(100), type: 'video/x-matroska' }, 'permanent'],
    ['a host slower than the timeout', { headerDelayMs: 2000, size: 10 }, 'transient'],
    ['a host that stalls mid-video', { size: 300_000, stallAfterBytes: 100_000 }, 'transient'],
    ['a 404 from the host', { status: 404 }, 'permanent'],
    ['a 502 from the host', { status: 502 }, 'transient'],
  ])('%s → %s, nothing uploaded', async (name, spec, kind) => {
    const url = bed.source.serve(`/case-${name.replace(/\W+/g, '-')}`, spec);
    const e = await caught(() => bed.adapter.publish(videoRequest(url), accountFor(fake), ctx(300)));
    expectKind(e, kind);
    expect(fake.requestsTo('POST /api/v1/media')).toHaveLength(0);
  });

  it.each([
    ['video/quicktime', 'video.mov'],
    ['video/ogg', 'video.ogv'],
    ['video/3gpp', 'video.3gp'],
    ['video/webm', 'video.webm'],
  ])('uploads %s as %s', async (type, filename) => {
    const url = bed.source.serve(`/typed-${filename}`, { bytes: Buffer.alloc(2048, 5), type });
    await bed.adapter.publish(videoRequest(url), accountFor(fake), CTX);
    expect(fake.media).toEqual([expect.objectContaining({ type, filename, size: 2048 })]);
  });
});

describe('gabtv declarations', () => {
  it('has gab’s fields, limits and counting, and takes only a video', () => {
    expect(bed.adapter.credentialFields).toEqual([expect.objectContaining({ name: 'accessToken', secret: true })]);
    expect(bed.adapter.settingsFields).toEqual([
      expect.objectContaining({ name: 'apiBaseUrl', default: 'https://gab.com', required: false }),
    ]);
    expect(bed.adapter.limits()).toEqual({ maxLength: 5000, counting: 'graphemes-url23', maxImages: 0, video: true });
    expect(bed.adapter.measure(`a ${'https://news.example/'.padEnd(60, 'x')}`)).toBe(25);
  });
});
