import { HttpException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { CreateAccountDto } from '../accounts/accounts.dto';
import { checkCredentials, checkSettings, requireName } from '../accounts/accounts.service';
import { templateProblem } from '../articles/templates';
import { nullDtoFields } from '../common/validation';
import { CreateFeedDto } from '../feeds/feeds.dto';
import { MissedRule, PauseScope } from '../pauses/pause-rules';
import { CreatePauseDto } from '../pauses/pauses.dto';
import { skipAge } from '../pauses/pauses.service';
import type { PlatformAdapter, PlatformId } from '../platforms/platform';
import { findAdapter } from '../platforms/platform.registry';
import { secretProblem } from '../webhooks/webhook-signature';
import { CreateWebhookDto } from '../webhooks/webhooks.dto';
import { parseWebhookUrl } from '../webhooks/webhooks.service';
import type { PathPart } from './config-file.parse';

/** An account as the file declares it, checked by the API's rules: credentials read from the environment. */
export interface DeclaredAccount {
  key: string;
  path: PathPart[];
  platform: PlatformId;
  name: string;
  /** As the API stores them (checkSettings' output), the template of `template:` included. */
  settings: Record<string, string>;
  /** Secret: the values of the environment variables the file names. Never log. */
  credentials: Record<string, string>;
}

export interface DeclaredFeed {
  key: string;
  path: PathPart[];
  url: string;
  /** Keys of accounts in the same file. */
  accounts: string[];
  delay?: number;
  spacing?: number;
  /** The text of the named template. */
  template?: string;
  backfill?: boolean;
}

export interface DeclaredPause {
  key: string;
  path: PathPart[];
  scope: PauseScope;
  /** A platform id (scope platform) or an account's key in the file (scope account); null for scope all. */
  target: string | null;
  reason: string | null;
  missed: MissedRule;
  skipOlderThanMinutes: number | null;
}

export interface DeclaredWebhook {
  key: string;
  path: PathPart[];
  /** As the API stores it (normalised by URL). Its host is resolved and checked when applied, not here. */
  url: string;
  /** Without repeats, in the file's order. */
  events: string[];
  /** Secret: the `whsec_…` signing secret read from the environment variable the file names. Never log. */
  secret: string;
}

export interface DeclaredConfig {
  prune: boolean;
  templates: Record<string, string>;
  accounts: DeclaredAccount[];
  feeds: DeclaredFeed[];
  pauses: DeclaredPause[];
  webhooks: DeclaredWebhook[];
}

/** Problems without their lines yet (the caller knows the document). */
export type PathProblem = { path: PathPart[]; message: string };

const SECTIONS = ['version', 'prune', 'templates', 'accounts', 'feeds', 'pauses', 'webhooks'];
const ACCOUNT_FIELDS = ['key', 'platform', 'name', 'settings', 'template', 'credentials'];
const FEED_FIELDS = ['key', 'url', 'accounts', 'delay', 'spacing', 'template', 'backfill'];
const PAUSE_FIELDS = ['key', 'scope', 'target', 'reason', 'missed', 'skipOlderThanMinutes'];
const WEBHOOK_FIELDS = ['key', 'url', 'events', 'secret'];
/** Keys name objects across starts: short, plain, and safe to print in a 409. */
const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** A whole value `${NAME}`: the only way a credential gets into the file. */
const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]{0,127})\}$/;
/** Stands in for a credential that could not be read, so the remaining checks still run. */
const PLACEHOLDER = 'unresolved-credential';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a parsed config file with the API's own rules: the request DTOs (class-validator, as the validation pipe
 * runs them) and the services' checks (accounts' name, credentials and settings; feeds' templates per target;
 * pauses' scope, target and missed rule; webhooks' url and the secret they are given). Every problem is collected,
 * none stops the others. Touches nothing: no database, no network; `env` is only read for the `${NAME}` references.
 */
