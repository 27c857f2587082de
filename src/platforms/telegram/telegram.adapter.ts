import { baseUrl, claimFence, credential, scrub, secretsOf, tokenBudgetKey, verifyOutcome } from '../adapter-helpers';
import { countTelegram } from '../counting';
import { HttpResponse, request } from '../http';
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
  ReauthError,
  TransientError,
  VerifyResult,
} from '../platform';
import { classifyTelegram } from './telegram.errors';

const DEFAULT_BASE = 'https://api.telegram.org';
const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

interface TgChat {
  id: number | string;
  type?: string;
  title?: string;
  username?: string;
}

/** One Bot API session for one call of the adapter: base URL, token and timeout bound together. */
class BotApi {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly timeoutMs: number,
    private readonly secrets: string[],
    /** `ctx.allowPrivateApiAddresses` (see HttpCall.allowPrivateAddresses). */
    private readonly allowPrivateAddresses = false,
  ) {}

  /**
   * Calls `method`; resolves with `result` of an `ok:true` answer, throws a classified PlatformError otherwise.
   * `send` marks the call that creates the message: pass the claim fence (`claimFence(ctx)`), awaited right before.
   */
  async call(
    method: string,
    params: Record<string, unknown>,
    send?: { fence: () => Promise<void> },
  ): Promise<Record<string, unknown>> {
    const res = await request({
      method: 'POST',
      // The token sits in the path: this URL must never reach a message (request() only reports `label`).
      url: `${this.base}/bot${this.token}/${method}`,
      label: `telegram ${method}`,
      timeoutMs: this.timeoutMs,
      allowPrivateAddresses: this.allowPrivateAddresses,
      headers: { 'Content-Type': 'application/json' },
      body: params,
      secrets: this.secrets,
      // No idempotency on the Bot API: a send that may have arrived must be treated as maybe posted.
      onSent: send ? (_f, message) => new AmbiguousError(message) : undefined,
      fence: send?.fence,
    });
    return this.unwrap(res, method, !!send);
  }

  private unwrap(res: HttpResponse, method: string, send: boolean): Record<string, unknown> {
    if (res.status < 200 || res.status >= 300) throw scrub(classifyTelegram(res, method, send), this.secrets);
    const body = res.json as { ok?: boolean; result?: unknown } | undefined;
    if (body?.ok === true && body.result && typeof body.result === 'object')
      return body.result as Record<string, unknown>;
    // A 2xx without `ok:true` + result proves nothing: maybe posted (send) or simply unreadable (reads).
    const what = `telegram ${method}: HTTP ${res.status} without ok:true and a result`;
    throw send ? new AmbiguousError(what, res.status) : new TransientError(what, res.status);
  }
}

/** t.me link: public channels by username, private ones by the id without its -100 prefix (§3.8). */
export function telegramPostUrl(chat: TgChat | undefined, chatIdSetting: string, messageId: number): string | null {
  const username = chat?.username ?? (chatIdSetting.startsWith('@') ? chatIdSetting.slice(1) : undefined);
  if (username) return `https://t.me/${username}/${messageId}`;
  const id = String(chat?.id ?? chatIdSetting);
  return id.startsWith('-100') ? `https://t.me/c/${id.slice(4)}/${messageId}` : null;
}

export class TelegramAdapter implements PlatformAdapter {
  readonly id = 'telegram' as const;
  readonly name = 'Telegram';
  readonly kind = 'Official Bot API';
  readonly credentialFields: readonly FieldSpec[] = [
    { name: 'botToken', secret: true, required: true, description: 'Bot token from @BotFather' },
  ];
  readonly settingsFields: readonly FieldSpec[] = [
    { name: 'chatId', secret: false, required: true, description: 'Channel id (-100…, preferred) or @channelname' },
    { name: 'apiBaseUrl', secret: false, required: false, description: 'Bot API server', default: DEFAULT_BASE },
  ];

