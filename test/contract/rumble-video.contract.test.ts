import type { VideoSpec } from '../fakes/video-source';
import { PlatformErrorKind } from '../../src/platforms/platform';
import { CTX, caught, ctx, expectKind, expectNoSecret } from './contract-support';
import { rumbleAccount, rumbleTestbed, useRumbleFake, videoRequest } from './rumble-support';

/** The article's video on its way to Rumble: size cap, slow or failing hosts, types; never left on disk. */

const bed = rumbleTestbed();
useRumbleFake(bed);

describe('rumble video download', () => {
  it('uploads an 8 MB video byte for byte', async () => {
    const { url, sha256 } = bed.source.serveRandom('/big.mp4', 8 * 1024 * 1024);
    await bed.adapter.publish(videoRequest(url), rumbleAccount(bed.fake), CTX);
    expect(bed.fake.uploads).toEqual([expect.objectContaining({ size: 8 * 1024 * 1024, sha256 })]);
  });

  it('refuses a video whose Content-Length is over the 2 GiB cap without downloading or uploading it', async () => {
    const url = bed.source.serve('/huge.mp4', { size: 1024, claimLength: 2 * 1024 ** 3 + 1, stallAfterBytes: 0 });
    const account = rumbleAccount(bed.fake);
    const e = await caught(() => bed.adapter.publish(videoRequest(url), account, CTX));
    expectKind(e, 'permanent');
    expect(e.message).toMatch(/too large/);
    expectNoSecret(e, account);
    expect(bed.fake.requests).toHaveLength(0);
  });

  it('refuses a video that streams past the cap without a Content-Length', async () => {
    const url = bed.source.serve('/endless.mp4', { size: 20 * 1024 * 1024, withLength: false });
    const e = await caught(() => bed.adapterWith(512 * 1024).publish(videoRequest(url), rumbleAccount(bed.fake), CTX));
    expectKind(e, 'permanent');
    expect(e.message).toMatch(/too large/);
    expect(bed.fake.requests).toHaveLength(0);
  });

  it.each<[string, VideoSpec, PlatformErrorKind]>([
    ['a host slower than the timeout', { headerDelayMs: 2000, size: 10 }, 'transient'],
    ['a host that stalls mid-video', { size: 300_000, stallAfterBytes: 100_000 }, 'transient'],
    ['a 404 from the host', { status: 404 }, 'permanent'],
    ['a 403 from the host', { status: 403 }, 'permanent'],
    ['a 503 from the host', { status: 503 }, 'transient'],
    ['an HTML page instead of a video', { bytes: Buffer.from('<html></html>'), type: 'text/html' }, 'permanent'],
  ])('%s → %s, nothing uploaded', async (name, spec, kind) => {
    const url = bed.source.serve(`/case-${name.replace(/\W+/g, '-')}`, spec);
    const e = await caught(() => bed.adapter.publish(videoRequest(url), rumbleAccount(bed.fake), ctx(300)));
    expectKind(e, kind);
    expect(bed.fake.requests).toHaveLength(0);
  });

  it('names an octet-stream video by its URL extension', async () => {
    const url = bed.source.serve('/files/clip.mov', { bytes: Buffer.alloc(5000, 9), type: 'application/octet-stream' });
    await bed.adapter.publish(videoRequest(url), rumbleAccount(bed.fake), CTX);
    expect(bed.fake.uploads[0]).toMatchObject({ type: 'video/quicktime', filename: 'video.mov', size: 5000 });
  });

  it('refuses a video URL that is not http(s) before any request', async () => {
    const e = await caught(() => bed.adapter.publish(videoRequest('file:///etc/passwd'), rumbleAccount(bed.fake), CTX));
    expectKind(e, 'permanent');
    expect(bed.fake.requests).toHaveLength(0);
  });
});
