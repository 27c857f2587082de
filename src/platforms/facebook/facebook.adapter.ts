import { budgetKey, claimFence, verifyOutcome } from '../adapter-helpers';
import {
  AccountRef,
  AdapterContext,
  AmbiguousError,
  FieldSpec,
  PlatformAdapter,
  PlatformLimits,
  PublishRequest,
  PublishResult,
  RateBudget,
  TransientError,
  VerifyResult,
} from '../platform';
import { DEFAULT_BASE, DEFAULT_GRAPH_VERSION, GraphApi, stringField } from './facebook.graph';
import { fallbackUrl, findPagePost } from './facebook.reconcile';

/** Widely cited, never documented (UNCONFIRMED, §4); Facebook counts UTF-16 units like any JavaScript string. */
const MAX_LENGTH = 63_206;
/** The permalink read is a courtesy after a successful post: never let it hold the worker long. */
const PERMALINK_TIMEOUT_MS = 10_000;

/** Facebook Pages through the official Graph API (§3.10): feed posts with a link, or a photo with a caption. */
export class FacebookAdapter implements PlatformAdapter {
  readonly id = 'facebook' as const;
  readonly name = 'Facebook Pages';
  readonly kind = 'Official Graph API';
  readonly credentialFields: readonly FieldSpec[] = [
    {
      name: 'pageAccessToken',
      secret: true,
      required: true,
      description: 'Page access token (from GET /{user-id}/accounts with pages_manage_posts)',
    },
  ];
  readonly settingsFields: readonly FieldSpec[] = [
    { name: 'pageId', secret: false, required: true, description: 'Numeric id of the Facebook Page' },
    {
      name: 'graphVersion',
      secret: false,
      required: false,
      description: 'Graph API version',
      default: DEFAULT_GRAPH_VERSION,
    },
    { name: 'apiBaseUrl', secret: false, required: false, description: 'Graph API host', default: DEFAULT_BASE },
  ];

  /**
   * Page tokens live under Business Use Case limits (docs/PLATFORMS.md §3.10): 4800 calls × engaged users / 24 h per
   * Page, a figure that moves with the audience and that we cannot read before posting. So a static, conservative
   * choice of ours: 1200 publishes / 24 h is 2400 calls (post + permalink), half of what even a Page with a single
   * engaged user gets, under the 80–90 % where Facebook says to slow down; and 60 / h so a backlog spreads out.
   */
  budgets(account: AccountRef): RateBudget[] {
    const page = account.settings.pageId?.trim() || `account:${account.accountId}`;
    const key = budgetKey(account.settings.apiBaseUrl || DEFAULT_BASE, page);
    return [
      { scope: 'page', key, max: 60, windowMs: 3600_000 },
      { scope: 'page', key, max: 1200, windowMs: 24 * 3600_000 },
    ];
  }

  limits(): PlatformLimits {
    return { maxLength: MAX_LENGTH, counting: 'utf16', maxImages: 1, video: false };
  }

  measure(text: string): number {
    return text.length;
  }

  async publish(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult> {
    const api = GraphApi.forAccount(account, ctx);
    const failure = { phase: 'publish' as const, previousAmbiguous: req.previousAmbiguous };
    const imageUrl = req.article?.imageUrl;
    // The fence before the irreversible call, right before the photos or feed POST (there is nothing to prepare).
    const fence = claimFence(ctx);
    let postId: string | null;
    if (imageUrl) {
      // Facebook fetches the image itself; the composed text (which already holds the link) is the caption.
      const body = await api.post(`/${api.pageId}/photos`, { url: imageUrl, caption: req.text }, failure, fence);
      postId = stringField(body, 'post_id');
      if (!postId) {
        const photo = stringField(body, 'id');
        throw new AmbiguousError(`facebook publish: photo answer without post_id${photo ? ` (photo ${photo})` : ''}`);
      }
    } else {
      const body = await api.post(`/${api.pageId}/feed`, { message: req.text, link: req.article?.url }, failure, fence);
      postId = stringField(body, 'id');
      if (!postId) throw new AmbiguousError('facebook publish: feed answer without an id');
    }
    return { remoteId: postId, remoteUrl: await this.permalink(account, ctx, postId) };
  }

  async verify(account: AccountRef, ctx: AdapterContext): Promise<VerifyResult> {
    return verifyOutcome(async () => {
      const api = GraphApi.forAccount(account, ctx);
      const me = await api.get('/me', { fields: 'id,name' }, { phase: 'verify' });
      const id = stringField(me, 'id');
      const name = stringField(me, 'name') ?? undefined;
      // An answer without an id says nothing about the token: let the caller try again later.
      if (!id) throw new TransientError('facebook verify: /me answered without an id');
      if (id !== api.pageId) {
        const who = name ? `${name} (${id})` : id;
        return {
          ok: false,
          checked: true,
          reason: `token belongs to ${who}, not page ${api.pageId}: use that Page's own access token`,
        };
      }
      return { ok: true, checked: true, remoteAccount: { id, name } };
    });
  }

  async reconcile(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult | null> {
    return findPagePost(GraphApi.forAccount(account, ctx), req);
  }

  /** The post's public URL; any failure falls back to the hand-built one, never failing a published post. */
  private async permalink(account: AccountRef, ctx: AdapterContext, postId: string): Promise<string> {
    try {
      const api = GraphApi.forAccount(account, { ...ctx, timeoutMs: Math.min(ctx.timeoutMs, PERMALINK_TIMEOUT_MS) });
      const body = await api.get(`/${encodeURIComponent(postId)}`, { fields: 'permalink_url' }, { phase: 'read' });
      return stringField(body, 'permalink_url') ?? fallbackUrl(postId);
    } catch {
      return fallbackUrl(postId);
    }
  }
}
