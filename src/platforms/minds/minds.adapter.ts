import { budgetKey, claimFence, scrub, tokenKey, verifyOutcome } from '../adapter-helpers';
import { countCodePoints } from '../counting';
import { HttpResponse, fetchMedia } from '../http';
import {
  AccountRef,
  AdapterContext,
  AmbiguousError,
  CredentialSet,
  FieldSpec,
  PlatformAdapter,
  PlatformError,
  PlatformLimits,
  PublishRequest,
  PublishResult,
  RateBudget,
  TransientError,
  VerifyResult,
} from '../platform';
import { MindsPhase, classifyMinds, isLegacyError } from './minds.errors';
import { activityBody, activityMatches, createdAtMs, feedActivities, guidOf } from './minds.match';
import { DEFAULT_BASE, MindsSession } from './minds.session';

const TEXT_LIMIT = 20_000;
/** Minds documents no image size limit; this bounds the download and what we hand to the upload. */
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const FEED_LIMIT = 12;
/** Tolerated clock difference between us and Minds when filtering by `time_created`. */
const CLOCK_SKEW_MS = 5 * 60_000;

const PUBLISH_PATH = '/api/v3/newsfeed/activity';
const MEDIA_PATH = '/api/v1/media';
const ME_PATH = '/api/v1/channel/me';

interface Channel {
  guid: string;
  username?: string;
  name?: string;
}

export class MindsAdapter implements PlatformAdapter {
  readonly id = 'minds' as const;
  readonly name = 'Minds';
  readonly kind = 'First-party REST API (OAuth password grant or personal API key)';
  readonly credentialFields: readonly FieldSpec[] = [
    { name: 'username', secret: false, required: false, description: 'Minds username (with password)' },
    { name: 'password', secret: true, required: false, description: 'Minds password (with username)' },
    { name: 'apiKey', secret: true, required: false, description: 'Personal API key (pak_…), instead of a password' },
    { name: 'accessToken', secret: true, required: false, description: 'Set by Crier after signing in; leave empty' },
    { name: 'refreshToken', secret: true, required: false, description: 'Set by Crier after signing in; leave empty' },
    { name: 'expiresAt', secret: false, required: false, description: 'Set by Crier: when accessToken expires' },
  ];
  /**
   * Today's rule is "all fields of one set, nothing outside it": a user creates the account with the first set, the
   * tokens Crier stores turn it into the second (which a later PATCH must still accept).
   */
  readonly credentialSets: readonly CredentialSet[] = [
    { name: 'password', fields: ['username', 'password'], managed: ['accessToken', 'refreshToken', 'expiresAt'] },
    { name: 'API key', fields: ['apiKey'] },
  ];
  readonly settingsFields: readonly FieldSpec[] = [
    { name: 'apiBaseUrl', secret: false, required: false, description: 'Minds site URL', default: DEFAULT_BASE },
  ];

  /**
   * Crier's choice: no posting limiter was found in the engine (docs/PLATFORMS.md §3.5; its 429 covers votes,
   * comments, logins), so the old queue-wide 30 / min, now per account, and 300 / h so a backlog spreads out. The
   * account is its username (password sign-in: the OAuth tokens rotate) or its API key, digested, on its site.
   */
  budgets(account: AccountRef): RateBudget[] {
    const { username, apiKey } = account.credentials;
    const who = username ? tokenKey(username.trim().toLowerCase()) : apiKey ? tokenKey(apiKey) : null;
    const key = budgetKey(account.settings.apiBaseUrl || DEFAULT_BASE, who ?? `account:${account.accountId}`);
    return [
      { scope: 'account', key, max: 30, windowMs: 60_000 },
      { scope: 'account', key, max: 300, windowMs: 3600_000 },
    ];
  }

  limits(): PlatformLimits {
    return { maxLength: TEXT_LIMIT, counting: 'code-points', maxImages: 4, video: false };
  }

  /** `mb_strlen` of the message: code points, URLs counted as written. */
  measure(text: string): number {
    return countCodePoints(text);
  }