export function checkConfig(
  data: unknown,
  env: Record<string, string | undefined>,
): { config: DeclaredConfig | null; problems: PathProblem[] } {
  const problems: PathProblem[] = [];
  const add = (path: PathPart[], message: string) => problems.push({ path, message });
  if (data === null || data === undefined) data = {};
  if (!isObj(data)) {
    add([], 'must be a mapping of sections (accounts, feeds, templates, pauses, webhooks, prune)');
    return { config: null, problems };
  }
  unknownKeys(data, SECTIONS, [], add);
  if (data.version !== undefined && data.version !== 1) add(['version'], 'must be 1 (or left out)');
  let prune = false;
  if (data.prune !== undefined && typeof data.prune !== 'boolean') add(['prune'], 'must be true or false');
  else prune = data.prune === true;

  const templates = checkTemplates(data.templates, add);
  const accounts = list(data.accounts, 'accounts', ACCOUNT_FIELDS, add).flatMap(({ item, path, key }) => {
    const a = checkAccount(item, path, key, templates, env, add);
    return a ? [a] : [];
  });
  const byKey = new Map(accounts.map((a) => [a.key, a]));
  // An account that failed its checks still has a key: feeds and pauses naming it are not told it is missing.
  const accountKeys = new Set(list(data.accounts, 'accounts', ACCOUNT_FIELDS, () => undefined).map((a) => a.key));
  const feeds = list(data.feeds, 'feeds', FEED_FIELDS, add).flatMap(({ item, path, key }) => {
    const f = checkFeed(item, path, key, templates, accountKeys, byKey, add);
    return f ? [f] : [];
  });
  const pauses = list(data.pauses, 'pauses', PAUSE_FIELDS, add).flatMap(({ item, path, key }) => {
    const p = checkPause(item, path, key, accountKeys, add);
    return p ? [p] : [];
  });
  const webhooks = list(data.webhooks, 'webhooks', WEBHOOK_FIELDS, add).flatMap(({ item, path, key }) => {
    const w = checkWebhook(item, path, key, env, add);
    return w ? [w] : [];
  });
  return {
    config: problems.length === 0 ? { prune, templates, accounts, feeds, pauses, webhooks } : null,
    problems,
  };
}

type Add = (path: PathPart[], message: string) => void;

function unknownKeys(obj: Obj, allowed: readonly string[], path: PathPart[], add: Add): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) add([...path, k], `unknown field; expected one of ${allowed.join(', ')}`);
  }
}

/** A section's items, each a mapping with a unique `key`; the ones that are not are reported and left out. */
function list(section: unknown, name: string, fields: readonly string[], add: Add) {
  if (section === undefined || section === null) return [];
  if (!Array.isArray(section)) {
    add([name], 'must be a list (items starting with "- key: …")');
    return [];
  }
  const seen = new Set<string>();
  const out: Array<{ item: Obj; path: PathPart[]; key: string }> = [];
  section.forEach((item: unknown, i) => {
    const path: PathPart[] = [name, i];
    if (!isObj(item)) return add(path, 'must be a mapping of fields');
    unknownKeys(item, fields, path, add);
    if (typeof item.key !== 'string' || !KEY.test(item.key)) {
      return add([...path, 'key'], 'is required: 1-100 letters, digits, dots, dashes or underscores, naming it');
    }
    if (seen.has(item.key)) return add([...path, 'key'], `repeats the key ${item.key}; keys are unique per section`);
    seen.add(item.key);
    out.push({ item, path, key: item.key });
  });
  return out;
}

function checkTemplates(section: unknown, add: Add): Record<string, string> {
  if (section === undefined || section === null) return {};
  if (!isObj(section)) {
    add(['templates'], 'must be a mapping of names to template texts');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(section)) {
    // The generic check here; each use checks again for its targets' flavour (Telegram's literal text is HTML).
    const problem = templateProblem(text, false);
    if (problem) add(['templates', name], problem);
    else out[name] = text as string;
  }
  return out;
}

