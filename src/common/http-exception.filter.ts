import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { Dependency, unavailableDependency } from './errors';
import { HOSTILE_INPUT } from './hostile-input';
import { redact } from './logger';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Seconds a client should wait before retrying a 503: a restart or failover usually takes a few. */
const RETRY_AFTER_SECONDS = 5;

const UNAVAILABLE: Record<Dependency, string> = {
  database: 'the database is unavailable; try again shortly',
  redis: 'the queue store (Redis) is unavailable; try again shortly',
  unknown: 'a service Crier depends on is unavailable; try again shortly',
};

/**
 * Every error leaves as {statusCode, error, message}. Body-parser failures are the client's: 400 or 413, never 5xx.
 * A lost or refused database or Redis connection is nobody's bug: 503 with Retry-After, so clients retry.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, message } = this.describe(exception);
    if (res.headersSent) return;
    if (status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(status).json({ statusCode: status, error: REASONS[status] ?? 'Error', message });
  }

  private describe(e: unknown): { status: number; message: string } {
    if (e instanceof HttpException) {
      const body = e.getResponse();
      const status = e.getStatus();
      if (typeof body === 'object' && body !== null && 'message' in body) {
        const m = (body as { message: unknown }).message;
        return { status, message: Array.isArray(m) ? m.join('; ') : String(m) };
      }
      return { status, message: typeof body === 'string' ? body : e.message };
    }
    const err = e as { type?: string; status?: number; message?: string; stack?: string };
    if (err?.type === HOSTILE_INPUT) return { status: 400, message: err.message ?? 'bad input' };
    if (err?.type === 'entity.too.large') return { status: 413, message: 'request body is larger than 1 MiB' };
    if (err?.type === 'entity.parse.failed') return { status: 400, message: 'body is not valid JSON' };
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      return { status: err.status, message: err.message ?? 'bad request' };
    }
    const dependency = unavailableDependency(e);
    if (dependency) {
      this.log.warn(`${UNAVAILABLE[dependency]}: ${redact(err?.message ?? String(e))}`);
      return { status: 503, message: UNAVAILABLE[dependency] };
    }
    this.log.error(redact(err?.message ?? String(e)), err?.stack ? redact(err.stack) : undefined);
    return { status: 500, message: 'internal error' };
  }
}
