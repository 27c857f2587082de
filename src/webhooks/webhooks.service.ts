import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { CredentialCipher } from '../accounts/credential-cipher';
import { BadInput, isUuid, NotFound } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { WebhookRow } from '../database/schema';
import { addressPermit, privateAddressMessage } from '../platforms/net-guard';
import { newSecret } from './webhook-signature';
import { WebhooksRepository } from './webhooks.repository';

/** How many of a webhook's last attempts GET /webhooks/:id shows. */
export const LAST_ATTEMPTS = 20;

export interface WebhookView {
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
  };
}

/**
 * Webhook receivers over the API. The signing secret is made here, shown once in the answer to the create and
 * stored only encrypted (the credential cipher, the webhook id as additional data).
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

  async delete(id: string): Promise<void> {
    if (!isUuid(id) || !(await this.repo.delete(id))) throw new NotFound(`webhook ${id} not found`);
  }

  /**
   * http(s), no user or password in it, and (unless CRIER_FEEDS_ALLOW_PRIVATE) a host that resolves only to public
   * addresses. Checked again on every send: each connection goes through the SSRF guard's agents.
   */
  private async checkUrl(text: string): Promise<string> {
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      throw new BadInput('url must be an http or https URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new BadInput('url must be an http or https URL');
    if (u.username || u.password) throw new BadInput('url must not contain a user or password');
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