/** The text a `template:` field names, or undefined (reported) when there is no such template. */
function namedTemplate(v: unknown, path: PathPart[], templates: Record<string, string>, add: Add) {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(v in templates)) {
    add(path, `must name a template of the templates section (${Object.keys(templates).join(', ') || 'none'})`);
    return undefined;
  }
  return templates[v];
}

function checkAccount(
  item: Obj,
  path: PathPart[],
  key: string,
  templates: Record<string, string>,
  env: Record<string, string | undefined>,
  add: Add,
): DeclaredAccount | null {
  let failed = false;
  const fail: Add = (p, m) => {
    failed = true;
    add(p, m);
  };
  const adapter = typeof item.platform === 'string' ? findAdapter(item.platform) : undefined;
  const credentials = isObj(item.credentials)
    ? readCredentials(item.credentials, adapter, [...path, 'credentials'], env, fail)
    : item.credentials;
  let settings = item.settings;
  if (item.template !== undefined) {
    const text = namedTemplate(item.template, [...path, 'template'], templates, fail);
    if (isObj(settings) && settings.template !== undefined) {
      fail([...path, 'template'], 'give either template or settings.template, not both');
    } else if (text !== undefined) {
      settings = { ...(isObj(settings) ? settings : {}), template: text };
    }
  }
  const dto = { platform: item.platform, name: item.name, credentials, settings };
  const dtoFailed = dtoProblems(CreateAccountDto, dto, path, {}, fail);
  // Then the service's own checks, on every field the DTO let through, each on its own so all problems show.
  const at = (sub: string): PathPart[] =>
    sub === 'settings.template' && item.template !== undefined ? [...path, 'template'] : [...path, ...sub.split('.')];
  let name = '';
  if (!dtoFailed.has('name')) serviceChecks(() => (name = requireName(item.name)), {}, 'name', at, fail);
  if (!adapter) return null;
  const creds = (dtoFailed.has('credentials') ? {} : credentials) as Record<string, string>;
  const good: Record<string, string> = {};
  for (const [field, value] of Object.entries(creds)) {
    let ok = true;
    serviceChecks(
      () => checkCredentials(adapter, { [field]: value }, false),
      {},
      'credentials',
      at,
      (p, m) => {
        ok = false;
        fail(p, m);
      },
    );
    if (ok) good[field] = value;
  }
  if (!dtoFailed.has('credentials'))
    serviceChecks(() => checkCredentials(adapter, good, true), {}, 'credentials', at, fail);
  let stored: Record<string, string> = {};
  if (!dtoFailed.has('settings')) {
    serviceChecks((s) => (stored = checkSettings(adapter, s)), (settings ?? {}) as Obj, 'settings', at, fail);
  }
  if (failed) return null;
  return { key, path, platform: adapter.id, name, settings: stored, credentials: creds };
}

/**
 * `${NAME}` references read from the environment; a literal value is refused unless the platform says the field is
 * not a secret (a user name, a client id). Never puts a value in a message.
 */
function readCredentials(
  given: Obj,
  adapter: PlatformAdapter | undefined,
  path: PathPart[],
  env: Record<string, string | undefined>,
  add: Add,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, v] of Object.entries(given)) {
    const ref = typeof v === 'string' ? ENV_REF.exec(v.trim()) : null;
    if (ref) {
      const value = env[ref[1]];
      if (value === undefined || value === '') {
        add([...path, field], `environment variable ${ref[1]} is not set`);
        out[field] = PLACEHOLDER;
      } else {
        out[field] = value;
      }
      continue;
    }
    const spec = adapter?.credentialFields.find((f) => f.name === field);
    if (spec && !spec.secret && typeof v === 'string') {
      out[field] = v;
      continue;
    }
    add([...path, field], 'literal secret; use ${ENV_NAME}');
    out[field] = PLACEHOLDER;
  }
  return out;
}

