import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RumbleAdapter } from '../../src/platforms/rumble/rumble.adapter';
import { AccountRef, PublishRequest } from '../../src/platforms/platform';
import { RumbleFake } from '../fakes/rumble.fake';
import { VideoSource } from '../fakes/video-source';
import { ARTICLE_URL, publishRequest } from './contract-support';

/** Shared set-up of the Rumble contract files: one video host, a fresh fake per test, a watched temp dir. */

export function rumbleAccount(
  fake: RumbleFake,
  opts: { token?: string; baseUrl?: string; channelId?: string; licenseType?: string } = {},
): AccountRef {
  const settings: Record<string, string> = { apiBaseUrl: opts.baseUrl ?? fake.baseUrl };
  if (opts.channelId !== undefined) settings.channelId = opts.channelId;
  if (opts.licenseType !== undefined) settings.licenseType = opts.licenseType;
  const credentials = { accessToken: opts.token ?? fake.accessToken };
  return { accountId: 'acc-rumble', credentials, settings, remote: null };
}

export function videoRequest(videoUrl: string, over: Partial<PublishRequest> = {}): PublishRequest {
  return publishRequest({
    article: { url: ARTICLE_URL, title: 'Crier launches', imageUrl: null, videoUrl, description: null },
    ...over,
  });
}

export interface RumbleTestbed {
  source: VideoSource;
  fake: RumbleFake;
  tempDir: string;
  /** Adapter staging videos in `tempDir`; `maxVideoBytes` lowered where a test needs a small cap. */
  adapter: RumbleAdapter;
  adapterWith(maxVideoBytes: number): RumbleAdapter;
}

/** Registers the hooks; after every test the temp dir must be empty (no video may stay on disk). */
export function rumbleTestbed(): RumbleTestbed {
  const bed = {} as RumbleTestbed;
  beforeAll(async () => {
    bed.source = await VideoSource.start();
    bed.tempDir = await mkdtemp(path.join(os.tmpdir(), 'crier-rumble-test-'));
    bed.adapter = new RumbleAdapter({ tempDir: bed.tempDir });
    bed.adapterWith = (maxVideoBytes) => new RumbleAdapter({ tempDir: bed.tempDir, maxVideoBytes });
  });
  afterAll(async () => {
    await bed.source.stop();
    await rm(bed.tempDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    bed.fake = await RumbleFake.start();
  });
  afterEach(async () => {
    await bed.fake.stop();
    expect(await readdir(bed.tempDir)).toEqual([]);
  });
  return bed;
}
