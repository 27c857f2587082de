import type { ContentPool } from '../articles/content-pool';
import type { AppConfig } from '../config/config';
import { discoverFeeds } from './feed-discovery';
import { FEED_MAX_BYTES, FEED_MAX_REDIRECTS, FeedFetchError, fetchFeed, FetchLimits, Validators } from './feed-fetcher';
import { FeedParseError, ParsedFeed } from './feed-item';
import { looksLikeHtml, parseFeed } from './feed-parser';
import { withEmbed } from './wordpress';

export type ReadResult =
  | { notModified: true }
  | { notModified: false; feed: ParsedFeed; fetchUrl: string; etag: string | null; lastModified: string | null };

/** Why a feed cannot be read, as a predicate for "the feed …" / "url …" ("answered HTTP 404"). */
export class FeedReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedReadError';
  }
}

/**
 * Fetch (bounded, guarded) + parse, and for a web page the discovery of the feed it names. Provided by a factory
 * (app.module.ts) so tests can pass smaller limits.
 */
export class FeedReader {
  readonly limits: FetchLimits;

  /**
   * `content`: where documents are parsed; without it, on the calling thread (tests and benchmarks of the reader
   * alone). The app passes its ContentPool, so a hostile document never blocks the event loop.
   */
  constructor(
    config: Pick<AppConfig, 'httpTimeoutMs' | 'feedsAllowPrivate'>,
    limits: Partial<FetchLimits> = {},
    private readonly content?: Pick<ContentPool, 'parseFeed'>,
  ) {
    this.limits = {
      timeoutMs: config.httpTimeoutMs,
      maxBytes: FEED_MAX_BYTES,
      maxRedirects: FEED_MAX_REDIRECTS,
      allowPrivateAddresses: config.feedsAllowPrivate,
      ...limits,
    };
  }

  /** Reads a feed URL as given by a user: a feed, a WordPress posts endpoint, or a page that names one. */
  async discover(url: string, stop?: AbortSignal): Promise<Extract<ReadResult, { notModified: false }>> {
    const first = await this.read(withEmbed(url), {}, stop, true);
    if (first.notModified) throw new FeedReadError('answered 304 Not Modified to a plain request');
    return first;
  }

  /** One poll: a conditional GET when validators are known. */
  async read(fetchUrl: string, validators: Validators = {}, stop?: AbortSignal, discover = false): Promise<ReadResult> {
    const res = await this.fetch(fetchUrl, validators, stop);
    if (res.notModified) return res;
    try {
      return {
        notModified: false,
        feed: this.content ? await this.content.parseFeed(res.body, res.url) : parseFeed(res.body, res.url),
        fetchUrl,
        etag: res.etag,
        lastModified: res.lastModified,
      };
    } catch (e) {
      if (!(e instanceof FeedParseError)) throw e;
      if (!discover || !looksLikeHtml(res.body.trimStart()))
        throw new FeedReadError(`is not a feed we can read: ${e.message}`);
      const candidates = discoverFeeds(res.body, res.url, res.link);
      let last: Error = new FeedReadError('is a web page that names no RSS, Atom or WordPress feed');
      for (const candidate of candidates) {
        try {
          const found = await this.read(candidate, {}, stop, false);
          if (!found.notModified) return found;
        } catch (inner) {
          last = new FeedReadError(`is a web page naming a feed that ${(inner as Error).message}`);
        }
      }
      throw last;
    }
  }

  private async fetch(url: string, validators: Validators, stop?: AbortSignal) {
    try {
      return await fetchFeed(url, this.limits, validators, stop);
    } catch (e) {
      if (e instanceof FeedFetchError) throw new FeedReadError(e.message);
      throw e;
    }
  }
}
