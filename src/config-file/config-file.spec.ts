import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkConfig, DeclaredConfig } from './config-file.check';
import { withLines } from './config-file.command';
import { parseConfigText, Problem, problemText } from './config-file.parse';

const EXAMPLE = path.resolve(__dirname, '../../config/crier.example.yaml');
const EXAMPLE_ENV = {
  MASTODON_ACCESS_TOKEN: 'masto-token-0001',
  TELEGRAM_BOT_TOKEN: '123:tg',
  MINDS_PASSWORD: 'pw-1',
  NEWSROOM_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 3).toString('base64')}`,
};

/** What `config check` reports for a text: the declared config (when valid) and every problem, with its line. */
function check(text: string, env: Record<string, string> = {}): { config: DeclaredConfig | null; problems: Problem[] } {
  const parsed = parseConfigText(text);
  if (parsed.problems.length > 0) return { config: null, problems: parsed.problems };
  const r = checkConfig(parsed.data, env);
  return { config: r.config, problems: withLines(r.problems, parsed.lineOf) };
}
const texts = (problems: Problem[]) => problems.map(problemText);

const MASTODON = `
accounts:
  - key: masto
    platform: mastodon
    name: Newsroom
    settings:
      apiBaseUrl: https://mastodon.example/
    credentials:
      accessToken: \${MASTO_TOKEN}
`;

describe('config file: parsing and checking (the API rules, env references)', () => {
  it('the example file is valid once its variables are set, and names each one that is not', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const ok = check(text, EXAMPLE_ENV);
    expect(ok.problems).toEqual([]);
    expect(ok.config?.accounts.map((a) => a.key)).toEqual(['newsroom-mastodon', 'newsroom-telegram', 'newsroom-minds']);
    expect(ok.config?.feeds[0].accounts).toEqual(['newsroom-mastodon', 'newsroom-telegram']);
    expect(ok.config?.prune).toBe(false);
    expect(ok.config?.webhooks.map((w) => w.key)).toEqual(['newsroom-alerts']);

    const missing = check(text, {});
    expect(missing.config).toBeNull();
    expect(missing.problems.map((p) => p.path)).toEqual([
      'accounts[0].credentials.accessToken',
      'accounts[1].credentials.botToken',
      'accounts[2].credentials.password',
      'webhooks[0].secret',
    ]);
    expect(missing.problems[0].message).toBe('environment variable MASTODON_ACCESS_TOKEN is not set');
  });

  it('reads credentials from the environment, and stores settings as the API would (trailing slash cut)', () => {
    const { config, problems } = check(MASTODON, { MASTO_TOKEN: 'the-token-value' });
    expect(problems).toEqual([]);
    expect(config?.accounts[0]).toMatchObject({
      key: 'masto',
      platform: 'mastodon',
      name: 'Newsroom',
      settings: { apiBaseUrl: 'https://mastodon.example' },
      credentials: { accessToken: 'the-token-value' },
    });
  });

  it('refuses a literal secret, naming its path and line, and never prints the value', () => {
    const text = MASTODON.replace('${MASTO_TOKEN}', 'sk-live-0123456789');
    const { config, problems } = check(text, { MASTO_TOKEN: 'x' });
    expect(config).toBeNull();
    expect(texts(problems)).toEqual(['accounts[0].credentials.accessToken: literal secret; use ${ENV_NAME} (line 9)']);
    expect(JSON.stringify(problems)).not.toContain('sk-live');
  });

  it('accepts a literal only where the platform says the field is not a secret (a Minds user name)', () => {
    const text = `
accounts:
  - key: minds
    platform: minds
    name: Minds
    credentials:
      username: newsroom
      password: hunter2-literal
`;
    const { problems } = check(text);
    expect(texts(problems)).toEqual(['accounts[0].credentials.password: literal secret; use ${ENV_NAME} (line 8)']);
  });

  it('a reference to an unset or empty variable is a problem', () => {
    expect(texts(check(MASTODON, { MASTO_TOKEN: '' }).problems)).toEqual([
      'accounts[0].credentials.accessToken: environment variable MASTO_TOKEN is not set (line 9)',
    ]);
  });

  it('reports every problem of the file at once, in line order, each with its path', () => {
    const text = `prune: maybe
colour: blue
templates:
  broken: "{title} without the link"
  short: "{title} {url}"
accounts:
  - key: m1
    platform: mastodon
    name: ""
    settings:
      apiBaseUrl: ftp://mastodon.example
      nonsense: 1
    credentials:
      accessToken: literal-token-value
      extra: \${NOT_SET_ANYWHERE}
  - key: m1
    platform: myspace
  - platform: x
  - key: tg
    platfrom: telegram
    platform: telegram
    name: TG
    template: missing
    settings: { chatId: "-100" }
    credentials: { botToken: "\${TG}" }
feeds:
  - key: f
    url: not-a-url
    accounts: [m1, ghost, tg]
    delay: -3
    template: short
