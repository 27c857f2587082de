import { FakeReply, FakeRequest, FakeServer, Fault } from './fake-server';
import { codePoints, parseTelegramHtml } from './telegram-html.parser';

/** A fake Telegram Bot API (docs/PLATFORMS.md §3.8): `/bot<token>/<method>`, `{ok, result}` / `{ok:false, error_code, description}`. */

export interface FakeChat {
  id: number;
  type: 'channel' | 'supergroup' | 'group';
  title: string;
  /** Public channels have one; private ones get t.me/c/... links. */
  username?: string;
  /** The bot's membership. Channels need `administrator` + `canPostMessages`, or `creator`. */
  botStatus: 'creator' | 'administrator' | 'member' | 'left' | 'kicked';
  canPostMessages?: boolean;
  /** A group that became a supergroup: every send answers 400 with `migrate_to_chat_id`. */
  migrateToChatId?: number;
}

export interface TelegramFakeOptions {
  botToken?: string;
  botId?: number;
  botUsername?: string;
  chats?: FakeChat[];
  /**
   * Flood control per chat, off by default (tests post many times quickly): past `perChat` messages in any
   * `windowMs` to one chat (true: 20 a minute, the group limit of §3.8), a send answers 429 "Too Many Requests:
   * retry after N" with `parameters.retry_after` = seconds until the oldest message leaves the window. Nothing else
   * (not the ~1 / s per chat, not the ~30 / s per bot) is enforced.
   */
  enforceLimits?: boolean | { perChat?: number; windowMs?: number };
}

export interface TelegramMessage {
  messageId: number;
  chatId: number;
  method: 'sendMessage' | 'sendPhoto';
  /** `text` or `caption` exactly as sent (HTML). */
  text: string;
  /** What readers see after Telegram parsed the HTML. */
  visibleText: string;
  parseMode?: string;
  /** sendPhoto: the URL or file_id given, or `upload:<filename>` for uploaded bytes. */
  photo?: string;
  date: number;
  /** When the fake accepted it (ms resolution; `date` is Telegram's, in seconds). */
  at: Date;
}

export const DEFAULT_BOT_TOKEN = '123456789:AAFakeTokenForCrierTests_abcdefghij';
export const DEFAULT_CHAT: FakeChat = {
  id: -1001234567890,
  type: 'channel',
  title: 'Crier Test Channel',
  username: 'crier_test',
  botStatus: 'administrator',
  canPostMessages: true,
};

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

/** Builds a Bot API error answer: `failNext('sendMessage', telegramError(429, 'Too Many Requests: retry after 7', {retry_after: 7}))`. */
export function telegramError(code: number, description: string, parameters?: Record<string, unknown>): Fault {
  return { status: code, body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) } };
}

function fail(code: number, description: string, parameters?: Record<string, unknown>): FakeReply {
  return { status: code, body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) } };
}

function ok(result: unknown): FakeReply {
  return { status: 200, body: { ok: true, result } };
}

export class TelegramFake extends FakeServer {
  readonly botToken: string;
  readonly botId: number;
  readonly botUsername: string;
  readonly chats: FakeChat[];
  readonly messages: TelegramMessage[] = [];
  /** How many sends the flood control refused with 429 (scripted faults not counted). */
  rateRefusals = 0;
  private readonly chatLimit: { perChat: number; windowMs: number } | null;
  /** Accept times (ms) of each chat's messages, for the flood control. */
  private readonly sentAt = new Map<number, number[]>();
  private nextMessageId = 1;

  constructor(opts: TelegramFakeOptions = {}) {
    super();
    this.botToken = opts.botToken ?? DEFAULT_BOT_TOKEN;
    const fromToken = Number(this.botToken.split(':')[0]);
    this.botId = opts.botId ?? (Number.isInteger(fromToken) && fromToken > 0 ? fromToken : 1);
    this.botUsername = opts.botUsername ?? 'crier_test_bot';
    this.chats = opts.chats ?? [{ ...DEFAULT_CHAT }];
    const limits = opts.enforceLimits;
    this.chatLimit = limits ? { perChat: 20, windowMs: 60_000, ...(typeof limits === 'object' ? limits : {}) } : null;
    this.route('*', '/bot:token/:method', (req) => this.dispatch(req));
    this.route('*', '/bot:token/test/:method', (req) => this.dispatch(req));
  }

  /** Creates and starts a fake: `const tg = await TelegramFake.start(); tg.baseUrl`. */
  static async start(opts: TelegramFakeOptions = {}): Promise<TelegramFake> {
    const fake = new TelegramFake(opts);
    await fake.start();
    return fake;
  }

  override reset(): void {
    super.reset();
    this.messages.length = 0;
    this.sentAt.clear();
    this.rateRefusals = 0;
  }

  /** Messages posted to one chat (default: the first configured chat). */
  messagesIn(chatId: number = this.chats[0].id): TelegramMessage[] {
    return this.messages.filter((m) => m.chatId === chatId);
  }

  protected override extraKeys(req: FakeRequest): string[] {
    return req.params.method ? [req.params.method] : [];
  }

  protected notFound(): FakeReply {
    return fail(404, 'Not Found');
  }

