import { NotApplicableError, PublishRequest } from '../../src/platforms/platform';
import { RUMBLE_SOMETHING_WENT_WRONG, RumbleFake, rumbleRefusal } from '../fakes/rumble.fake';
import { ContractFake, ErrorRow, runAdapterContract } from './adapter-contract';
import { ARTICLE_URL, CTX, caught, closedPortUrl, expectKind, isRequest, publishRequest } from './contract-support';
import { rumbleAccount, rumbleTestbed, useRumbleFake, videoArticle, videoRequest } from './rumble-support';

/**
 * Rumble against its fake: the shared contract suite with every request carrying the test video, then what only
 * Rumble has (fields of the upload, licenseType, the verify probe). rumble-video.contract.test.ts covers the
 * video download paths.
 */

const UPLOAD = 'POST /api/simple-upload.php';
const LEAK = 'wrong-token-that-must-not-leak-42';

const bed = rumbleTestbed();
let video: { url: string; sha256: string; bytes: Buffer };
beforeAll(() => {
  video = bed.source.serveRandom('/clip.mp4', 700_000);
});
const withVideo = (over: Partial<PublishRequest> = {}) => videoRequest(video.url, over);

function contractFake(fake: RumbleFake): ContractFake {
  return {
    server: fake,
    account: (opts) => rumbleAccount(fake, opts),
    posted: () => fake.uploads.map((u) => ({ id: u.videoId, text: u.description, hasImage: false })),
  };
}

// docs/PLATFORMS.md §3.7, row by row.
const rows: ErrorRow[] = [
  { row: '403 (invalid token or banned user)', fault: { status: 403, rawBody: 'Forbidden' }, expect: 'reauth' },
  {
    row: '200 success:false with field errors',
    fault: rumbleRefusal({
      title: { code: 'TOO_LONG', message: 'Title is too long' },
      video: { code: 'INVALID_FILE', message: 'Unsupported video' },
    }),
    expect: 'permanent',
    says: /title: Title is too long \(TOO_LONG\); video: Unsupported video/,
  },
  { row: '200 success:false, only SOMETHING_WENT_WRONG', fault: RUMBLE_SOMETHING_WENT_WRONG, expect: 'transient' },
  {
    row: '200 success:false, SOMETHING_WENT_WRONG plus a field',
    fault: rumbleRefusal({
      _: { code: 'SOMETHING_WENT_WRONG', message: 'Something went wrong' },
      description: { code: 'TOO_LONG', message: 'Too long' },
    }),
    expect: 'permanent',
  },
  { row: 'a 200 HTML page', fault: { status: 200, rawBody: '<html><body>ok</body></html>' }, expect: 'ambiguous' },
  { row: 'timeout during upload', fault: { delayMs: 1500 }, timeoutMs: 300, expect: 'ambiguous' },
  { row: '500 during upload', fault: { status: 500, rawBody: 'Internal Server Error' }, expect: 'ambiguous' },
  {
    row: '502 gateway page during upload',
    fault: { status: 502, rawBody: '<html><head><title>502 Bad Gateway</title></head></html>' },
    expect: 'ambiguous',
  },
  {
    row: 'Cloudflare 403 page (rule 7)',
    fault: { status: 403, rawBody: '<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>' },
    expect: 'transient',
  },
  { row: '404 (wrong apiBaseUrl)', fault: { status: 404, rawBody: 'Not Found' }, expect: 'reauth' },
  { row: '429 (no documented signal)', fault: { status: 429, rawBody: 'Too Many Requests' }, expect: 'transient' },
  { row: '413 from the server', fault: { status: 413, rawBody: 'Request Entity Too Large' }, expect: 'permanent' },
];

runAdapterContract({
  adapter: bed.adapter,
  start: async () => contractFake(await RumbleFake.start()),
  publishKey: UPLOAD,
  // The upload is the create: the fence comes after the video download, right before it.
  isCreate: isRequest(UPLOAD),
  offFakeRequests: () => bed.source.requests.length,
  sampleText: 'Crier launches: café ☕ & <friends> 👨‍👩‍👧 https://news.example/a?utm=feed.',
  lengthParts: { prefix: 'Breaking 👨‍👩‍👧: ', filler: 'é', url: `${ARTICLE_URL}&padding=${'p'.repeat(40)}` },
  article: () => videoArticle(video.url),
  noImage: 'rumble: the video is its only media',
  // No read API (§3.7): a lost answer leaves the delivery unconfirmed.
  noReconcile: 'rumble: no read API',
  // The probe proves the token but learns no account (see "rumble verify" below).
  verifyHasRemoteId: false,
  errorRows: rows,
  noIdFault: { status: 200, body: { success: true, url_monetized: 'https://rumble.com/x' } },
  lostAnswerKind: 'ambiguous',
});