pauses:
  - key: p
    scope: account
    target: nobody
    skipOlderThanMinutes: 5
`;
    const { config, problems } = check(text, { TG: '1:2' });
    expect(config).toBeNull();
    expect(texts(problems)).toEqual([
      'prune: must be true or false (line 1)',
      'colour: unknown field; expected one of version, prune, templates, accounts, feeds, pauses, webhooks (line 2)',
      'templates.broken: must contain {url}: every post carries the link (line 4)',
      'accounts[0].name: must be longer than or equal to 1 characters (line 9)',
      'accounts[0].settings.apiBaseUrl: must be an http(s) URL without user or password (line 11)',
      'accounts[0].settings.nonsense: is not a setting of mastodon (line 12)',
      'accounts[0].credentials.accessToken: literal secret; use ${ENV_NAME} (line 14)',
      'accounts[0].credentials.extra: environment variable NOT_SET_ANYWHERE is not set (line 15)',
      'accounts[0].credentials.extra: is not a credential field of mastodon (line 15)',
      'accounts[1].key: repeats the key m1; keys are unique per section (line 16)',
      'accounts[2].key: is required: 1-100 letters, digits, dots, dashes or underscores, naming it (line 18)',
      'accounts[3].platfrom: unknown field; expected one of key, platform, name, settings, template, credentials (line 20)',
      'accounts[3].template: must name a template of the templates section (short) (line 23)',
      'feeds[0].url: must be an http or https URL (line 28)',
      'feeds[0].accounts[1]: names no account key of this file (line 29)',
      'feeds[0].delay: must not be less than 0 (line 30)',
      'pauses[0].target: names no account key of this file (line 35)',
      'pauses[0].skipOlderThanMinutes: applies only when missed is skip (line 36)',
    ]);
  });

  it('a wrong platform and a missing required setting are the API messages, at the field', () => {
    const text = `
accounts:
  - key: a
    platform: myspace
    name: A
    credentials: { token: "\${T}" }
  - key: b
    platform: telegram
    name: B
    credentials: { botToken: "\${T}" }
`;
    expect(texts(check(text, { T: 't' }).problems)).toEqual([
      'accounts[0].platform: must be one of gab, gabtv, truthsocial, minds, gettr, rumble, telegram, x, facebook, mastodon (line 4)',
      'accounts[1].settings.chatId: is required for telegram (line 7)',
    ]);
  });

  it('templates: an account takes the named one as settings.template; a feed checks it per target (Telegram HTML)', () => {
    const text = `
templates:
  loud: "<blink>{title}</blink> {url}"
  plain: "{title} {url}"
accounts:
  - key: tg
    platform: telegram
    name: TG
    template: plain
    settings: { chatId: "-100" }
    credentials: { botToken: "\${T}" }
  - key: masto
    platform: mastodon
    name: M
    settings: { apiBaseUrl: "https://m.example" }
    credentials: { accessToken: "\${T}" }
feeds:
  - key: f
    url: https://news.example/feed
    accounts: [masto, tg]
    template: loud
`;
    const { config, problems } = check(text, { T: 't' });
    expect(texts(problems)).toEqual([
      'feeds[0].template: has <blink>, which Telegram does not support (for telegram, account tg) (line 21)',
    ]);
    expect(config).toBeNull();
    const fixed = check(text.replace('template: loud', 'template: plain'), { T: 't' });
    expect(fixed.problems).toEqual([]);
    expect(fixed.config?.accounts[0].settings).toEqual({ chatId: '-100', template: '{title} {url}' });
    expect(fixed.config?.feeds[0]).toMatchObject({ accounts: ['masto', 'tg'], template: '{title} {url}' });
  });

  it('pauses: scope all takes no target, a platform target is a platform id, an account target a key', () => {
    const text = `
accounts:
  - key: tg
    platform: telegram
    name: TG
    settings: { chatId: "-100" }
    credentials: { botToken: "\${T}" }
pauses:
  - { key: a, scope: all, target: x }
  - { key: b, scope: platform, target: myspace }
  - { key: c, scope: planet }
  - { key: d, scope: account, target: tg, missed: skip, skipOlderThanMinutes: 30, reason: "  night  " }
`;
    const { problems } = check(text, { T: 't' });
    expect(texts(problems)).toEqual([
      'pauses[0].target: must be left out when scope is all (line 9)',
      'pauses[1].target: must be one of the platform ids listed by GET /api/v1/platforms (line 10)',
      'pauses[2].scope: must be one of all, platform, account (line 11)',
    ]);
    const ok = check(text.replace(/ {2}- \{ key: [abc],.*\n/g, ''), { T: 't' });
    expect(ok.problems).toEqual([]);
    expect(ok.config?.pauses).toEqual([
      expect.objectContaining({ key: 'd', scope: 'account', target: 'tg', missed: 'skip', skipOlderThanMinutes: 30 }),
    ]);
    expect(ok.config?.pauses[0].reason).toBe('night');
  });

  describe('webhooks', () => {
    const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const HOOKS = `
