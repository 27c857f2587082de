import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { BadInput } from './errors';
import {
  findHostileInput,
  HOSTILE_INPUT,
  hostileInputGuard,
  MAX_DEPTH,
  MAX_KEY_LENGTH,
  MAX_STRING_LENGTH,
  MAX_TEXT_LENGTH,
  refuseDeepJson,
} from './hostile-input';
import { tooDeepJsonPath } from './json-depth';

const nested = (levels: number, open = '[', close = ']', inner = '') =>
  open.repeat(levels) + inner + close.repeat(levels);
const bytes = (s: string) => Buffer.from(s, 'utf8');
/** `{"a":{"a":…{"a":1}…}}`, `levels` objects deep, as a value. */
const deepObject = (levels: number) => JSON.parse(nested(levels, '{"a":', '}', '1')) as unknown;

describe('tooDeepJsonPath (raw body)', () => {
  it('lets MAX_DEPTH levels through and refuses one more, naming where', () => {
    expect(tooDeepJsonPath(bytes(nested(MAX_DEPTH)), MAX_DEPTH)).toBeNull();
    expect(tooDeepJsonPath(bytes(nested(MAX_DEPTH + 1)), MAX_DEPTH)).toBe('[0][0][0][0]…');
    const body = `{"platform":"x","credentials":${nested(50_000)}}`;
    expect(tooDeepJsonPath(bytes(body), MAX_DEPTH)).toBe('credentials[0][0][0]…');
  });

  it('names keys and array indexes on the way', () => {
    const body = `{"a":1,"overrides":{"id":[0,1,${nested(3, '{"k":', '}', '1')}]}}`;
    expect(tooDeepJsonPath(bytes(body), 3)).toBe('overrides.id[2]');
    expect(tooDeepJsonPath(bytes(body), 4)).toBe('overrides.id[2].k');
    expect(tooDeepJsonPath(bytes(body), 5)).toBe('overrides.id[2].k…');
    expect(tooDeepJsonPath(bytes(body), 6)).toBeNull();
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ text: `${'['.repeat(100)} \\" "{{{{ ${'{'.repeat(100)}` });
    expect(tooDeepJsonPath(bytes(text), 2)).toBeNull();
    expect(tooDeepJsonPath(bytes(`{"a\\"[[[":[[1]]}`), 2)).toBe('a"[[[[0]');
  });

  it('reads multi-byte text without mistaking its bytes for brackets', () => {
    expect(tooDeepJsonPath(bytes(JSON.stringify({ 'ключ🙂': ['Ǜ[', '中{'] })), 2)).toBeNull();
    expect(tooDeepJsonPath(bytes('{"ключ🙂":[[1]]}'), 2)).toBe('ключ🙂[0]');
  });

  it('does not repeat a long or odd key back', () => {
    expect(tooDeepJsonPath(bytes(`{"${'k'.repeat(100)}":[[1]]}`), 2)).toBe('?[0]');
    expect(tooDeepJsonPath(bytes('{"a\\u0000":[[1]]}'), 2)).toBe('?[0]');
  });

  it('scans any depth without recursion', () => {
    expect(tooDeepJsonPath(bytes(nested(100_000)), 200_000)).toBeNull();
  });
});

