import { platformSays } from '../adapter-helpers';
import { HttpResponse } from '../http';
import {
  AmbiguousError,
  PermanentError,
  PlatformError,
  RateLimitedError,
  ReauthError,
  TransientError,
} from '../platform';

/** Bot API error body: `{ok:false, error_code, description, parameters?}` (docs/PLATFORMS.md §3.8). */
interface TelegramErrorBody {
  ok?: boolean;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** Used when a 429 carries no usable `retry_after` (never seen, but the worker needs a delay). */
const FALLBACK_RETRY_MS = 30_000;

const REAUTH_400 =
  /chat not found|need administrator rights|not enough rights|have no rights|bot is not a member|bot was kicked|CHAT_ADMIN_REQUIRED|CHAT_WRITE_FORBIDDEN/i;

/**
 * Maps a non-success answer to an error class, matching status + description as the §3.8 table does.
 * `send` = a sendMessage/sendPhoto call, where a 5xx may hide a posted message.
 */
export function classifyTelegram(res: HttpResponse, method: string, send: boolean): PlatformError {
  const body = (res.json && typeof res.json === 'object' ? res.json : {}) as TelegramErrorBody;
  const status = res.status;
  const description = typeof body.description === 'string' ? body.description : '';
  const message = `telegram ${method}: ${platformSays(res.json, res.text, status)}`;

  if (status === 429) {
    const seconds = body.parameters?.retry_after ?? Number(/retry after (\d+)/i.exec(description)?.[1]);
    const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : FALLBACK_RETRY_MS;
    // The 429 does not say which counter ran out. Every call of a publish names the chat, and the per-chat limits
    // (1 / s, 20 / min) are far lower than the bot's ~30 / s, which our budgets keep: so the chat waits, and other
    // chats of the bot go on. Only getMe (no chat at all) can only be the bot's.
    return new RateLimitedError(message, ms, status, method === 'getMe' ? 'bot' : 'chat');
  }
  if (status >= 500) return send ? new AmbiguousError(message, status) : new TransientError(message, status);
  if (body.parameters?.migrate_to_chat_id !== undefined) {
    // A group upgraded to a supergroup: the old chatId is dead, the new one is not a secret and saves a lookup.
    return new ReauthError(`${message} (chat moved to ${body.parameters.migrate_to_chat_id}: update chatId)`, status);
  }
  // 401 bad token, 403 kicked / not a member, 404 malformed token or wrong apiBaseUrl: all need a human.
  if (status === 401 || status === 403 || status === 404) return new ReauthError(message, status);
  if (status === 400) {
    if (/failed to get HTTP URL content/i.test(description)) return new TransientError(message, status);
    if (REAUTH_400.test(description)) return new ReauthError(message, status);
    return new PermanentError(message, status);
  }
  if (status >= 300 && status < 400) return new ReauthError(`${message} (redirect: check apiBaseUrl)`, status);
  return new PermanentError(message, status);
}
