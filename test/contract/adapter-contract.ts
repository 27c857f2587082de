import type { FakeServer, Fault, RecordedRequest } from '../fakes/fake-server';
import {
  AccountRef,
  AdapterContext,
  BudgetScope,
  PlatformAdapter,
  PlatformError,
  PlatformErrorKind,
  PublishArticle,
  PublishRequest,
  RateLimitedError,
} from '../../src/platforms/platform';
import {
  ARTICLE_URL,
  CTX,
  PNG_1X1,
  caught,
  closedPortUrl,
  ctx,
  expectKind,
  expectNoSecret,
  publishRequest,
  rejectionOf,
  textOfLength,
} from './contract-support';

/**
 * The one suite every adapter must pass against its fake platform (STYLE.md habit 6). A per-platform harness
 * says how to start the fake, build an account, read what was posted and script each row of its error table.
 */

export interface PostedItem {
  id: string;
  /** Text exactly as the platform received it. */
  text: string;
  hasImage: boolean;
}

export interface ContractFake {
  readonly server: FakeServer;
  account(opts?: { token?: string; baseUrl?: string }): AccountRef;
  posted(): PostedItem[];
}

export interface ErrorRow {
  /** The docs/PLATFORMS.md row this reproduces. */
  row: string;
  /** Scripted answer; a function when it depends on the time (rate-limit resets). */
  fault: Fault | (() => Fault);
  /** Fault key; defaults to the harness's publish key. */
  key?: string;
  /** Publish with an image (to reach media upload or sendPhoto). */
  withImage?: boolean;
  req?: Partial<PublishRequest>;
  expect: PlatformErrorKind;
  /** Per-call timeout, for rows that hang. */
  timeoutMs?: number;
  /** Expected RateLimitedError delay (± 5 s). */
  retryAfterMs?: number;
  /** Whose budget a RateLimitedError's wait is for (the platform's signal says which counter ran out). */
  scope?: BudgetScope;
  /** What the error message must say. */
  says?: RegExp;
}

export interface AdapterHarness {
  adapter: PlatformAdapter;
  start(): Promise<ContractFake>;
  /** Fault key of the publish call ("POST /api/v1/statuses", "sendMessage"). */
  publishKey: string;
  /**
   * Whether a logged request is one that creates the post (statuses, tweets, sendMessage/sendPhoto, feed/photos…):
   * the irreversible call that the claim fence (`ctx.assertClaimed`) must come right before.
   */
  isCreate(r: RecordedRequest): boolean;
  /**
   * Whether a logged request uploads media to the platform (done before the fence). Leave out where the platform
   * takes no media upload (it fetches the image itself, or the upload is the create).
   */
  isMediaUpload?(r: RecordedRequest): boolean;
  /**
   * How many requests the adapter has made off the fake so far (video platforms: downloads from the video host);
   * the fence must come after all of them. Leave out where every request goes to the fake.
   */
  offFakeRequests?(): number;
  /** The platform publishes threads (a later part replies to `inReplyToId`): each part is fenced on its own. */
  threads?: boolean;
  /** Text with a link, in the platform's markup, to publish verbatim. */
  sampleText: string;
  /** Parts for texts of an exact length (see textOfLength). */
  lengthParts: { prefix: string; filler: string; url: string };
  /**
   * Why the platform publishes no article image, shown in the test name ("gettr: no image upload"); leave out when
   * it does. Then the suite checks the adapter declares `maxImages: 0` instead of posting an image.
   */
  noImage?: string;
  /**
   * Why the adapter has no `reconcile` (no read API), shown in the test name; leave out when it has one. Then the
   * suite checks there is none instead of calling it.
   */
  noReconcile?: string;
  /**
   * The article every request the suite builds carries (video platforms need a `videoUrl` on each publish);
   * called once per request. Leave out for the default article of `publishRequest`.
   */
  article?: () => PublishArticle | null;
  /** Verify learns the remote account id (default true); false where the check cannot (Rumble's probe). */
  verifyHasRemoteId?: boolean;
  /**
   * Verify proves the token (default true); false where the platform offers no way to check a credential (API.md):
   * then verify answers `{ok:true, checked:false, reason}` for good and bad tokens alike.
   */
  verifyProvesToken?: boolean;
  errorRows: ErrorRow[];
  /** A 2xx answer to the publish call that carries no id. */
  noIdFault: Fault;
  /** Class of a publish that reached the platform but whose answer was lost (first attempt just now). */
  lostAnswerKind: PlatformErrorKind;
}

