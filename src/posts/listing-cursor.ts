import { BadInput, isUuid } from '../common/errors';

/** A list's sort key: a time and the row's id, which breaks ties between rows at the same millisecond. */
export interface Keyset {
  at: Date;
  id: string;
}

/**
 * The opaque `cursor` of a keyset-paginated list: base64url of `[ISO time, id]` of the last row of a page. Keyset,
 * not offset, so rows inserted or removed ahead of the reader neither repeat nor skip rows on later pages.
 */
export function encodeCursor(key: Keyset): string {
  return Buffer.from(JSON.stringify([key.at.toISOString(), key.id])).toString('base64url');
}

/** The keyset in `cursor`; anything this API did not hand out is a 400 naming `cursor`. */
export function decodeCursor(cursor: string): Keyset {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
    const at = new Date(parsed[0]);
    if (!Number.isNaN(at.getTime()) && isUuid(parsed[1])) return { at, id: parsed[1] };
  }
  throw new BadInput('cursor is not a cursor returned by this API');
}
