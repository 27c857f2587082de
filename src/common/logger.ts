import type { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { redact as scrubSecrets } from '../platforms/http';

/**
 * One pino logger for the process. Known secret-bearing keys are censored wherever they appear, and
 * `redact()` scrubs free text (error messages, URLs with a bot token in the path or a password before the host,
 * Bearer and Basic values, and given secrets in their raw, percent-encoded and JSON-escaped forms) before it is
 * logged or stored.
 */
const SECRET_KEYS = [
  'accessToken',
  'accessSecret',
  'appSecret',
  'appKey',
  'botToken',
  'clientSecret',
  'refreshToken',
  'pageAccessToken',
  'password',
  'apiKey',
  'token',
  'credentials',
  'authorization',
  'Authorization',
  // The same, as the wire (OAuth forms) and the configuration name them.
  'access_token',
  'refresh_token',
  'client_secret',
  'apiToken',
  'secretKey',
  'cookie',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), ...SECRET_KEYS.map((k) => `*.*.${k}`)],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Removes known secret values (in every form), `/bot<token>/` path segments, Bearer and Basic values (http.ts). */
export function redact(text: string, secrets: readonly string[] = []): string {
  return scrubSecrets(text, secrets);
}

/** Nest's logger interface on top of pino, so framework messages go through the same redaction. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    // Nest's start-up chatter (every module and route) is for debugging, not for the operator's console.
    const chatter = context === 'RouterExplorer' || context === 'RoutesResolver' || context === 'InstanceLoader';
    if (chatter) this.logger.debug({ context }, redact(String(message)));
    else this.logger.info({ context }, redact(String(message)));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace: trace ? redact(trace) : undefined }, redact(String(message)));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, redact(String(message)));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, redact(String(message)));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, redact(String(message)));
  }
}

export const LOGGER = Symbol('LOGGER');
export type { Logger };
