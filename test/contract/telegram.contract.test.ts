import { TelegramAdapter } from '../../src/platforms/telegram/telegram.adapter';
import { AccountRef, PlatformAdapter, RateLimitedError } from '../../src/platforms/platform';
import { DEFAULT_CHAT, FakeChat, TelegramFake, TelegramFakeOptions, telegramError } from '../fakes/telegram.fake';
import { ContractFake, ErrorRow, runAdapterContract } from './adapter-contract';
import { ARTICLE_URL, CTX, PNG_1X1, caught, ctx, expectKind, expectNoSecret, publishRequest } from './contract-support';

const adapter = new TelegramAdapter();

function accountFor(tg: TelegramFake, opts: { token?: string; baseUrl?: string; chatId?: string } = {}): AccountRef {
  return {
    accountId: 'acc-telegram',
    credentials: { botToken: opts.token ?? tg.botToken },
    settings: { chatId: opts.chatId ?? String(tg.chats[0].id), apiBaseUrl: opts.baseUrl ?? tg.baseUrl },
    remote: null,
  };
}

function harnessFake(tg: TelegramFake): ContractFake {
  return {
    server: tg,
    account: (opts) => accountFor(tg, opts),
    posted: () => tg.messages.map((m) => ({ id: String(m.messageId), text: m.text, hasImage: !!m.photo })),
  };
}

