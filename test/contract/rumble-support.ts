import { mkdtempSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RumbleAdapter } from '../../src/platforms/rumble/rumble.adapter';
import { AccountRef, PublishArticle, PublishRequest } from '../../src/platforms/platform';
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

export function videoArticle(videoUrl: string | null): PublishArticle {
  return { url: ARTICLE_URL, title: 'Crier launches', imageUrl: null, videoUrl, description: null };
}

export function videoRequest(videoUrl: string, over: Partial<PublishRequest> = {}): PublishRequest {
  return publishRequest({ article: videoArticle(videoUrl), ...over });
}

export interface RumbleTestbed {
  source: VideoSource;
  /** This test's fake, in the scopes that called `useRumbleFake`. */
  fake: RumbleFake;
  readonly tempDir: string;
  /** Stages videos in `tempDir`; built at load time because runAdapterContract reads it while defining tests. */
  readonly adapter: RumbleAdapter;
  adapterWith(maxVideoBytes: number): RumbleAdapter;
}

/** Registers the hooks; after every test the temp dir must be empty (no video may stay on disk). */
export function rumbleTestbed(): RumbleTestbed {
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'crier-rumble-test-'));
  const bed = {
    tempDir,
    adapter: new RumbleAdapter({ tempDir }),
    adapterWith: (maxVideoBytes: number) => new RumbleAdapter({ tempDir, maxVideoBytes }),
  } as RumbleTestbed;
  beforeAll(async () => {
    bed.source = await VideoSource.start();
  });
  afterAll(async () => {
    await bed.source.stop();
    await rm(tempDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    expect(await readdir(tempDir)).toEqual([]);
  });
  return bed;
}

/** Starts a fresh `bed.fake` for each test of the calling scope (the contract suite starts its own). */
export function useRumbleFake(bed: RumbleTestbed): void {
  beforeEach(async () => {
    bed.fake = await RumbleFake.start();
  });
  afterEach(async () => {
    await bed.fake.stop();
  });
}
