import { mkdtempSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GabTvAdapter } from '../../src/platforms/gabtv/gabtv.adapter';
import { PublishArticle, PublishRequest } from '../../src/platforms/platform';
import { VideoSource } from '../fakes/video-source';
import { ARTICLE_URL, publishRequest } from './contract-support';

/** Shared set-up of the gabtv contract files: one video host and a temp dir that must be empty after each test. */

export interface GabTvTestbed {
  readonly tempDir: string;
  /** Stages videos in `tempDir`; built at load time because runAdapterContract reads it while defining tests. */
  readonly adapter: GabTvAdapter;
  adapterWith(maxVideoBytes: number): GabTvAdapter;
  source: VideoSource;
  /** A 300 kB mp4 on `source`, served for every test. */
  video: { url: string; sha256: string; bytes: Buffer };
}

export function gabtvTestbed(): GabTvTestbed {
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'crier-gabtv-test-'));
  const bed = {
    tempDir,
    adapter: new GabTvAdapter({ tempDir }),
    adapterWith: (maxVideoBytes: number) => new GabTvAdapter({ tempDir, maxVideoBytes }),
  } as GabTvTestbed;
  beforeAll(async () => {
    bed.source = await VideoSource.start();
    bed.video = bed.source.serveRandom('/clip.mp4', 300_000);
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

export function videoArticle(videoUrl: string | null): PublishArticle {
  return { url: ARTICLE_URL, title: 'Crier launches', imageUrl: null, videoUrl, description: null };
}

export function videoRequest(videoUrl: string, over: Partial<PublishRequest> = {}): PublishRequest {
  return publishRequest({ article: videoArticle(videoUrl), ...over });
}