  /**
   * Telegram counts per bot and per chat (docs/PLATFORMS.md §3.8; unpublished, so conservative): ~30 messages / s
   * per bot overall (25 leaves room for verify calls), ~1 / s per chat, and 20 / min per group, which we also apply
   * to channels (UNCONFIRMED there). The bot is its token's digest; the chat is the bot's digest and the chat id,
   * since each bot has its own allowance in a chat.
   */
  budgets(account: AccountRef): RateBudget[] {
    const bot = tokenBudgetKey(account, 'botToken', DEFAULT_BASE);
    const chat = `${bot}#${account.settings.chatId?.trim() ?? ''}`;
    return [
      { scope: 'bot', key: bot, max: 25, windowMs: 1000 },
      { scope: 'chat', key: chat, max: 1, windowMs: 1000 },
      { scope: 'chat', key: chat, max: 20, windowMs: 60_000 },
    ];
  }

  limits(): PlatformLimits {
    return {
      maxLength: TEXT_LIMIT,
      counting: 'code-points-after-html',
      maxImages: 1,
      video: false,
      maxCaptionLength: CAPTION_LIMIT,
    };
  }

  measure(text: string): number {
    return countTelegram(text);
  }

  async publish(req: PublishRequest, account: AccountRef, ctx: AdapterContext): Promise<PublishResult> {
    const { api, chatId } = this.session(account, ctx);
    const imageUrl = req.article?.imageUrl;
    // A text too long for a caption still goes out whole as a message: the composed text is final.
    const asPhoto = !!imageUrl && countTelegram(req.text) <= CAPTION_LIMIT;
    // The fence before the irreversible call, right before sendPhoto/sendMessage (Telegram fetches the photo itself).
    const send = { fence: claimFence(ctx) };
    const result = asPhoto
      ? await api.call('sendPhoto', { chat_id: chatId, photo: imageUrl, caption: req.text, parse_mode: 'HTML' }, send)
      : await api.call('sendMessage', { chat_id: chatId, text: req.text, parse_mode: 'HTML' }, send);
    const messageId = result.message_id;
    if (typeof messageId !== 'number') {
      throw new AmbiguousError('telegram: answer without result.message_id');
    }
    return {
      remoteId: String(messageId),
      remoteUrl: telegramPostUrl(result.chat as TgChat | undefined, chatId, messageId),
    };
  }

  async verify(account: AccountRef, ctx: AdapterContext): Promise<VerifyResult> {
    return verifyOutcome(async () => {
      const { api, chatId } = this.session(account, ctx);
      const me = await api.call('getMe', {});
      const chat = (await api.call('getChat', { chat_id: chatId })) as unknown as TgChat;
      const member = await api.call('getChatMember', { chat_id: chatId, user_id: me.id });
      const problem = memberProblem(chat, member);
      if (problem) return { ok: false, checked: true, reason: problem };
      return {
        ok: true,
        checked: true,
        remoteAccount: {
          id: String(chat.id),
          name: chat.title ?? chat.username,
          username: chat.username,
          botId: String(me.id),
          botUsername: typeof me.username === 'string' ? me.username : undefined,
        },
      };
    });
  }

  private session(account: AccountRef, ctx: AdapterContext): { api: BotApi; chatId: string } {
    const token = credential(account, 'botToken', 'telegram');
    const chatId = account.settings.chatId?.trim();
    if (!chatId) throw new ReauthError('telegram: setting chatId is missing');
    const base = baseUrl(account, 'telegram', DEFAULT_BASE);
    const api = new BotApi(base, token, ctx.timeoutMs, secretsOf(account), ctx.allowPrivateApiAddresses);
    return { api, chatId };
  }
}

/** Why the bot cannot post in this chat, or null. Channels need admin + can_post_messages (or creator). */
function memberProblem(chat: TgChat, member: Record<string, unknown>): string | null {
  const status = member.status;
  if (status === 'creator') return null;
  if (chat.type === 'channel') {
    if (status === 'administrator' && member.can_post_messages === true) return null;
    return status === 'administrator'
      ? 'bot is an administrator of the channel but lacks the "Post messages" right'
      : `bot must be an administrator of the channel with "Post messages" (it is ${String(status)})`;
  }
  if (status === 'administrator' || status === 'member') return null;
  if (status === 'restricted' && member.can_send_messages === true) return null;
  return `bot cannot send messages in this chat (it is ${String(status)})`;
}