function checkFeed(
  item: Obj,
  path: PathPart[],
  key: string,
  templates: Record<string, string>,
  accountKeys: ReadonlySet<string>,
  accounts: ReadonlyMap<string, DeclaredAccount>,
  add: Add,
): DeclaredFeed | null {
  let failed = false;
  const fail: Add = (p, m) => {
    failed = true;
    add(p, m);
  };
  const template = namedTemplate(item.template, [...path, 'template'], templates, fail);
  const keys = item.accounts;
  if (!Array.isArray(keys)) fail([...path, 'accounts'], 'must be a list of account keys from the accounts section');
  const refs = Array.isArray(keys) ? keys : [];
  refs.forEach((k: unknown, i) => {
    if (typeof k !== 'string' || !accountKeys.has(k))
      fail([...path, 'accounts', i], 'names no account key of this file');
    else if (refs.indexOf(k) !== i)
      fail([...path, 'accounts', i], 'repeats an account (accountIds must not repeat an account)');
  });
  // accountIds are the API's uuids: the DTO's rules (how many) run on stand-ins, the keys were checked above.
  const stand = refs.map((_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const dto = {
    url: item.url,
    accountIds: Array.isArray(keys) ? stand : keys,
    delay: item.delay,
    spacing: item.spacing,
  };
  dtoProblems(CreateFeedDto, { ...dto, template, backfill: item.backfill }, path, { accountIds: 'accounts' }, fail);
  // The service's template check for each target's flavour (Telegram's literal text is HTML).
  for (const k of refs) {
    const platform = typeof k === 'string' ? accounts.get(k)?.platform : undefined;
    const adapter = platform ? findAdapter(platform) : undefined;
    if (!adapter || template === undefined) continue;
    const problem = templateProblem(template, adapter.limits(null).counting === 'code-points-after-html');
    if (problem) fail([...path, 'template'], `${problem} (for ${adapter.id}, account ${k})`);
  }
  if (failed) return null;
  return {
    key,
    path,
    url: item.url as string,
    accounts: refs as string[],
    delay: item.delay as number | undefined,
    spacing: item.spacing as number | undefined,
    template,
    backfill: item.backfill as boolean | undefined,
  };
}

function checkPause(
  item: Obj,
  path: PathPart[],
  key: string,
  accountKeys: ReadonlySet<string>,
  add: Add,
): DeclaredPause | null {
  let failed = false;
  const fail: Add = (p, m) => {
    failed = true;
    add(p, m);
  };
  if (dtoProblems(CreatePauseDto, item, path, {}, fail, ['key']).size > 0) return null;
  const scope = item.scope as PauseScope;
  const missed = (item.missed ?? 'send') as MissedRule;
  let target: string | null = null;
  if (scope === 'all') {
    if (item.target !== undefined) fail([...path, 'target'], 'must be left out when scope is all');
  } else if (typeof item.target !== 'string') {
    fail(
      [...path, 'target'],
      `is required when scope is ${scope}: ${scope === 'platform' ? 'a platform id' : 'an account key'}`,
    );
  } else if (scope === 'platform' && !findAdapter(item.target)) {
    fail([...path, 'target'], 'must be one of the platform ids listed by GET /api/v1/platforms');
  } else if (scope === 'account' && !accountKeys.has(item.target)) {
    fail([...path, 'target'], 'names no account key of this file');
  } else {
    target = item.target;
  }
  let skip: number | null = null;
  serviceChecks(
    () => (skip = skipAge(item.skipOlderThanMinutes, missed)),
    {},
    'skipOlderThanMinutes',
    (s) => [...path, s],
    fail,
  );
  if (failed) return null;
  const reason = typeof item.reason === 'string' && item.reason.trim() !== '' ? item.reason.trim() : null;
  return { key, path, scope, target, reason, missed, skipOlderThanMinutes: skip };
}

/**
 * POST /webhooks' rules (its DTO, then the url's checks that need no network: the host's addresses, and with them
 * the private-address guard, are checked by the service when the file is applied), and the signing secret, which
 * the file cannot leave to Crier to make: the receiver must know it. Given as `${NAME}` only, like credentials.
 */
function checkWebhook(
  item: Obj,
  path: PathPart[],
  key: string,
  env: Record<string, string | undefined>,
  add: Add,
): DeclaredWebhook | null {
  let failed = false;
  const fail: Add = (p, m) => {
    failed = true;
    add(p, m);
  };
  const dtoFailed = dtoProblems(CreateWebhookDto, { url: item.url, events: item.events }, path, {}, fail);
  let url = '';
  if (!dtoFailed.has('url')) {
    serviceChecks(
      () => (url = parseWebhookUrl(item.url as string).toString()),
      {},
      'url',
      (s) => [...path, s],
      fail,
    );
  }
  const secret = readSecret(item.secret, [...path, 'secret'], env, fail);
  if (failed || secret === null) return null;
  return { key, path, url, events: [...new Set(item.events as string[])], secret };
}

/** A webhook's `secret: ${NAME}`: the variable's value, a Standard Webhooks secret; never put in a message. */
function readSecret(v: unknown, path: PathPart[], env: Record<string, string | undefined>, add: Add): string | null {
  if (v === undefined || v === null) {
    add(path, 'is required: ${ENV_NAME}, the variable holding the whsec_ secret the receiver verifies with');
    return null;
  }
  const ref = typeof v === 'string' ? ENV_REF.exec(v.trim()) : null;
  if (!ref) {
    add(path, 'literal secret; use ${ENV_NAME}');
    return null;
  }
  const value = env[ref[1]];
  if (value === undefined || value === '') {
    add(path, `environment variable ${ref[1]} is not set`);
    return null;
  }
  const problem = secretProblem(value);
  if (problem) {
    add(path, `environment variable ${ref[1]} ${problem}`);
    return null;
  }
  return value;
}

/**
 * The request DTO's rules, as the API's validation pipe runs them (null fields refused, unknown ones too, the first
 * failed rule per field). `rename` maps a DTO property to its name in the file. Answers the properties that failed.
 */
function dtoProblems(
  cls: new () => object,
  plain: Obj,
  path: PathPart[],
  rename: Record<string, string>,
  add: Add,
  fileOnly: readonly string[] = [],
): Set<string> {
  const fields = Object.fromEntries(Object.entries(plain).filter(([k, v]) => v !== undefined && !fileOnly.includes(k)));
  const dto = plainToInstance(cls, fields);
  const nulls = nullDtoFields(dto);
  const errors = nulls.length > 0 ? nulls : validateSync(dto, { whitelist: true, stopAtFirstError: true });
  const walk = (list: ValidationError[], at: PathPart[]) => {
    for (const e of list) {
      const here = [...at, rename[e.property] ?? e.property];
      for (const message of Object.values(e.constraints ?? {})) {
        add(here, message.startsWith(`${e.property} `) ? message.slice(e.property.length + 1) : message);
      }
      walk(e.children ?? [], here);
    }
  };
  walk(errors, path);
  return new Set(errors.map((e) => e.property));
}

/**
 * Runs one of the services' checks (they throw the API's 400 on the first problem) until it passes, taking out
 * each field it names, so that every field's problem is reported. `at` turns the field the message names
 * (`credentials.accessToken`, `settings.template`) into the path in the file.
 */
function serviceChecks(
  check: (input: Obj) => unknown,
  input: Obj,
  section: string,
  at: (sub: string) => PathPart[],
  add: Add,
): void {
  const remaining = { ...input };
  const reported = new Set<string>();
  for (let guard = Object.keys(input).length + 1; guard > 0; guard--) {
    try {
      check(remaining);
      return;
    } catch (e) {
      if (!(e instanceof HttpException) || e.getStatus() !== 400) throw e;
      const message = (e.getResponse() as { message: string }).message;
      const named = new RegExp(`^(${section}(?:\\.([A-Za-z0-9_]+))?) (.*)$`, 's').exec(message);
      if (!named) return add(at(section), message);
      // A field already reported and taken out is then "required": once is enough.
      if (!reported.has(named[1])) add(at(named[1]), named[3]);
      reported.add(named[1]);
      if (named[2] === undefined || !(named[2] in remaining)) return;
      delete remaining[named[2]];
    }
  }
}
