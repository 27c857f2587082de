import { HttpException } from '@nestjs/common';
import { decodeCursor, encodeCursor } from './listing-cursor';

describe('list cursors', () => {
  const key = { at: new Date('2026-12-06T09:30:00.123Z'), id: '0b9f5a64-3c1e-4d2f-9a8b-7c6d5e4f3a2b' };

  it('round-trip the sort key of the last row, to the millisecond', () => {
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(key);
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['empty', ''],
    ['an object', Buffer.from(JSON.stringify({ at: key.at, id: key.id })).toString('base64url')],
    ['a bad time', Buffer.from(JSON.stringify(['yesterday', key.id])).toString('base64url')],
    ['a bad id', Buffer.from(JSON.stringify([key.at.toISOString(), 'x'])).toString('base64url')],
    ['too many parts', Buffer.from(JSON.stringify([key.at.toISOString(), key.id, 1])).toString('base64url')],
    ['a string', Buffer.from(JSON.stringify('ab')).toString('base64url')],
  ])('refuse %s with a 400 naming cursor', (_what, cursor) => {
    let thrown: unknown;
    try {
      decodeCursor(cursor);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(HttpException);
    const err = thrown as HttpException;
    expect(err.getStatus()).toBe(400);
    expect((err.getResponse() as { message: string }).message).toMatch(/^cursor /);
  });
});