  async publish(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult> {
    return this.guarded(account, ctx, async (session) => {
      const imageUrl = req.article?.imageUrl;
      const attachments = imageUrl ? [await this.uploadImage(session, imageUrl, ctx)] : [];
      const res = await session.send('PUT', PUBLISH_PATH, {
        label: 'publish',
        json: activityBody(req, attachments),
        // No idempotency on Minds: an activity that may have arrived must be reconciled, never blindly resent.
        onSent: (_f, message) => new AmbiguousError(message),
        // The fence before the irreversible call: after the media upload and any token renewal, right before the PUT.
        // guarded() lets its rejection (not a PlatformError) pass unchanged.
        fence: claimFence(ctx),
      });
      const ok = expectOk(res, 'publish');
      const guid = guidOf(ok, res.text);
      if (!guid) throw new AmbiguousError(`minds publish: HTTP ${res.status} without an activity guid`, res.status);
      // `perma_url` is the shared link, not the post.
      return { remoteId: guid, remoteUrl: `${session.base}/newsfeed/${guid}` };
    });
  }

  async verify(account: AccountRef, ctx: AdapterContext): Promise<VerifyResult> {
    return verifyOutcome(() =>
      this.guarded(account, ctx, async (session) => {
        // A fresh password sign-in proves the password itself, not just a token stored earlier.
        await session.login();
        const me = await this.me(session);
        return { ok: true, checked: true, remoteAccount: { id: me.guid, username: me.username, name: me.name } };
      }),
    );
  }

  /** UNCONFIRMED route (§3.5): the account's latest activities, newest first. */
  async reconcile(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult | null> {
    return this.guarded(account, ctx, async (session) => {
      const owner = account.remote?.id ?? (await this.me(session)).guid;
      const path = `/api/v2/feeds/container/${encodeURIComponent(String(owner))}/activities?limit=${FEED_LIMIT}`;
      const res = await session.send('GET', path, { label: 'read' });
      const json = expectOk(res, 'read') as { entities?: unknown };
      if (!Array.isArray(json.entities))
        throw new TransientError('minds read: answer without an entities list', res.status);
      const since = req.firstAttemptAt.getTime() - CLOCK_SKEW_MS;
      const list = feedActivities(json.entities);
      for (const a of list) {
        const guid = guidOf(a, '');
        if (guid && createdAtMs(a) >= since && activityMatches(a, req)) {
          return { remoteId: guid, remoteUrl: `${session.base}/newsfeed/${guid}` };
        }
      }
      // A full page still inside the window may hide the post on the next page, whose paging is unknown: undecided.
      const times = list.map(createdAtMs).filter(Number.isFinite);
      if (list.length >= FEED_LIMIT && times.length && Math.min(...times) >= since) {
        throw new TransientError(`minds read: more than ${FEED_LIMIT} posts since the first attempt; cannot tell`);
      }
      return null;
    });
  }

  /** Runs `fn` with a session; every error leaving the adapter is scrubbed of the credentials and tokens. */
  private async guarded<T>(account: AccountRef, ctx: AdapterContext, fn: (s: MindsSession) => Promise<T>): Promise<T> {
    let session: MindsSession | undefined;
    try {
      session = new MindsSession(account, ctx);
      return await fn(session);
    } catch (e) {
      if (e instanceof PlatformError) throw scrub(e, session?.secrets ?? Object.values(account.credentials));
      throw e;
    }
  }

  private async me(session: MindsSession): Promise<Channel> {
    const res = await session.send('GET', ME_PATH, { label: 'verify' });
    const channel = (expectOk(res, 'verify') as { channel?: Record<string, unknown> }).channel;
    const guid = channel ? guidOf(channel, res.text) : null;
    if (!channel || !guid) throw new TransientError('minds verify: answer without channel.guid', res.status);
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    return { guid, username: str(channel.username), name: str(channel.name) ?? str(channel.username) };
  }

  private async uploadImage(session: MindsSession, url: string, ctx: AdapterContext): Promise<string> {
    const media = await fetchMedia(url, {
      timeoutMs: ctx.timeoutMs,
      maxBytes: MAX_IMAGE_BYTES,
      allowPrivateAddresses: ctx.allowPrivateAddresses,
    });
    const form = new FormData();
    form.append('file', new Blob([media.bytes], { type: media.contentType }), media.filename);
    const res = await session.send('POST', MEDIA_PATH, { label: 'media', form });
    const guid = guidOf(expectOk(res, 'media'), res.text);
    // An orphaned upload is harmless (rule 4): the whole publish can run again.
    if (!guid) throw new TransientError(`minds media: HTTP ${res.status} without a guid`, res.status);
    return guid;
  }
}

/** The body of a 2xx that does not say `status:"error"`; anything else becomes its error class. */
function expectOk(res: HttpResponse, phase: MindsPhase): unknown {
  if (res.status < 200 || res.status >= 300 || isLegacyError(res)) throw classifyMinds(res, phase);
  if (res.json === undefined || res.json === null || typeof res.json !== 'object') {
    const what = `minds ${phase}: HTTP ${res.status} without a JSON body`;
    throw phase === 'publish' ? new AmbiguousError(what, res.status) : new TransientError(what, res.status);
  }
  return res.json;
}
