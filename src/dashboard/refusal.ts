import { HttpException } from '@nestjs/common';

/**
 * A service's refusal of a dashboard action (a 4xx whose message names the field or the reason): its status and
 * message, for the page to show again with the reason. Anything else (a 5xx, a bug) is thrown on. `statuses`
 * narrows which 4xx a page expects.
 */
export function refusalOf(e: unknown, statuses?: readonly number[]): { status: number; message: string } {
  if (!(e instanceof HttpException)) throw e;
  const status = e.getStatus();
  if (status < 400 || status >= 500 || (statuses && !statuses.includes(status))) throw e;
  const body = e.getResponse() as { message?: unknown };
  return { status, message: typeof body.message === 'string' ? body.message : e.message };
}