describe('findHostileInput (parsed body or query)', () => {
  it('passes ordinary bodies', () => {
    expect(findHostileInput(undefined)).toBeNull();
    expect(findHostileInput(Buffer.from('{"constructor":1}'))).toBeNull();
    expect(
      findHostileInput({
        article: { url: 'https://x.example/a', title: 'Ünïcode 🙂', html: 'x'.repeat(MAX_TEXT_LENGTH), tags: ['a'] },
        overrides: { '0d7c6a3e-0000-4000-8000-000000000000': { text: 'y'.repeat(MAX_TEXT_LENGTH) } },
        n: 1,
        b: false,
        z: null,
      }),
    ).toBeNull();
  });

  it('refuses prototype keys anywhere, naming them', () => {
    expect(findHostileInput(JSON.parse('{"credentials":{"constructor":{}}}'))).toBe(
      'credentials.constructor is a reserved name and not allowed',
    );
    expect(findHostileInput(JSON.parse('{"overrides":{"x":{"__proto__":{"text":1}}}}'))).toBe(
      'overrides.x.__proto__ is a reserved name and not allowed',
    );
    expect(findHostileInput(JSON.parse('[{"a":[{"prototype":1}]}]'))).toBe(
      '[0].a[0].prototype is a reserved name and not allowed',
    );
    expect(findHostileInput(Object.assign(Object.create(null), { constructor: 'x' }), 'query')).toBe(
      'constructor is a reserved name and not allowed',
    );
  });

  it('refuses NUL and unpaired surrogates in values and keys', () => {
    expect(findHostileInput({ name: 'a\u0000b' })).toBe('name must not contain NUL characters (\\u0000)');
    expect(findHostileInput({ article: { title: 'x\u0000' } })).toMatch(/^article\.title must not contain NUL/);
    expect(findHostileInput({ tags: ['ok', 'a\ud800b'] })).toMatch(/^tags\[1\] must not contain unpaired surrogates/);
    expect(findHostileInput({ text: 'end\udc00' })).toMatch(/^text must not contain unpaired/);
    expect(findHostileInput({ text: 'pair 🙂 \ud83d\ude42' })).toBeNull();
    expect(findHostileInput({ settings: { 'a\u0000': 'x' } })).toBe(
      'settings has a key with a NUL character (\\u0000)',
    );
    expect(findHostileInput({ '\ud800': 1 })).toMatch(/^body has a key with an unpaired surrogate/);
  });

  it('caps strings, free text higher, and keys', () => {
    expect(findHostileInput({ name: 'n'.repeat(MAX_STRING_LENGTH) })).toBeNull();
    expect(findHostileInput({ credentials: { token: 't'.repeat(MAX_STRING_LENGTH + 1) } })).toBe(
      `credentials.token is longer than ${MAX_STRING_LENGTH} characters`,
    );
    expect(findHostileInput({ article: { html: 'h'.repeat(MAX_TEXT_LENGTH + 1) } })).toBe(
      `article.html is longer than ${MAX_TEXT_LENGTH} characters`,
    );
    expect(findHostileInput({ settings: { ['k'.repeat(MAX_KEY_LENGTH + 1)]: 'v' } })).toBe(
      `settings has a key longer than ${MAX_KEY_LENGTH} characters`,
    );
  });

  it('refuses nesting past MAX_DEPTH without recursion, however deep', () => {
    expect(findHostileInput(deepObject(MAX_DEPTH))).toBeNull();
    expect(findHostileInput(deepObject(MAX_DEPTH + 1))).toBe(`a.a.a.a… is nested deeper than ${MAX_DEPTH} levels`);
    expect(findHostileInput({ overrides: deepObject(100_000) })).toMatch(/^overrides\.a\.a\.a… is nested deeper/);
    expect(findHostileInput(JSON.parse(nested(200_000)))).toBe(
      `[0][0][0][0]… is nested deeper than ${MAX_DEPTH} levels`,
    );
  });
});

describe('refuseDeepJson (body-parser verify)', () => {
  const verify = (body: string, encoding = 'utf-8') =>
    refuseDeepJson({} as IncomingMessage, {} as ServerResponse, bytes(body), encoding);

  it('throws an error the filter answers with 400, naming the field', () => {
    expect(() => verify(`{"credentials":${nested(20_000)}}`)).toThrow(
      expect.objectContaining({
        type: HOSTILE_INPUT,
        message: `credentials[0][0][0]… is nested deeper than ${MAX_DEPTH} levels`,
      }),
    );
    expect(() => verify('{"a":[1]}')).not.toThrow();
  });

  it('leaves a body in another charset to the check after parsing', () => {
    expect(() => verify(nested(100), 'utf-16le')).not.toThrow();
  });
});

describe('hostileInputGuard', () => {
  const run = (req: Partial<Request>) => {
    const next = jest.fn();
    hostileInputGuard()(req as Request, {} as Response, next);
    expect(next).toHaveBeenCalledTimes(1);
    return next.mock.calls[0][0] as unknown;
  };

  it('passes clean input on and refuses body or query problems with BadInput', () => {
    expect(run({ body: { name: 'ok' }, query: { limit: '5' } })).toBeUndefined();
    const body = run({ body: { article: { title: 'a\u0000' } }, query: {} });
    expect(body).toBeInstanceOf(BadInput);
    expect((body as InstanceType<typeof BadInput>).getResponse()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'article.title must not contain NUL characters (\\u0000)',
    });
    const query = run({ body: undefined, query: { cursor: ['a', 'b\u0000'] } });
    expect((query as Error).message).toBe('cursor[1] must not contain NUL characters (\\u0000)');
  });
});
