import { HttpResponse } from '../http';
import {
  classifyRefusal,
  classifyRumbleStatus,
  describeFieldErrors,
  rumbleFieldErrors,
  somethingWentWrongOnly,
} from './rumble.errors';

const res = (status: number, text = '', headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers,
  text,
  json: undefined,
});

describe('rumble field errors', () => {
  it('flattens errors:{field:{code,message}} and tolerates strings and odd values', () => {
    const json = {
      success: false,
      errors: { title: { code: 'REQUIRED', message: 'Title needed' }, video: 'bad', x: 3 },
    };
    expect(rumbleFieldErrors(json)).toEqual([
      { field: 'title', code: 'REQUIRED', message: 'Title needed' },
      { field: 'video', code: '', message: 'bad' },
      { field: 'x', code: '', message: '' },
    ]);
    expect(rumbleFieldErrors({ success: false })).toEqual([]);
    expect(describeFieldErrors(rumbleFieldErrors(json))).toBe(
      'title: Title needed (REQUIRED); video: bad; x: rejected',
    );
  });

  it('tells Rumble’s own hiccup from field problems and token problems', () => {
    const wrong = { _: { code: 'SOMETHING_WENT_WRONG', message: 'Oops' } };
    expect(somethingWentWrongOnly(rumbleFieldErrors({ errors: wrong }))).toBe(true);
    expect(classifyRefusal({ success: false, errors: wrong }, 200).kind).toBe('transient');
    const mixed = { ...wrong, title: { code: 'TOO_LONG', message: 'long' } };
    expect(classifyRefusal({ success: false, errors: mixed }, 200).kind).toBe('permanent');
    const token = { access_token: { code: 'INVALID', message: 'Invalid token' } };
    expect(classifyRefusal({ success: false, errors: token }, 200).kind).toBe('reauth');
    expect(classifyRefusal({ success: false }, 200)).toMatchObject({
      kind: 'permanent',
      message: 'rumble upload refused: refused without details',
    });
  });
});

describe('classifyRumbleStatus', () => {
  it.each([
    [403, 'upload', 'reauth'],
    [401, 'upload', 'reauth'],
    [404, 'upload', 'reauth'],
    [302, 'upload', 'reauth'],
    [500, 'upload', 'ambiguous'],
    [504, 'upload', 'ambiguous'],
    [500, 'verify', 'transient'],
    [429, 'upload', 'transient'],
    [408, 'upload', 'transient'],
    [413, 'upload', 'permanent'],
    [400, 'upload', 'permanent'],
  ] as const)('%i on %s → %s', (status, phase, kind) => {
    expect(classifyRumbleStatus(res(status, 'x'), phase).kind).toBe(kind);
  });

  it('treats a Cloudflare 403 page as transient (rule 7), not as a bad token', () => {
    const page = '<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>';
    expect(classifyRumbleStatus(res(403, page), 'upload').kind).toBe('transient');
  });
});
