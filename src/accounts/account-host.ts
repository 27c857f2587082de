import { BadInput } from '../common/errors';

/**
 * Credentials belong to the host they were issued for. Anyone who may PATCH an account could otherwise point its
 * `apiBaseUrl` at a host of their own and receive the stored secrets with the next verify or publish, so moving an
 * account to another origin (scheme, host, port) needs the new credentials, complete, in the same request. A change
 * that keeps the origin (a path) keeps them.
 */

/** The origin of an API base URL, or null when there is none or it does not parse. */
export function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Whether going from `before` to `after` (effective base URLs, platform defaults applied) moves the account to
 * another origin. Throws BadInput naming `credentials` when it does and none were given.
 */
export function checkHostMove(
  before: string | undefined,
  after: string | undefined,
  credentialsGiven: boolean,
): boolean {
  const from = originOf(before);
  const to = originOf(after);
  if (from === to) return false;
  if (!credentialsGiven) {
    throw new BadInput(
      `credentials are required when settings.apiBaseUrl moves to another host (${from ?? 'none'} → ${to ?? 'none'}): ` +
        'the stored ones stay with the host they were issued for; give the complete credentials for the new host',
    );
  }
  return true;
}
