import { NotApplicableError, PlatformErrorKind, PublishRequest } from '../../src/platforms/platform';
import type { Fault } from '../fakes/fake-server';
import { RUMBLE_SOMETHING_WENT_WRONG, rumbleRefusal } from '../fakes/rumble.fake';
import {
  ARTICLE_URL,
  caught,
  closedPortUrl,
  expectKind,
  expectNoSecret,
  publishRequest,
  textOfLength,
} from './contract-support';
import { rumbleAccount, rumbleTestbed, videoRequest } from './rumble-support';

/**
 * Rumble against its fake. runAdapterContract cannot run here yet: its requests carry no video (every Rumble
 * publish would be not-applicable) and it requires a remote account id that Rumble's probe cannot give. These
 * blocks cover the same cases; rumble-video.contract.test.ts covers the video download paths.
 */

const UPLOAD = 'POST /api/simple-upload.php';
const CTX = { timeoutMs: 3000 };
const LEAK = 'wrong-token-that-must-not-leak-42';

const bed = rumbleTestbed();
let video: { url: string; sha256: string; bytes: Buffer };
beforeAll(() => {
  video = bed.source.serveRandom('/clip.mp4', 700_000);
});
const withVideo = (over: Partial<PublishRequest> = {}) => videoRequest(video.url, over);

describe('rumble publish', () => {
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

  it('honours apiBaseUrl, with or without a trailing slash', async () => {
    await bed.adapter.publish(withVideo(), rumbleAccount(bed.fake, { baseUrl: `${bed.fake.baseUrl}/` }), CTX);
    expect(bed.fake.uploads).toHaveLength(1);
    expect(bed.fake.requests.every((r) => !r.path.includes('//'))).toBe(true);
  });

  it.each<[string, Fault]>([
    ['success:true without video_id', { status: 200, body: { success: true, url_monetized: 'https://rumble.com/x' } }],
    ['a 200 HTML page', { status: 200, rawBody: '<html><body>ok</body></html>' }],
  ])('treats %s as ambiguous', async (_name, fault) => {
    bed.fake.failNext(UPLOAD, fault);
    const account = rumbleAccount(bed.fake);
    const e = await caught(() => bed.adapter.publish(withVideo(), account, CTX));
    expectKind(e, 'ambiguous');
    expectNoSecret(e, account);
  });

  it('treats a refused connection as transient', async () => {
    const dead = rumbleAccount(bed.fake, { baseUrl: await closedPortUrl() });
    const e = await caught(() => bed.adapter.publish(withVideo(), dead, CTX));
    expectKind(e, 'transient');
    expectNoSecret(e, dead);
  });

  it('treats a lost answer to an accepted upload as ambiguous, with nothing to reconcile against', async () => {
    bed.fake.failNext(UPLOAD, { drop: true });
    const account = rumbleAccount(bed.fake);
    const e = await caught(() => bed.adapter.publish(withVideo(), account, CTX));
    expectKind(e, 'ambiguous');
    expectNoSecret(e, account);
    expect(bed.fake.uploads).toHaveLength(1);
    // No read API (§3.7): the worker marks the delivery unconfirmed.
    expect('reconcile' in bed.adapter).toBe(false);
  });

  it('treats a timeout after sending as ambiguous', async () => {
    bed.fake.failNext(UPLOAD, { delayMs: 2000 });
    const e = await caught(() => bed.adapter.publish(withVideo(), rumbleAccount(bed.fake), { timeoutMs: 300 }));
    expectKind(e, 'ambiguous');
  });

  it('reports a bad token as reauth without repeating it, and uploads nothing', async () => {
    const bad = rumbleAccount(bed.fake, { token: LEAK });
    const e = await caught(() => bed.adapter.publish(withVideo(), bad, CTX));
    expectKind(e, 'reauth');
    expectNoSecret(e, bad);
    expect(bed.fake.uploads).toHaveLength(0);
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

describe('rumble error table (PLATFORMS.md §3.7)', () => {
  const rows: Array<{ row: string; fault: Fault; expect: PlatformErrorKind; timeoutMs?: number; says?: RegExp }> = [
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

  it.each(rows.map((r) => [`${r.row} → ${r.expect}`, r] as const))('%s', async (_name, row) => {
    bed.fake.failNext(UPLOAD, row.fault);
    const account = rumbleAccount(bed.fake);
    const e = await caught(() => bed.adapter.publish(withVideo(), account, { timeoutMs: row.timeoutMs ?? 3000 }));
    expectKind(e, row.expect);
    expectNoSecret(e, account);
    if (row.says) expect(e.message).toMatch(row.says);
  });

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

describe('rumble length and declarations', () => {
  const parts = { prefix: 'Breaking 👨‍👩‍👧: ', filler: 'é', url: `${ARTICLE_URL}&padding=${'p'.repeat(40)}` };

  it('the fake accepts a description exactly at the declared limit, and refuses one more as permanent', async () => {
    const limit = bed.adapter.limits().maxLength;
    const text = textOfLength(limit, (t) => bed.adapter.measure(t), parts);
    await bed.adapter.publish(withVideo({ text }), rumbleAccount(bed.fake), CTX);
    expect(bed.fake.uploads.map((u) => u.description)).toEqual([text]);
    const over = textOfLength(limit + 1, (t) => bed.adapter.measure(t), parts);
    const e = await caught(() => bed.adapter.publish(withVideo({ text: over }), rumbleAccount(bed.fake), CTX));
    expectKind(e, 'permanent');
    expect(bed.fake.uploads).toHaveLength(1);
  });

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
