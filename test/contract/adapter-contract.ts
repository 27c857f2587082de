import type { FakeServer, Fault } from '../fakes/fake-server';
import {
  AccountRef,
  AdapterContext,
  PlatformAdapter,
  PlatformErrorKind,
  PublishArticle,
  PublishRequest,
  RateLimitedError,
} from '../../src/platforms/platform';
import {
  ARTICLE_URL,
  PNG_1X1,
  caught,
  closedPortUrl,
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
  supportsImage: boolean;
  errorRows: ErrorRow[];
  /** A 2xx answer to the publish call that carries no id. */
  noIdFault: Fault;
  /** Class of a publish that reached the platform but whose answer was lost (first attempt just now). */
  lostAnswerKind: PlatformErrorKind;
}

const CTX: AdapterContext = { timeoutMs: 3000 };

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

    const withImage = (): PublishArticle => ({
      url: ARTICLE_URL,
      title: 'Crier launches',
      imageUrl: fake.server.hostFile('/images/photo.png', PNG_1X1, 'image/png'),
      videoUrl: null,
      description: null,
    });

    describe('publish', () => {
      it('posts exactly the text and returns the remote id and URL', async () => {
        const result = await adapter.publish(publishRequest({ text: h.sampleText }), account, CTX);
        const posted = fake.posted();
        expect(posted).toHaveLength(1);
        expect(posted[0].text).toBe(h.sampleText);
        expect(result.remoteId).toBe(posted[0].id);
        expect(result.remoteUrl).toMatch(/^https?:\/\/\S+$/);
      });

      (h.supportsImage ? it : it.skip)('posts with the article image', async () => {
        const result = await adapter.publish(
          publishRequest({ text: h.sampleText, article: withImage() }),
          account,
          CTX,
        );
        const posted = fake.posted();
        expect(posted).toEqual([{ id: result.remoteId, text: h.sampleText, hasImage: true }]);
      });

      it('honours apiBaseUrl, with or without a trailing slash', async () => {
        const slashed = fake.account({ baseUrl: `${fake.server.baseUrl}/` });
        await adapter.publish(publishRequest(), slashed, CTX);
        expect(fake.posted()).toHaveLength(1);
        expect(fake.server.requests.every((r) => !r.path.includes('//'))).toBe(true);
      });

      it('treats a 2xx without an id as ambiguous', async () => {
        fake.server.failNext(h.publishKey, h.noIdFault);
        const e = await caught(() => adapter.publish(publishRequest(), account, CTX));
        expectKind(e, 'ambiguous');
        expectNoSecret(e, account);
      });

      it('treats a refused connection as transient', async () => {
        const dead = fake.account({ baseUrl: await closedPortUrl() });
        const e = await caught(() => adapter.publish(publishRequest(), dead, CTX));
        expectKind(e, 'transient');
        expectNoSecret(e, dead);
      });

      it(`treats a lost answer to an accepted post as ${h.lostAnswerKind}`, async () => {
        fake.server.failNext(h.publishKey, { drop: true });
        const req = publishRequest();
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
        const e = await caught(() => adapter.publish(publishRequest(), account, { timeoutMs: 300 }));
        expectKind(e, h.lostAnswerKind);
        expectNoSecret(e, account);
      });

      (adapter.reconcile ? it : it.skip)('reconcile finds nothing when nothing was posted', async () => {
        expect(await adapter.reconcile!(publishRequest(), account, CTX)).toBeNull();
      });
    });

    describe('error table (PLATFORMS.md)', () => {
      it.each(h.errorRows.map((r) => [`${r.row} → ${r.expect}`, r] as const))('%s', async (_name, row) => {
        fake.server.failNext(row.key ?? h.publishKey, typeof row.fault === 'function' ? row.fault() : row.fault);
        const req = publishRequest({ ...(row.withImage ? { article: withImage() } : {}), ...row.req });
        const e = await caught(() => adapter.publish(req, account, { timeoutMs: row.timeoutMs ?? CTX.timeoutMs }));
        expectKind(e, row.expect);
        expectNoSecret(e, account);
        if (row.retryAfterMs !== undefined) {
          expect(Math.abs((e as RateLimitedError).retryAfterMs - row.retryAfterMs)).toBeLessThanOrEqual(5000);
        }
      });
    });

    describe('verify', () => {
      it('accepts good credentials and reports the remote account', async () => {
        const result = await adapter.verify(account, CTX);
        expect(result).toMatchObject({ ok: true, checked: true, remoteAccount: { id: expect.any(String) } });
      });

      it('rejects a bad token without repeating it', async () => {
        const bad = fake.account({ token: 'wrong-token-that-must-not-leak-42' });
        const result = await adapter.verify(bad, CTX);
        expect(result).toMatchObject({ ok: false, checked: true, reason: expect.any(String) });
        expect(JSON.stringify(result)).not.toContain('wrong-token-that-must-not-leak-42');
      });

      it('reports a bad token on publish as reauth without repeating it', async () => {
        const bad = fake.account({ token: 'wrong-token-that-must-not-leak-42' });
        const e = await caught(() => adapter.publish(publishRequest(), bad, CTX));
        expectKind(e, 'reauth');
        expectNoSecret(e, bad);
        expect(fake.posted()).toHaveLength(0);
      });
    });

    describe('length', () => {
      const limit = () => adapter.limits(account.remote).maxLength;

      it('the platform accepts a text exactly at the limit', async () => {
        const text = textOfLength(limit(), (t) => adapter.measure(t), h.lengthParts);
        await adapter.publish(publishRequest({ text }), account, CTX);
        expect(fake.posted().map((p) => p.text)).toEqual([text]);
      });

      it('the platform refuses one character more, as permanent', async () => {
        const e = await caught(() =>
          adapter.publish(
            publishRequest({ text: textOfLength(limit() + 1, (t) => adapter.measure(t), h.lengthParts) }),
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