export function runAdapterContract(h: AdapterHarness): void {
  const { adapter } = h;

  describe(`${adapter.id} adapter contract`, () => {
    let fake: ContractFake;
    let account: AccountRef;

    beforeEach(async () => {
      fake = await h.start();
      account = fake.account();
    });
    afterEach(async () => {
      await fake.server.stop();
    });

    /** A publish request carrying the harness article (if any); `over` wins. */
    const request = (over: Partial<PublishRequest> = {}): PublishRequest =>
      publishRequest({ ...(h.article ? { article: h.article() } : {}), ...over });

    const withImage = (): PublishArticle => ({
      url: ARTICLE_URL,
      title: 'Crier launches',
      videoUrl: null,
      description: null,
      ...h.article?.(),
      imageUrl: fake.server.hostFile('/images/photo.png', PNG_1X1, 'image/png'),
    });

    describe('publish', () => {
      it('posts exactly the text and returns the remote id and URL', async () => {
        const result = await adapter.publish(request({ text: h.sampleText }), account, CTX);
        const posted = fake.posted();
        expect(posted).toHaveLength(1);
        expect(posted[0].text).toBe(h.sampleText);
        expect(result.remoteId).toBe(posted[0].id);
        expect(result.remoteUrl).toMatch(/^https?:\/\/\S+$/);
      });

      if (h.noImage === undefined) {
        it('posts with the article image', async () => {
          expect(adapter.limits(account.remote).maxImages).toBeGreaterThan(0);
          const result = await adapter.publish(request({ text: h.sampleText, article: withImage() }), account, CTX);
          const posted = fake.posted();
          expect(posted).toEqual([{ id: result.remoteId, text: h.sampleText, hasImage: true }]);
        });
      } else {
        it(`declares no article image, maxImages 0 (${h.noImage})`, () => {
          expect(adapter.limits(account.remote).maxImages).toBe(0);
        });
      }

      it('honours apiBaseUrl, with or without a trailing slash', async () => {
        const slashed = fake.account({ baseUrl: `${fake.server.baseUrl}/` });
        await adapter.publish(request(), slashed, CTX);
        expect(fake.posted()).toHaveLength(1);
        expect(fake.server.requests.every((r) => !r.path.includes('//'))).toBe(true);
      });

      it('treats a 2xx without an id as ambiguous', async () => {
        fake.server.failNext(h.publishKey, h.noIdFault);
        const e = await caught(() => adapter.publish(request(), account, CTX));
        expectKind(e, 'ambiguous');
        expectNoSecret(e, account);
      });

      it('treats a refused connection as transient', async () => {
        const dead = fake.account({ baseUrl: await closedPortUrl() });
        const e = await caught(() => adapter.publish(request(), dead, CTX));
        expectKind(e, 'transient');
        expectNoSecret(e, dead);
      });

      it('refuses an API host on a private address unless allowed: permanent, naming the host, nothing sent', async () => {
        // The fake listens on 127.0.0.1; without CRIER_PLATFORMS_ALLOW_PRIVATE no credential may go there.
        const closed = ctx(undefined, { allowPrivateApiAddresses: false });
        const host = new URL(fake.server.baseUrl).host;
        const e = await caught(() => adapter.publish(request(), account, closed));
        expectKind(e, 'permanent');
        expect(e.message).toContain(`refused to connect to ${host}`);
        expectNoSecret(e, account);
        const verified = await adapter.verify(account, closed);
        expect(verified).toMatchObject({ ok: false, reason: expect.stringContaining(`refused to connect to ${host}`) });
        expect(fake.server.requests).toEqual([]);
      });

      it(`treats a lost answer to an accepted post as ${h.lostAnswerKind}`, async () => {
        fake.server.failNext(h.publishKey, { drop: true });
        const req = request();
        const e = await caught(() => adapter.publish(req, account, CTX));
        expectKind(e, h.lostAnswerKind);
        expectNoSecret(e, account);
        expect(fake.posted()).toHaveLength(1);
        if (adapter.reconcile) {
          const found = await adapter.reconcile(req, account, CTX);
          expect(found?.remoteId).toBe(fake.posted()[0].id);
        }
      });

      it(`treats a timeout after sending as ${h.lostAnswerKind}`, async () => {
        fake.server.failNext(h.publishKey, { delayMs: 2000 });
        const e = await caught(() => adapter.publish(request(), account, ctx(300)));
        expectKind(e, h.lostAnswerKind);
        expectNoSecret(e, account);
      });

      if (h.noReconcile === undefined) {
        it('reconcile finds nothing when nothing was posted', async () => {
          expect(adapter.reconcile).toBeDefined();
          expect(await adapter.reconcile!(request(), account, CTX)).toBeNull();
        });
      } else {
        it(`has no reconcile (${h.noReconcile})`, () => {
          expect('reconcile' in adapter).toBe(false);
        });
      }
    });

    describe('the claim fence (ctx.assertClaimed)', () => {
      /** What the worker's fence throws when the claim is gone: a plain Error subclass, not a PlatformError. */
      class ClaimLostForTest extends Error {}

      /** The richest publish the platform takes: with the article image where it posts one (uploads come first). */
      const fullRequest = (over: Partial<PublishRequest> = {}): PublishRequest =>
        request({ text: h.sampleText, ...(h.noImage === undefined ? { article: withImage() } : {}), ...over });
      const creates = () => fake.server.requests.filter((r) => h.isCreate(r));

      /** A fence that notes how many requests the fake (and any off-fake host) had seen when it was awaited. */
      const watchingFence = (fail?: Error) => {
        const at: Array<{ logged: number; offFake: number }> = [];
        const assertClaimed = jest.fn(async () => {
          at.push({ logged: fake.server.requests.length, offFake: h.offFakeRequests?.() ?? 0 });
          if (fail) throw fail;
        });
        const context: AdapterContext = ctx(undefined, { assertClaimed });
        return { at, assertClaimed, context };
      };

      it('lets a lost claim reject publish unchanged, and sends no create request', async () => {
        const lost = new ClaimLostForTest('claim lost to another worker');
        const fence = watchingFence(lost);
        const e = await rejectionOf(() => adapter.publish(fullRequest(), account, fence.context));
        expect(e).toBe(lost);
        expect(e).not.toBeInstanceOf(PlatformError);
        expect(fence.assertClaimed).toHaveBeenCalledTimes(1);
        expect(creates()).toEqual([]);
        expect(fake.posted()).toEqual([]);
      });

      it('is awaited once per publish, after every upload and download, right before the create', async () => {
        const offFakeBefore = h.offFakeRequests?.() ?? 0;
        const fence = watchingFence();
        const result = await adapter.publish(fullRequest(), account, fence.context);
        expect(fence.assertClaimed).toHaveBeenCalledTimes(1);
        const [{ logged, offFake }] = fence.at;
        const log = fake.server.requests;
        // The create is the first request after the fence: everything before it (verify, uploads) came earlier.
        expect(log.findIndex((r) => h.isCreate(r))).toBe(logged);
        expect(creates()).toHaveLength(1);
        if (h.isMediaUpload) {
          expect(log.slice(0, logged).some((r) => h.isMediaUpload!(r))).toBe(true);
          expect(log.slice(logged).some((r) => h.isMediaUpload!(r))).toBe(false);
        }
        if (h.offFakeRequests) {
          expect(offFake).toBeGreaterThan(offFakeBefore);
          expect(h.offFakeRequests()).toBe(offFake);
        }
        expect(fake.posted()).toMatchObject([
          { id: result.remoteId, text: h.sampleText, ...(h.noImage === undefined ? { hasImage: true } : {}) },
        ]);
      });

      if (h.threads) {
        it('fences each part of a thread right before that part is created', async () => {
          const first = watchingFence();
          const part1 = await adapter.publish(fullRequest({ partIndex: 1 }), account, first.context);
          const lost = new ClaimLostForTest('claim lost before part 2');
          const second = watchingFence(lost);
          const req2 = request({ text: 'part two', partIndex: 2, inReplyToId: part1.remoteId });
          expect(await rejectionOf(() => adapter.publish(req2, account, second.context))).toBe(lost);
          expect(fake.posted().map((p) => p.id)).toEqual([part1.remoteId]);

          const third = watchingFence();
          const part2 = await adapter.publish(req2, account, third.context);
          for (const f of [first, second, third]) expect(f.assertClaimed).toHaveBeenCalledTimes(1);
          expect(fake.server.requests.findIndex((r, i) => i >= third.at[0].logged && h.isCreate(r))).toBe(
            third.at[0].logged,
          );
          expect(fake.posted().map((p) => p.id)).toEqual([part1.remoteId, part2.remoteId]);
        });
      }
    });

    describe('error table (docs/PLATFORMS.md)', () => {
      it.each(h.errorRows.map((r) => [`${r.row} → ${r.expect}`, r] as const))('%s', async (_name, row) => {
        fake.server.failNext(row.key ?? h.publishKey, typeof row.fault === 'function' ? row.fault() : row.fault);
        const req = request({ ...(row.withImage ? { article: withImage() } : {}), ...row.req });
        const e = await caught(() => adapter.publish(req, account, ctx(row.timeoutMs)));
        expectKind(e, row.expect);
        expectNoSecret(e, account);
        if (row.says) expect(e.message).toMatch(row.says);
        if (row.retryAfterMs !== undefined) {
          expect(Math.abs((e as RateLimitedError).retryAfterMs - row.retryAfterMs)).toBeLessThanOrEqual(5000);
        }
        if (row.scope !== undefined) expect((e as RateLimitedError).scope).toBe(row.scope);
      });
    });

    describe('rate budgets', () => {
      it('spends a per-account budget (or a narrower one: chat, page), each a positive count per window', () => {
        const budgets = adapter.budgets(account);
        expect(budgets.some((b) => ['account', 'chat', 'page'].includes(b.scope))).toBe(true);
        for (const b of budgets) {
          expect(b.key).toEqual(expect.any(String));
          expect(b.key.length).toBeGreaterThan(0);
          expect(Number.isInteger(b.max) && b.max > 0).toBe(true);
          expect(Number.isInteger(b.windowMs) && b.windowMs > 0).toBe(true);
        }
      });

      it('keys budgets without any credential value (keys are stored in the database)', () => {
        const keys = adapter.budgets(account).map((b) => b.key);
        for (const secret of Object.values(account.credentials).filter(Boolean)) {
          for (const key of keys) expect(key).not.toContain(secret);
        }
      });

      it('counts the same account on the same keys, whatever the base URL’s trailing slash', () => {
        const slashed = fake.account({ baseUrl: `${fake.server.baseUrl}/` });
        expect(adapter.budgets(slashed)).toEqual(adapter.budgets(account));
      });

      it('keeps the platform’s counters apart per instance', () => {
        const elsewhere = fake.account({ baseUrl: 'https://elsewhere.example' });
        const here = new Set(adapter.budgets(account).map((b) => b.key));
        expect(adapter.budgets(elsewhere).every((b) => !here.has(b.key))).toBe(true);
      });
    });

    describe('verify', () => {
      const provesToken = h.verifyProvesToken ?? true;
      const hasRemoteId = h.verifyHasRemoteId ?? true;
      const goodName = [
        'accepts good credentials',
        provesToken ? '' : ' as unchecked, with a reason (no way to check the token)',
        hasRemoteId ? ' and reports the remote account' : ' (no remote account id to learn)',
      ].join('');

      it(goodName, async () => {
        const result = await adapter.verify(account, CTX);
        expect(result).toMatchObject({
          ok: true,
          checked: provesToken,
          ...(provesToken ? {} : { reason: expect.any(String) }),
          ...(hasRemoteId ? { remoteAccount: { id: expect.any(String) } } : {}),
        });
      });

      const badName = provesToken
        ? 'rejects a bad token without repeating it'
        : 'cannot tell a bad token (checked:false) and never repeats it';
      it(badName, async () => {
        const bad = fake.account({ token: 'wrong-token-that-must-not-leak-42' });
        const result = await adapter.verify(bad, CTX);
        expect(result).toMatchObject(
          provesToken ? { ok: false, checked: true, reason: expect.any(String) } : { ok: true, checked: false },
        );
        expect(JSON.stringify(result)).not.toContain('wrong-token-that-must-not-leak-42');
      });

      it('reports a bad token on publish as reauth without repeating it', async () => {
        const bad = fake.account({ token: 'wrong-token-that-must-not-leak-42' });
        const e = await caught(() => adapter.publish(request(), bad, CTX));
        expectKind(e, 'reauth');
        expectNoSecret(e, bad);
        expect(fake.posted()).toHaveLength(0);
      });
    });

    describe('length', () => {
      const limit = () => adapter.limits(account.remote).maxLength;

      it('the platform accepts a text exactly at the limit', async () => {
        const text = textOfLength(limit(), (t) => adapter.measure(t), h.lengthParts);
        await adapter.publish(request({ text }), account, CTX);
        expect(fake.posted().map((p) => p.text)).toEqual([text]);
      });

      it('the platform refuses one character more, as permanent', async () => {
        const e = await caught(() =>
          adapter.publish(
            request({ text: textOfLength(limit() + 1, (t) => adapter.measure(t), h.lengthParts) }),
            account,
            CTX,
          ),
        );
        expectKind(e, 'permanent');
        expect(fake.posted()).toHaveLength(0);
      });
    });
  });
}