const html502 = { status: 502, rawBody: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>' };

// §3.8 table, row by row.
const rows: ErrorRow[] = [
  {
    row: '429 retry after 7, for this chat',
    fault: telegramError(429, 'Too Many Requests: retry after 7', { retry_after: 7 }),
    expect: 'rate-limited',
    retryAfterMs: 7000,
    scope: 'chat',
  },
  {
    row: '400 message is too long',
    fault: telegramError(400, 'Bad Request: message is too long'),
    expect: 'permanent',
  },
  {
    row: '400 caption too long',
    key: 'sendPhoto',
    withImage: true,
    fault: telegramError(400, 'Bad Request: message caption is too long'),
    expect: 'permanent',
  },
  {
    row: "400 can't parse entities",
    fault: telegramError(400, 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'),
    expect: 'permanent',
  },
  {
    row: '400 wrong HTTP URL',
    key: 'sendPhoto',
    withImage: true,
    fault: telegramError(400, 'Bad Request: wrong file identifier/HTTP URL specified'),
    expect: 'permanent',
  },
  {
    row: '400 failed to get HTTP URL content',
    key: 'sendPhoto',
    withImage: true,
    fault: telegramError(400, 'Bad Request: failed to get HTTP URL content'),
    expect: 'transient',
  },
  { row: '400 chat not found', fault: telegramError(400, 'Bad Request: chat not found'), expect: 'reauth' },
  {
    row: '400 need administrator rights',
    fault: telegramError(400, 'Bad Request: need administrator rights in the channel chat'),
    expect: 'reauth',
  },
  {
    row: '400 migrate_to_chat_id',
    fault: telegramError(400, 'Bad Request: group chat was upgraded to a supergroup chat', {
      migrate_to_chat_id: -1009,
    }),
    expect: 'reauth',
  },
  { row: '401 Unauthorized', fault: telegramError(401, 'Unauthorized'), expect: 'reauth' },
  {
    row: '403 bot was kicked',
    fault: telegramError(403, 'Forbidden: bot was kicked from the channel chat'),
    expect: 'reauth',
  },
  {
    row: '403 bot is not a member',
    fault: telegramError(403, 'Forbidden: bot is not a member of the channel chat'),
    expect: 'reauth',
  },
  { row: '500 on send', fault: telegramError(500, 'Internal Server Error'), expect: 'ambiguous' },
  { row: '502 HTML on send', fault: html502, expect: 'ambiguous' },
  { row: 'timeout after the message was stored', fault: { delayMs: 2000 }, timeoutMs: 300, expect: 'ambiguous' },
];

runAdapterContract({
  adapter,
  start: async () => harnessFake(await TelegramFake.start()),
  publishKey: 'sendMessage',
  // The path holds the token: match the method only. No upload: Telegram fetches the photo by URL itself.
  isCreate: (r) => r.method === 'POST' && /\/send(Message|Photo|Video)$/.test(r.path),
  sampleText: '<b>Crier</b> &amp; friends: café ☕ launches &lt;today&gt; https://news.example/a?x=1&amp;y=2',
  lengthParts: { prefix: '<b>News</b> &amp; ', filler: '😀', url: ARTICLE_URL },
  noReconcile: 'telegram: the Bot API cannot read a channel’s history',
  errorRows: rows,
  noIdFault: { status: 200, body: { ok: true, result: { date: 1, chat: { id: DEFAULT_CHAT.id } } } },
  lostAnswerKind: 'ambiguous',
});

describe('telegram specifics', () => {
  let tg: TelegramFake;
  const start = async (opts: TelegramFakeOptions = {}) => (tg = await TelegramFake.start(opts));
  afterEach(async () => tg?.stop());

  const channel = (over: Partial<FakeChat>): FakeChat => ({ ...DEFAULT_CHAT, ...over });

  it('sends sendMessage with parse_mode HTML and links public channels by username', async () => {
    await start();
    const result = await adapter.publish(publishRequest({ text: 'hi <i>there</i>' }), accountFor(tg), CTX);
    const [req] = tg.requestsTo('POST /bot');
    expect(req.body).toEqual({ chat_id: String(DEFAULT_CHAT.id), text: 'hi <i>there</i>', parse_mode: 'HTML' });
    expect(result).toEqual({ remoteId: '1', remoteUrl: 'https://t.me/crier_test/1' });
    expect(tg.messages[0].visibleText).toBe('hi there');
  });

  it('links private channels as t.me/c/<id without -100>', async () => {
    await start({ chats: [channel({ username: undefined })] });
    const result = await adapter.publish(publishRequest(), accountFor(tg), CTX);
    expect(result.remoteUrl).toBe('https://t.me/c/1234567890/1');
  });

  it('sends the image as sendPhoto with the text as caption', async () => {
    await start();
    const imageUrl = tg.hostFile('/p.png', PNG_1X1, 'image/png');
    const article = { url: ARTICLE_URL, title: 't', imageUrl, videoUrl: null, description: null };
    await adapter.publish(publishRequest({ text: 'caption <b>here</b>', article }), accountFor(tg), CTX);
    expect(tg.messages).toMatchObject([{ method: 'sendPhoto', photo: imageUrl, text: 'caption <b>here</b>' }]);
  });

  it('sends a text too long for a caption whole, as a message', async () => {
    await start();
    const imageUrl = tg.hostFile('/p.png', PNG_1X1, 'image/png');
    const text = 'x'.repeat(1025);
    const article = { url: ARTICLE_URL, title: 't', imageUrl, videoUrl: null, description: null };
    await adapter.publish(publishRequest({ text, article }), accountFor(tg), CTX);
    expect(tg.messages).toMatchObject([{ method: 'sendMessage', text }]);
  });

  it.each([
    ['an unknown chat', {}, { chatId: '-100999' }, 'reauth'],
    ['a bot kicked from the channel', { chats: [channel({ botStatus: 'kicked' })] }, {}, 'reauth'],
    ['a bot that is only a member', { chats: [channel({ botStatus: 'member' })] }, {}, 'reauth'],
    ['a migrated group', { chats: [channel({ type: 'group', migrateToChatId: -1005 })] }, {}, 'reauth'],
  ] as const)('answers the platform’s own error for %s', async (_name, opts, account, kind) => {
    await start(opts as TelegramFakeOptions);
    const e = await caught(() => adapter.publish(publishRequest(), accountFor(tg, account), CTX));
    expectKind(e, kind);
  });

  it('rejects HTML Telegram cannot parse as permanent', async () => {
    await start();
    const e = await caught(() => adapter.publish(publishRequest({ text: 'a <div>b</div>' }), accountFor(tg), CTX));
    expectKind(e, 'permanent');
    expect(e.message).toContain("can't parse entities");
  });

  it('never puts the token (which sits in the URL path) into a network error', async () => {
    await start();
    tg.failNext('sendMessage', { status: 500, delayMs: 2000 });
    const account = accountFor(tg);
    const e = await caught(() => adapter.publish(publishRequest(), account, ctx(200)));
    expectKind(e, 'ambiguous');
    expectNoSecret(e, account);
    expect(e.message).not.toContain('/bot');
  });

  it.each([
    ['creator', { botStatus: 'creator' as const }, true],
    ['admin without Post messages', { botStatus: 'administrator' as const, canPostMessages: false }, false],
    ['plain member', { botStatus: 'member' as const }, false],
  ])('verify: bot is %s → ok %p', async (_name, over, ok) => {
    await start({ chats: [channel(over)] });
    const result = await adapter.verify(accountFor(tg), CTX);
    expect(result.ok).toBe(ok);
    if (ok)
      expect(result.remoteAccount).toMatchObject({
        id: String(DEFAULT_CHAT.id),
        name: DEFAULT_CHAT.title,
        username: 'crier_test',
      });
    else expect(result.reason).toMatch(/administrator|Post messages/);
  });

  it('verify reports an unknown chat as not ok', async () => {
    await start();
    const result = await adapter.verify(accountFor(tg, { chatId: '@nope' }), CTX);
    expect(result).toMatchObject({ ok: false, checked: true, reason: expect.stringContaining('chat not found') });
  });

  it('answers past 20 messages a minute in a chat with 429 retry_after, which waits for that chat', async () => {
    await start({ enforceLimits: { perChat: 2 } });
    for (const text of ['one', 'two']) await adapter.publish(publishRequest({ text }), accountFor(tg), CTX);
    const e = await caught(() => adapter.publish(publishRequest({ text: 'three' }), accountFor(tg), CTX));
    expectKind(e, 'rate-limited');
    expect(e).toMatchObject({ scope: 'chat', statusCode: 429 });
    expect((e as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(59_000);
    expect((e as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(60_000);
    expect({ posted: tg.messages.length, refusals: tg.rateRefusals }).toEqual({ posted: 2, refusals: 1 });
  });

  it('counts per bot across its chats, and per chat for that bot', async () => {
    await start();
    const budgets = (over: { token?: string; chatId?: string }) =>
      Object.fromEntries(
        adapter.budgets(accountFor(tg, over)).map((b) => [`${b.scope} ${b.max}/${b.windowMs}`, b.key] as const),
      );
    const a = budgets({});
    const otherChat = budgets({ chatId: '@other' });
    const otherBot = budgets({ token: '987654:AnotherBotToken' });
    expect(Object.keys(a).sort()).toEqual(['bot 25/1000', 'chat 1/1000', 'chat 20/60000']);
    expect(otherChat['bot 25/1000']).toBe(a['bot 25/1000']);
    expect(otherChat['chat 20/60000']).not.toBe(a['chat 20/60000']);
    expect(otherBot['bot 25/1000']).not.toBe(a['bot 25/1000']);
    expect(otherBot['chat 20/60000']).not.toBe(a['chat 20/60000']);
  });

  it('declares Telegram limits and fields', () => {
    expect(adapter.limits()).toMatchObject({
      maxLength: 4096,
      maxCaptionLength: 1024,
      counting: 'code-points-after-html',
    });
    expect(adapter.credentialFields).toEqual([expect.objectContaining({ name: 'botToken', secret: true })]);
    expect(adapter.settingsFields.find((f) => f.name === 'chatId')).toMatchObject({ secret: false, required: true });
    expect((adapter as PlatformAdapter).reconcile).toBeUndefined();
  });
});
