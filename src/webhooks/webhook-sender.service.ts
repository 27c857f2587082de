import { Inject, Injectable } from '@nestjs/common';
import axios from 'axios';
import { CredentialCipher } from '../accounts/credential-cipher';
import { APP_CONFIG, AppConfig } from '../config/config';
import { guardedAgents, isPrivateAddressError, privateAddressMessage } from '../platforms/net-guard';
import { isWebhookEvent } from './webhook-events';
import { buildPayload } from './webhook-payload';
import { MAX_SENDS, retryBudgetMs } from './webhook-retry';
import { signedHeaders } from './webhook-signature';
import { WebhooksRepository } from './webhooks.repository';

/** What one run of a message's job came to. `retry`: the job throws, and BullMQ sends it again on the schedule. */
export type SendResult =
  { kind: 'done'; note: string } | { kind: 'retry'; error: string } | { kind: 'failed'; error: string };

/** A receiver's answer is not read beyond this (only its status counts). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends one outbox message: signed (Standard Webhooks), with the same id and body on every send, through the SSRF
 * guard, within CRIER_WEBHOOKS_TIMEOUT_MS. Every send is recorded; a 2xx delivers the message, anything else is
 * retried until the last of MAX_SENDS, which fails the message and disables its webhook with the reason.
 */
@Injectable()
export class WebhookSenderService {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly cipher: CredentialCipher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `sendNo`: which send of the message this is (1 for the first). */
  async send(messageId: string, sendNo: number): Promise<SendResult> {
    const m = await this.repo.outgoing(messageId);
    if (!m) return { kind: 'done', note: 'the webhook was deleted' };
    if (m.status !== 'pending') return { kind: 'done', note: `already ${m.status}` };
    const now = new Date();
    if (!m.enabled) {
      await this.repo.drop(m.id, now);
      return { kind: 'done', note: 'the webhook is disabled' };
    }
    const key = { id: m.id, webhookId: m.webhook_id };
    let secret: string;
    try {
      secret = this.cipher.decrypt(m.webhook_id, m.secret_enc).secret;
    } catch {
      const error = 'the signing secret cannot be read with the current CRIER_SECRET_KEY';
      await this.repo.recordSend(key, { at: now, statusCode: null, error, durationMs: 0 }, 'failed', error);
      return { kind: 'failed', error };
    }
    if (!isWebhookEvent(m.event)) throw new Error(`unknown webhook event ${m.event}`);
    const body =
      m.body ??
      (await this.repo.freezeBody(m.id, JSON.stringify(buildPayload(m.event, m.facts, this.config.publicUrl))));

    const started = Date.now();
    const { statusCode, error } = await this.post(
      m.url,
      signedHeaders(secret, m.id, Math.floor(started / 1000), body),
      body,
    );
    const attempt = { at: new Date(started), statusCode, error, durationMs: Date.now() - started };
    if (error === null) {
      await this.repo.recordSend(key, attempt, 'delivered');
      return { kind: 'done', note: `delivered (HTTP ${statusCode})` };
    }
    if (sendNo < MAX_SENDS) {
      await this.repo.recordSend(key, attempt, 'retry');
      return { kind: 'retry', error };
    }
    const hours = Math.round(retryBudgetMs(this.config.webhooksRetryBaseMs) / 3_600_000);
    const reason =
      `disabled after message ${m.id} (${m.event}) failed ${MAX_SENDS} sends` +
      (hours >= 1 ? ` over about ${hours} h` : '') +
      `; last: ${error}`;
    await this.repo.recordSend(key, attempt, 'failed', reason);
    return { kind: 'failed', error };
  }

  /** One POST; `error` null on a 2xx, else what went wrong in words (never the address a name resolved to). */
  private async post(
    url: string,
    signature: Record<string, string>,
    body: string,
  ): Promise<{ statusCode: number | null; error: string | null }> {
    try {
      const res = await axios.post(url, body, {
        headers: { 'content-type': 'application/json', 'user-agent': 'Crier-Webhooks/0.1', ...signature },
        timeout: this.config.webhooksTimeoutMs,
        signal: AbortSignal.timeout(this.config.webhooksTimeoutMs),
        maxRedirects: 0,
        maxContentLength: MAX_RESPONSE_BYTES,
        responseType: 'text',
        validateStatus: () => true,
        proxy: false,
        ...guardedAgents(this.config.feedsAllowPrivate),
      });
      const ok = res.status >= 200 && res.status < 300;
      return { statusCode: res.status, error: ok ? null : `HTTP ${res.status}` };
    } catch (e) {
      if (isPrivateAddressError(e)) return { statusCode: null, error: privateAddressMessage('the webhook') };
      const err = e as { code?: string; message?: string };
      const timedOut = err.code === 'ECONNABORTED' || err.code === 'ERR_CANCELED' || err.code === 'ETIMEDOUT';
      return {
        statusCode: null,
        error: timedOut
          ? `no answer within ${this.config.webhooksTimeoutMs} ms`
          : (err.code ?? err.message ?? 'failed'),
      };
    }
  }
}