  private dispatch(req: FakeRequest): FakeReply {
    if (req.params.token !== this.botToken) return fail(401, 'Unauthorized');
    const p = {
      ...req.query,
      ...(req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {}),
    };
    switch (req.params.method) {
      case 'getMe':
        return ok({ id: this.botId, is_bot: true, first_name: 'Crier Test Bot', username: this.botUsername });
      case 'getChat': {
        const chat = this.findChat(p.chat_id);
        return chat ? ok(chatJson(chat)) : fail(400, 'Bad Request: chat not found');
      }
      case 'getChatMember':
        return this.getChatMember(p);
      case 'sendMessage':
      case 'sendPhoto':
        return this.send(req.params.method, p, req);
      default:
        return fail(404, 'Not Found');
    }
  }

  private getChatMember(p: Record<string, unknown>): FakeReply {
    const chat = this.findChat(p.chat_id);
    if (!chat) return fail(400, 'Bad Request: chat not found');
    if (Number(p.user_id) !== this.botId) return fail(400, 'Bad Request: user not found');
    const user = { id: this.botId, is_bot: true, first_name: 'Crier Test Bot', username: this.botUsername };
    const member: Record<string, unknown> = { user, status: chat.botStatus };
    if (chat.botStatus === 'administrator') member.can_post_messages = chat.canPostMessages === true;
    return ok(member);
  }

  private send(method: 'sendMessage' | 'sendPhoto', p: Record<string, unknown>, req: FakeRequest): FakeReply {
    const chat = this.findChat(p.chat_id);
    if (!chat) return fail(400, 'Bad Request: chat not found');
    if (chat.migrateToChatId !== undefined) {
      return fail(400, 'Bad Request: group chat was upgraded to a supergroup chat', {
        migrate_to_chat_id: chat.migrateToChatId,
      });
    }
    const kind = chat.type === 'channel' ? 'channel chat' : 'group chat';
    if (chat.botStatus === 'kicked') return fail(403, `Forbidden: bot was kicked from the ${kind}`);
    if (chat.botStatus === 'left') return fail(403, `Forbidden: bot is not a member of the ${kind}`);
    const canPost = chat.botStatus === 'creator' || (chat.botStatus === 'administrator' && chat.canPostMessages);
    if (chat.type === 'channel' && !canPost)
      return fail(400, 'Bad Request: need administrator rights in the channel chat');
    const flooded = this.floodControl(chat.id);
    if (flooded) return flooded;

    const raw = String((method === 'sendMessage' ? p.text : p.caption) ?? '');
    const html = p.parse_mode === 'HTML';
    const parsed = html ? parseTelegramHtml(raw) : ({ ok: true, text: raw } as const);
    if (!parsed.ok) return fail(400, `Bad Request: can't parse entities: ${parsed.error}`);
    const visible = parsed.text;
    let photo: string | undefined;
    if (method === 'sendMessage') {
      if (!visible.trim()) return fail(400, 'Bad Request: message text is empty');
      if (codePoints(visible) > TEXT_LIMIT) return fail(400, 'Bad Request: message is too long');
    } else {
      if (req.files.photo) photo = `upload:${req.files.photo.filename}`;
      else if (typeof p.photo === 'string' && /^https?:\/\/\S+$/i.test(p.photo)) photo = p.photo;
      else return fail(400, 'Bad Request: wrong file identifier/HTTP URL specified');
      if (codePoints(visible) > CAPTION_LIMIT) return fail(400, 'Bad Request: message caption is too long');
    }
    const message: TelegramMessage = {
      messageId: this.nextMessageId++,
      chatId: chat.id,
      method,
      text: raw,
      visibleText: visible,
      parseMode: typeof p.parse_mode === 'string' ? p.parse_mode : undefined,
      photo,
      date: Math.floor(Date.now() / 1000),
      at: new Date(),
    };
    this.messages.push(message);
    this.sentAt.set(chat.id, [...(this.sentAt.get(chat.id) ?? []), Date.now()]);
    const result: Record<string, unknown> = { message_id: message.messageId, date: message.date, chat: chatJson(chat) };
    if (method === 'sendMessage') result.text = visible;
    else
      Object.assign(result, {
        caption: visible,
        photo: [{ file_id: `photo-${message.messageId}`, width: 800, height: 600 }],
      });
    return ok(result);
  }

  /** 429 with `retry_after` when the chat had `perChat` messages within the window; undefined when it may post. */
  private floodControl(chatId: number): FakeReply | undefined {
    if (!this.chatLimit) return undefined;
    const { perChat, windowMs } = this.chatLimit;
    const now = Date.now();
    const recent = (this.sentAt.get(chatId) ?? []).filter((t) => now - t < windowMs);
    this.sentAt.set(chatId, recent);
    if (recent.length < perChat) return undefined;
    this.rateRefusals++;
    const seconds = Math.max(1, Math.ceil((recent[recent.length - perChat] + windowMs - now) / 1000));
    return fail(429, `Too Many Requests: retry after ${seconds}`, { retry_after: seconds });
  }

  private findChat(chatId: unknown): FakeChat | undefined {
    const s = String(chatId ?? '');
    if (s.startsWith('@')) return this.chats.find((c) => c.username && `@${c.username}` === s);
    return this.chats.find((c) => String(c.id) === s);
  }
}

function chatJson(chat: FakeChat): Record<string, unknown> {
  return { id: chat.id, type: chat.type, title: chat.title, ...(chat.username ? { username: chat.username } : {}) };
}