webhooks:
  - key: ops
    url: https://hooks.example
    events: [delivery.published, post.failed, delivery.published]
    secret: \${HOOK_SECRET}
`;

    it('declares a receiver with its secret from the environment; the url as the API stores it, events once', () => {
      const { config, problems } = check(HOOKS, { HOOK_SECRET: SECRET });
      expect(problems).toEqual([]);
      expect(config?.webhooks).toEqual([
        {
          key: 'ops',
          path: ['webhooks', 0],
          url: 'https://hooks.example/',
          events: ['delivery.published', 'post.failed'],
          secret: SECRET,
        },
      ]);
    });

    it('refuses a literal secret and an unset variable, naming the path and line, never printing the value', () => {
      const literal = check(HOOKS.replace('${HOOK_SECRET}', SECRET), { HOOK_SECRET: SECRET });
      expect(texts(literal.problems)).toEqual(['webhooks[0].secret: literal secret; use ${ENV_NAME} (line 6)']);
      expect(JSON.stringify(literal.problems)).not.toContain(SECRET.slice(6));
      expect(texts(check(HOOKS, {}).problems)).toEqual([
        'webhooks[0].secret: environment variable HOOK_SECRET is not set (line 6)',
      ]);
      expect(texts(check(HOOKS.replace(/ {4}secret:.*\n/, '')).problems)).toEqual([
        'webhooks[0].secret: is required: ${ENV_NAME}, the variable holding the whsec_ secret the receiver verifies with (line 3)',
      ]);
    });

    it('refuses a variable that holds no Standard Webhooks secret (whsec_ + base64 of 24 to 64 bytes)', () => {
      const bad = (value: string) => texts(check(HOOKS, { HOOK_SECRET: value }).problems);
      expect(bad('plain-password-123')).toEqual([
        'webhooks[0].secret: environment variable HOOK_SECRET must be a Standard Webhooks secret: whsec_ followed by base64 (line 6)',
      ]);
      expect(bad(`whsec_${Buffer.alloc(8, 1).toString('base64')}`)).toEqual([
        'webhooks[0].secret: environment variable HOOK_SECRET must be a Standard Webhooks secret: its base64 must decode to 24 to 64 bytes (not 8) (line 6)',
      ]);
      expect(JSON.stringify(bad('plain-password-123'))).not.toContain('plain-password');
    });

    it("checks url and events with POST /webhooks' rules; a wrong field and a repeated key are problems", () => {
      const text = `
webhooks:
  - key: a
    url: ftp://hooks.example/crier
    events: [post.exploded]
    secret: \${S}
  - key: b
    url: https://user:pw@hooks.example/
    events: []
    secret: \${S}
    sercet: \${S}
  - key: a
    url: https://hooks.example/
    events: [post.failed]
    secret: \${S}
  - key: c
    events: [post.failed]
    secret: \${S}
`;
      const { config, problems } = check(text, { S: SECRET });
      expect(config).toBeNull();
      expect(texts(problems)).toEqual([
        'webhooks[0].url: must be an http or https URL (line 4)',
        'webhooks[0].events: must each be one of delivery.published, delivery.failed, delivery.held, delivery.unconfirmed, post.published, post.partially_published, post.failed, account.reauth_required, account.restored, feed.failing, feed.recovered (line 5)',
        'webhooks[1].url: must not contain a user or password (line 8)',
        'webhooks[1].events: must name at least one event (line 9)',
        'webhooks[1].sercet: unknown field; expected one of key, url, events, secret (line 11)',
        'webhooks[2].key: repeats the key a; keys are unique per section (line 12)',
        'webhooks[3].url: must be an http or https URL (line 16)',
      ]);
    });
  });

  it('YAML errors name their line and never quote the line (it could hold a pasted secret)', () => {
    const dup = check('accounts: []\nprune: false\nprune: true\n');
    expect(dup.problems).toEqual([{ path: '(file)', message: expect.stringContaining('key repeated'), line: 3 }]);
    const broken = check('accounts:\n  - key: a\n    credentials: { accessToken: sk-secret-1234\n');
    expect(broken.problems.length).toBeGreaterThan(0);
    expect(broken.problems[0].line).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(broken.problems)).not.toContain('sk-secret');
  });

  it('an empty file declares nothing; a file that is not a mapping is refused', () => {
    expect(check('')).toEqual({
      config: { prune: false, templates: {}, accounts: [], feeds: [], pauses: [], webhooks: [] },
      problems: [],
    });
    expect(texts(check('- just\n- a list\n').problems)).toEqual([
      '(file): must be a mapping of sections (accounts, feeds, templates, pauses, webhooks, prune) (line 1)',
    ]);
  });

  it('refuses a file over 1 MiB before parsing it', () => {
    expect(check(`# ${'x'.repeat(1024 * 1024)}\n`).problems).toEqual([
      { path: '(file)', message: 'is larger than 1 MiB' },
    ]);
  });
});
