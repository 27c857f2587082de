import type { FakeServer, Fault } from '../fakes/fake-server';
import {
  AccountRef,
  PlatformAdapter,
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
  /** The PLATFORMS.md row this reproduces. */
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
  /** What the error message must say. */
  says?: RegExp;
}

export interface AdapterHarness {
  adapter: PlatformAdapter;
  start(): Promise<ContractFake>;
  /** Fault key of the publish call ("POST /api/v1/statuses", "sendMessage"). */
  publishKey: string;
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

    describe('error table (PLATFORMS.md)', () => {
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
