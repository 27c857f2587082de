import { HttpException, HttpStatus } from '@nestjs/common';

/** HTTP errors in the shape of API.md: {statusCode, error, message}, message naming the offending field. */
function make(status: HttpStatus, error: string) {
  return class extends HttpException {
    constructor(message: string) {
      super({ statusCode: status, error, message }, status);
    }
  };
}

export const BadInput = make(HttpStatus.BAD_REQUEST, 'Bad Request');
export const NotFound = make(HttpStatus.NOT_FOUND, 'Not Found');
export const Conflict = make(HttpStatus.CONFLICT, 'Conflict');
export const Unprocessable = make(HttpStatus.UNPROCESSABLE_ENTITY, 'Unprocessable Entity');
export const ServiceUnavailable = make(HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(v: string): boolean {
  return UUID.test(v);
}

/** Which backing service an error says is unreachable. */
export type Dependency = 'database' | 'redis' | 'unknown';

/**
 * PostgreSQL SQLSTATEs that mean "the server went away or cannot take us now", not "your query is wrong":
 * class 08 (connection exception), 57P01-03 (admin/crash shutdown, cannot connect now: a restart or failover),
 * 57014 (statement timeout) and 53300 (too many connections).
 */
const PG_UNAVAILABLE = /^(08...|57P0[123]|57014|53300)$/;
/** Socket-level failures, from whichever client met them. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** node-postgres and pg-pool messages for a dead, refused or timed-out connection. */
const PG_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Cannot use a pool after calling end/i;
/** ioredis messages of a fail-fast connection while Redis is down (no offline queue, bounded retries, timeouts). */
const REDIS_MESSAGES =
  /enableOfflineQueue options is false|Connection is closed|Command timed out|max retries per request|Reached the max retries/i;

const UNAVAILABLE = Symbol('crier.unavailable');

/**
 * Marks `e` (as it is, message and code kept) as "this dependency could not be reached": for failures only their
 * origin can name, like a refused connect (a bare ECONNREFUSED could come from anywhere). Returns `e`.
 */
export function markUnavailable<T>(e: T, dependency: Dependency): T {
  if (e && typeof e === 'object') Object.defineProperty(e, UNAVAILABLE, { value: dependency, configurable: true });
  return e;
}

/**
 * The dependency an error says is unavailable (a restart, failover, outage or timeout), or null for any other
 * error. Looks through `cause` and AggregateError's `errors`, as Node and the drivers wrap socket errors there.
 */
export function unavailableDependency(e: unknown, depth = 0): Dependency | null {
  if (!e || typeof e !== 'object' || depth > 4) return null;
  const marked = (e as { [UNAVAILABLE]?: Dependency })[UNAVAILABLE];
  if (marked) return marked;
  const err = e as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : '';
  if (err.name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.test(message)) return 'redis';
  if (PG_UNAVAILABLE.test(code) || PG_MESSAGES.test(message)) return 'database';
  if (SOCKET_CODES.has(code)) return 'unknown';
  const nested = [err.cause, ...(Array.isArray(err.errors) ? err.errors : [])];
  for (const n of nested) {
    const found = unavailableDependency(n, depth + 1);
    if (found) return found;
  }
  return null;
}