describe('rumble publish', () => {
  useRumbleFake(bed);

  it('uploads the video intact with the text as description and returns video_id and url_monetized', async () => {
    const req = withVideo({ text: 'Crier launches: café ☕ & <friends> 👨‍👩‍👧 https://news.example/a?utm=feed.' });
    const result = await bed.adapter.publish(req, rumbleAccount(bed.fake), CTX);
    expect(bed.fake.uploads).toEqual([
      expect.objectContaining({
        title: 'Crier launches',
        description: req.text,
        licenseType: '0',
        channelId: null,
        guid: req.deliveryId,
        type: 'video/mp4',
        size: video.bytes.length,
        sha256: video.sha256,
      }),
    ]);
    expect(result).toEqual({ remoteId: bed.fake.uploads[0].videoId, remoteUrl: bed.fake.uploads[0].url });
  });

  it('sends channel_id and license type 6 when set', async () => {
    await bed.adapter.publish(withVideo(), rumbleAccount(bed.fake, { channelId: '4815162', licenseType: '6' }), CTX);
    expect(bed.fake.uploads[0]).toMatchObject({ channelId: '4815162', licenseType: '6' });
  });

  it('holds the account on a licenseType other than 0 or 6, before downloading anything', async () => {
    const hits = bed.source.hits('/clip.mp4');
    const e = await caught(() => bed.adapter.publish(withVideo(), rumbleAccount(bed.fake, { licenseType: '3' }), CTX));
    expectKind(e, 'reauth');
    expect(e.message).toMatch(/licenseType/);
    expect(bed.source.hits('/clip.mp4')).toBe(hits);
  });

  it('fails an article without a title before downloading (Rumble requires one)', async () => {
    const req = withVideo();
    const untitled = { ...req, article: { ...req.article!, title: '  ' } };
    const e = await caught(() => bed.adapter.publish(untitled, rumbleAccount(bed.fake), CTX));
    expectKind(e, 'permanent');
    expect(bed.fake.requests).toHaveLength(0);
  });
});

describe('rumble error table (docs/PLATFORMS.md §3.7)', () => {
  useRumbleFake(bed);

  it('a banned user → reauth', async () => {
    bed.fake.banned = true;
    expectKind(await caught(() => bed.adapter.publish(withVideo(), rumbleAccount(bed.fake), CTX)), 'reauth');
  });

  it('article without video → not-applicable, before any request', async () => {
    const req = publishRequest();
    expect(bed.adapter.notApplicable(req.article)).toBe('article has no video');
    expect(bed.adapter.notApplicable(null)).toBe('article has no video');
    const e = await caught(() => bed.adapter.publish(req, rumbleAccount(bed.fake), CTX));
    expectKind(e, 'not-applicable');
    expect(e).toBeInstanceOf(NotApplicableError);
    const noArticle = publishRequest({ article: null });
    expectKind(await caught(() => bed.adapter.publish(noArticle, rumbleAccount(bed.fake), CTX)), 'not-applicable');
    expect(bed.fake.requests).toHaveLength(0);
  });
});

describe('rumble verify (UNCONFIRMED probe)', () => {
  useRumbleFake(bed);

  it('accepts a token the upload endpoint lets through, posting only access_token and creating nothing', async () => {
    const result = await bed.adapter.verify(rumbleAccount(bed.fake), CTX);
    expect(result).toEqual({ ok: true, checked: true, reason: expect.stringMatching(/UNCONFIRMED/) });
    expect(bed.fake.requests.map((r) => Object.keys(r.body as object))).toEqual([['access_token']]);
    expect(bed.fake.uploads).toHaveLength(0);
  });

  it('rejects a bad token (403) without repeating it', async () => {
    const result = await bed.adapter.verify(rumbleAccount(bed.fake, { token: LEAK }), CTX);
    expect(result).toMatchObject({ ok: false, checked: true, reason: expect.stringMatching(/403.*UNCONFIRMED/s) });
    expect(JSON.stringify(result)).not.toContain(LEAK);
  });

  it('rejects a token the body calls invalid, and a bad licenseType', async () => {
    bed.fake.failNext(UPLOAD, rumbleRefusal({ access_token: { code: 'INVALID', message: 'Invalid access token' } }));
    expect(await bed.adapter.verify(rumbleAccount(bed.fake), CTX)).toMatchObject({ ok: false, checked: true });
    expect(await bed.adapter.verify(rumbleAccount(bed.fake, { licenseType: 'x' }), CTX)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/licenseType/),
    });
  });

  it('says it could not check when the answer is not the expected shape', async () => {
    bed.fake.failNext(UPLOAD, { status: 200, rawBody: '<html>upload</html>' });
    expect(await bed.adapter.verify(rumbleAccount(bed.fake), CTX)).toMatchObject({ ok: true, checked: false });
  });

  it('lets a 503 or a refused connection propagate as transient (retry the check)', async () => {
    bed.fake.failNext(UPLOAD, { status: 503, rawBody: 'down' });
    expectKind(await caught(() => bed.adapter.verify(rumbleAccount(bed.fake), CTX)), 'transient');
    const dead = rumbleAccount(bed.fake, { baseUrl: await closedPortUrl() });
    expectKind(await caught(() => bed.adapter.verify(dead, CTX)), 'transient');
  });
});

describe('rumble declarations', () => {
  it('declares API.md fields, a video-only limit and code-point counting', () => {
    expect(bed.adapter.credentialFields).toEqual([
      expect.objectContaining({ name: 'accessToken', secret: true, required: true }),
    ]);
    expect(bed.adapter.settingsFields.map((f) => [f.name, f.required, f.default])).toEqual([
      ['apiBaseUrl', false, 'https://rumble.com'],
      ['channelId', false, undefined],
      ['licenseType', false, '0'],
    ]);
    expect(bed.adapter.limits()).toEqual({ maxLength: 5000, counting: 'code-points', maxImages: 0, video: true });
    expect(bed.adapter.measure('👨‍👩‍👧 é')).toBe(7);
  });
});
