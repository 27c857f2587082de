import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { VideoSource, sha256 } from '../../test/fakes/video-source';
import * as netGuard from './net-guard';
import { PlatformError } from './platform';
import {
  VideoDownloadOptions,
  downloadVideo,
  transferTimeoutMs,
  videoBlob,
  videoNotApplicable,
  withDownloadedVideo,
} from './video-download';

describe('downloadVideo', () => {
  let source: VideoSource;
  let tempDir: string;
  const opts = (over: Partial<VideoDownloadOptions> = {}): VideoDownloadOptions => ({
    label: 'test',
    maxBytes: 1024 * 1024,
    timeoutMs: 3000,
    tempDir,
    // The fake video host listens on loopback.
    allowPrivateAddresses: true,
    ...over,
  });
  const failure = async (url: string, over: Partial<VideoDownloadOptions> = {}) => {
    const e = await downloadVideo(url, opts(over)).then(
      () => undefined,
      (err: unknown) => err,
    );
    if (!(e instanceof PlatformError)) throw new Error(`expected a PlatformError, got ${String(e)}`);
    return e;
  };
  const leftovers = () => readdir(tempDir);

  beforeAll(async () => (source = await VideoSource.start()));
  afterAll(() => source.stop());
  beforeEach(async () => (tempDir = await mkdtemp(path.join(os.tmpdir(), 'crier-video-spec-'))));
  afterEach(() => rm(tempDir, { recursive: true, force: true }));

  it('streams the bytes intact to a temp file and removes it on cleanup', async () => {
    const { url, sha256: hash } = source.serveRandom('/ok.mp4', 300_000);
    const video = await downloadVideo(url, opts());
    expect(video).toMatchObject({ size: 300_000, contentType: 'video/mp4', filename: 'video.mp4' });
    expect(sha256(await readFile(video.path))).toBe(hash);
    await video.cleanup();
    await video.cleanup();
    expect(await leftovers()).toEqual([]);
  });

  it('streams a body without Content-Length, and uploads can read it back as a lazy Blob', async () => {
    const bytes = Buffer.alloc(200_000, 7);
    const url = source.serve('/chunked.webm', { bytes, type: 'video/webm', withLength: false });
    await withDownloadedVideo(url, opts(), async (video) => {
      expect(video).toMatchObject({ size: 200_000, contentType: 'video/webm', filename: 'video.webm' });
      const blob = await videoBlob(video);
      expect(blob.type).toBe('video/webm');
      expect(sha256(Buffer.from(await blob.arrayBuffer()))).toBe(sha256(bytes));
    });
    expect(await leftovers()).toEqual([]);
  });

  it('infers the type from the extension when the host says octet-stream', async () => {
    const url = source.serve('/clip.MOV', { bytes: Buffer.alloc(10, 1), type: 'application/octet-stream' });
    await withDownloadedVideo(url, opts(), async (video) => {
      expect(video).toMatchObject({ contentType: 'video/quicktime', filename: 'video.mov' });
    });
  });

  it('refuses a video whose Content-Length is over the cap before writing anything', async () => {
    const url = source.serve('/huge.mp4', { size: 64 * 1024, claimLength: 5 * 1024 * 1024, stallAfterBytes: 1 });
    const e = await failure(url);
    expect(e).toMatchObject({ kind: 'permanent', message: expect.stringContaining('too large') });
    expect(await leftovers()).toEqual([]);
  });

  it('refuses a video that streams past the cap without a length, and leaves no file', async () => {
    const url = source.serve('/endless.mp4', { size: 50 * 1024 * 1024, withLength: false });
    const e = await failure(url, { maxBytes: 256 * 1024 });
    expect(e).toMatchObject({ kind: 'permanent', message: expect.stringContaining('too large') });
    expect(await leftovers()).toEqual([]);
  });

  it.each([
    ['a host that never answers', { headerDelayMs: 5000 }],
    ['a host that stalls mid-body', { size: 200_000, stallAfterBytes: 70_000 }],
  ])('gives up on %s as transient (idle timeout)', async (_name, spec) => {
    const url = source.serve(`/slow-${_name.length}.mp4`, spec);
    const e = await failure(url, { timeoutMs: 5000, idleTimeoutMs: 300 });
    expect(e).toMatchObject({ kind: 'transient', message: expect.stringContaining('stalled') });
    expect(await leftovers()).toEqual([]);
  });

  it('gives up at the overall deadline even while bytes trickle in', async () => {
    const url = source.serve('/trickle.mp4', { size: 200_000, stallAfterBytes: 70_000 });
    const e = await failure(url, { timeoutMs: 300, idleTimeoutMs: 5000 });
    expect(e).toMatchObject({ kind: 'transient', message: expect.stringContaining('not complete') });
  });

  it.each([
    [404, 'permanent'],
    [403, 'permanent'],
    [410, 'permanent'],
    [500, 'transient'],
    [503, 'transient'],
    [429, 'transient'],
  ])('HTTP %i from the video host → %s', async (status, kind) => {
    const e = await failure(source.serve(`/status-${status}`, { status }));
    expect(e).toMatchObject({ kind, statusCode: status });
  });

  it('refuses a page that is not a video, and a type outside the allowed list', async () => {
    const html = source.serve('/page', { bytes: Buffer.from('<html></html>'), type: 'text/html' });
    expect(await failure(html)).toMatchObject({ kind: 'permanent', message: expect.stringContaining('text/html') });
    const mkv = source.serve('/a.mkv', { bytes: Buffer.alloc(10), type: 'video/x-matroska' });
    expect(await failure(mkv, { allowedTypes: ['video/mp4'] })).toMatchObject({ kind: 'permanent' });
  });

  it('follows a few redirects, refuses too many, and never leaves http(s)', async () => {
    const target = source.serve('/final.mp4', { bytes: Buffer.alloc(100, 3) });
    const hop = source.serve('/hop', { redirectTo: target });
    await withDownloadedVideo(hop, opts(), async (video) => expect(video.size).toBe(100));
    source.serve('/loop', { redirectTo: `${source.baseUrl}/loop` });
    expect(await failure(`${source.baseUrl}/loop`, { maxRedirects: 3 })).toMatchObject({ kind: 'permanent' });
    const toFile = source.serve('/to-file', { redirectTo: 'file:///etc/passwd' });
    expect(await failure(toFile)).toMatchObject({ kind: 'permanent', message: expect.stringContaining('non-http') });
    expect(await failure('file:///etc/passwd')).toMatchObject({ kind: 'permanent' });
    expect(await failure('not a url')).toMatchObject({ kind: 'permanent' });
  });

  describe('SSRF guard', () => {
    const PRIVATE = 'test video URL points to a private address; set CRIER_FEEDS_ALLOW_PRIVATE=true to allow';
    afterEach(() => jest.restoreAllMocks());

    it.each([
      ['127.0.0.1', () => source.serve('/guard.mp4', { bytes: Buffer.alloc(10) })],
      ['localhost', () => source.serve('/guard.mp4', { bytes: Buffer.alloc(10) }).replace('127.0.0.1', 'localhost')],
      ['[::1]', () => source.serve('/guard.mp4', { bytes: Buffer.alloc(10) }).replace('127.0.0.1', '[::1]')],
      ['10.x', () => 'http://10.20.30.40/v.mp4'],
      ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ])('refuses %s by default, permanently and without naming it', async (_name, url) => {
      const e = await failure(url(), { allowPrivateAddresses: undefined });
      expect(e).toMatchObject({ kind: 'permanent', message: PRIVATE });
      expect(source.hits('/guard.mp4')).toBe(0);
      expect(await leftovers()).toEqual([]);
    });

    it('re-checks a redirect from an allowed host to a private one', async () => {
      // The first hop stands for a public host: exactly one connection is permitted, then the real rule applies.
      const { guardedAgents, isPublicAddress } = netGuard;
      jest.spyOn(netGuard, 'guardedAgents').mockImplementation(() => {
        let first = true;
        return guardedAgents(false, (a) => (first ? !(first = false) : isPublicAddress(a)));
      });
      const target = source.serve('/private.mp4', { bytes: Buffer.alloc(10) }).replace('127.0.0.1', 'localhost');
      for (const [i, to] of [target, 'http://169.254.169.254/latest/meta-data/'].entries()) {
        const hop = source.serve(`/public-hop-${i}`, { redirectTo: to });
        const e = await failure(hop, { allowPrivateAddresses: undefined });
        expect(e).toMatchObject({ kind: 'permanent', message: PRIVATE });
        expect(source.hits(`/public-hop-${i}`)).toBe(1);
      }
      expect(source.hits('/private.mp4')).toBe(0);
      expect(await leftovers()).toEqual([]);
    });
  });

  it('treats a refused connection and a truncated body as transient', async () => {
    const gone = await VideoSource.start();
    const url = gone.serve('/x.mp4', { bytes: Buffer.alloc(10) });
    await gone.stop();
    expect(await failure(url)).toMatchObject({ kind: 'transient' });
    const short = source.serve('/short.mp4', { size: 1000, claimLength: 5000 });
    expect(await failure(short)).toMatchObject({ kind: 'transient' });
    expect(await leftovers()).toEqual([]);
  });

  it('removes the file when the caller fails', async () => {
    const url = source.serve('/c.mp4', { bytes: Buffer.alloc(10) });
    await expect(withDownloadedVideo(url, opts(), () => Promise.reject(new Error('upload broke')))).rejects.toThrow(
      'upload broke',
    );
    expect(await leftovers()).toEqual([]);
  });
});

describe('video helpers', () => {
  it('budgets time by size at 1 MiB/s on top of the request timeout', () => {
    expect(transferTimeoutMs(30_000, 0)).toBe(30_000);
    expect(transferTimeoutMs(30_000, 250 * 1024 * 1024)).toBe(280_000);
  });

  it('calls an article without a video not applicable', () => {
    const article = { url: 'https://a.example', title: 't', imageUrl: null, videoUrl: null, description: null };
    expect(videoNotApplicable(null)).toBe('article has no video');
    expect(videoNotApplicable(article)).toBe('article has no video');
    expect(videoNotApplicable({ ...article, videoUrl: 'https://a.example/v.mp4' })).toBeNull();
  });
});
