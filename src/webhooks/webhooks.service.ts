import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { CredentialCipher, UndecryptableCredentials } from '../accounts/credential-cipher';
import { BadInput, isUuid, NotFound } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ConfigMark, ManagedFields, managedView, markColumns, refuseManaged } from '../config-file/managed';
import type { WebhookRow } from '../database/schema';
import { addressPermit, privateAddressMessage } from '../platforms/net-guard';
import { newSecret, secretProblem } from './webhook-signature';
import { WebhooksRepository } from './webhooks.repository';

/** How many of a webhook's last attempts GET /webhooks/:id shows. */
export const LAST_ATTEMPTS = 20;

export interface WebhookView extends ManagedFields {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  /** Why Crier stopped sending to it (a message used up its retries), or null. */
  disabledReason: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

function view(w: WebhookRow): WebhookView {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    enabled: w.enabled,
    disabledReason: w.disabled_reason,
    disabledAt: w.disabled_at,
    createdAt: w.created_at,
    ...managedView(w),
  };
}

/** A webhook as the config file declares it: its signing secret given (the receiver knows it), not made here. */
export interface DeclaredWebhookInput {
  url: string;
  events: string[];
  /** `whsec_…`, checked by secretProblem. Never log. */
  secret: string;
}

/**
 * The checks of a webhook url that need no network (http(s), no user or password); throws the API's 400. The
 * config file's check runs them too. Answers the url as stored (normalised by URL).
 */
export function parseWebhookUrl(text: string): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new BadInput('url must be an http or https URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new BadInput('url must be an http or https URL');
  if (u.username || u.password) throw new BadInput('url must not contain a user or password');
  return u;
}

/**
 * Webhook receivers over the API. The signing secret is made here, shown once in the answer to the create and
 * stored only encrypted (the credential cipher, the webhook id as additional data). The config file's apply brings
 * its own secret (createDeclared, updateDeclared) and marks the row as managed.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly cipher: CredentialCipher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(input: { url: string; events: string[] }): Promise<WebhookView & { secret: string }> {
    const url = await this.checkUrl(input.url);
    const id = randomUUID();
    const secret = newSecret();
    const row = await this.repo.insert({
      id,
      url,
      events: [...new Set(input.events)],
      secretEnc: this.cipher.encrypt(id, { secret }),
    });
    return { ...view(row), secret };
  }

  /** The config file's apply: a webhook it declares, with the secret it gives, marked with its key. */
  async createDeclared(input: DeclaredWebhookInput, mark: ConfigMark): Promise<WebhookView> {
    const url = await this.checkUrl(input.url);
    const id = randomUUID();
    const row = await this.repo.insert({
      id,
      url,
      events: [...new Set(input.events)],
      secretEnc: this.cipher.encrypt(id, { secret: assertSecret(input.secret) }),
      ...markColumns(mark),
      config_hash: mark.credentialsHash ?? null,
    });
    return view(row);
  }

  /**
   * The config file's apply changing a webhook it declares (or adopting a released one): the fields given are
   * written; a given secret is re-encrypted only when it differs from the stored one. A change of url, events or
   * secret enables the webhook again (the file says where and how to send now); adopting it alone does not.
   */
  async updateDeclared(id: string, input: Partial<DeclaredWebhookInput>, mark: ConfigMark): Promise<WebhookView> {
    const row = isUuid(id) ? await this.repo.find(id) : undefined;
    if (!row) throw new NotFound(`webhook ${id} not found`);
    const patch: Parameters<WebhooksRepository['update']>[1] = { ...markColumns(mark) };
    if (input.url !== undefined) patch.url = await this.checkUrl(input.url);
    if (input.events !== undefined) patch.events = JSON.stringify([...new Set(input.events)]);
    let changed = input.url !== undefined || input.events !== undefined;
    if (input.secret !== undefined) {
      patch.config_hash = mark.credentialsHash ?? null;
      // The hash is keyed with the current CRIER_SECRET_KEY: after a key rotation it differs for the same secret.
      // Only a secret other than the stored one is a change (re-encrypted, and the webhook enabled again).
      if (this.storedSecret(row) !== input.secret) {
        patch.secret_enc = this.cipher.encrypt(row.id, { secret: assertSecret(input.secret) });
        changed = true;
      }
    }
    if (changed) Object.assign(patch, { enabled: true, disabled_reason: null, disabled_at: null });
    return view(await this.repo.update(row.id, patch));
  }

  /** The stored secret, or null when no key of this process opens it. */
  private storedSecret(row: WebhookRow): string | null {
    try {
      return this.cipher.decrypt(row.id, row.secret_enc).secret ?? null;
    } catch (e) {
      if (e instanceof UndecryptableCredentials) return null;
      throw e;
    }
  }

  async list(): Promise<WebhookView[]> {
    return (await this.repo.list()).map(view);
  }

  async get(id: string) {
    const row = isUuid(id) ? await this.repo.find(id) : undefined;
    if (!row) throw new NotFound(`webhook ${id} not found`);
    const attempts = await this.repo.lastAttempts(id, LAST_ATTEMPTS);
    return {
      ...view(row),
      lastAttempts: attempts.map((a) => ({
        at: a.attempted_at,
        messageId: a.message_id,
        event: a.event,
        statusCode: a.status_code,
        error: a.error,
        durationMs: a.duration_ms,
      })),
    };
  }

  /**
   * Sends to a disabled webhook again, with the same secret, from the next event on: messages dropped while it was
   * disabled stay dropped. Open for a webhook the config file manages too (the file says what to send where, not
   * whether a receiver that failed may be tried again). An enabled webhook is answered as it is.
   */
  async enable(id: string): Promise<WebhookView> {
    const row = isUuid(id) ? await this.repo.find(id) : undefined;
    if (!row) throw new NotFound(`webhook ${id} not found`);
    if (row.enabled) return view(row);
    return view(await this.repo.update(row.id, { enabled: true, disabled_reason: null, disabled_at: null }));
  }

  /** `mark`: the config file's apply pruning it (without it, a webhook the file manages answers 409). */
  async delete(id: string, mark?: ConfigMark): Promise<void> {
    const row = isUuid(id) ? await this.repo.find(id) : undefined;
    if (!row) throw new NotFound(`webhook ${id} not found`);
    refuseManaged('webhook', row, mark);
    if (!(await this.repo.delete(id))) throw new NotFound(`webhook ${id} not found`);
  }

  /**
   * http(s), no user or password in it, and (unless CRIER_FEEDS_ALLOW_PRIVATE) a host that resolves only to public
   * addresses. Checked again on every send: each connection goes through the SSRF guard's agents.
   */
  private async checkUrl(text: string): Promise<string> {
    const u = parseWebhookUrl(text);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const permit = addressPermit(this.config.feedsAllowPrivate);
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = (await lookup(host, { all: true })).map((a) => a.address);
      } catch {
        throw new BadInput(`url: the host ${host} does not resolve`);
      }
    }
    if (!addresses.every((a) => permit(a))) throw new BadInput(`url: ${privateAddressMessage('the webhook')}`);
    return u.toString();
  }
}

/** The config file's check refuses a bad secret first; this keeps one from being stored by any other way. */
function assertSecret(secret: string): string {
  const problem = secretProblem(secret);
  if (problem) throw new BadInput(`secret ${problem}`);
  return secret;
}
