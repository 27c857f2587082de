import fc from 'fast-check';

/** One route of the OpenAPI document (/docs-json). */
export interface Route {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** A body that would pass validation, or null when the route takes none. */
  skeleton: Record<string, unknown> | null;
}

/** Real ids to put in paths and bodies, so that requests get past "not found" to the code behind it. */
export interface KnownIds {
  accountId: string;
  articleId: string;
  postId: string;
}

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  example?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
};
type OpenApi = {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }>; requestBody?: unknown }>>;
  components: { schemas: Record<string, Schema> };
};

/** Every /api route of the running Crier, from its OpenAPI document. */
export function routesOf(document: unknown, ids: KnownIds): Route[] {
  const doc = document as OpenApi;
  const routes: Route[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const body = op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined;
      const schema = body?.content?.['application/json']?.schema;
      routes.push({
        method: method as Route['method'],
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        skeleton: schema ? (sample(doc, schema, '', ids) as Record<string, unknown>) : null,
      });
    }
  }
  return routes;
}

/** A plausible value for a schema: its enum or example, real ids, and URLs that lead nowhere (no outside calls). */
function sample(doc: OpenApi, s: Schema, name: string, ids: KnownIds): unknown {
  if (s.$ref) return sample(doc, doc.components.schemas[s.$ref.split('/').pop() as string], name, ids);
  if (name === 'accountIds') return [ids.accountId];
  if (name === 'articleId') return ids.articleId;
  if (/url$/i.test(name)) return 'http://127.0.0.1:9/feed';
  if (s.enum?.length) return s.enum[0];
  if (s.example !== undefined) return s.example;
  switch (s.type ?? 'string') {
    case 'object':
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, sample(doc, v, k, ids)]));
    case 'array':
      return s.items ? [sample(doc, s.items, name, ids)] : [];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    default:
      return 'x';
  }
}

/** Characters that have broken parsers and databases before, mixed with any UTF-16 code unit. */
const hostileChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udfff', '\ufeff', '"', '\\', '{', '[', '%', '\n') },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);
const hostileString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: hostileChar, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a'.repeat(10_001), 'b'.repeat(200_001), '1e999', '-0', 'null') },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom('2026-12-01T09:00:00+01:00', 'Europe/Berlin', 'Not/AZone', '9999-99-99') },
);
const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'toJSON', ''),
  fc.string({ unit: hostileChar, maxLength: 12 }),
  fc.constant('k'.repeat(201)),
);

/** Any JSON value, a few levels deep, made of hostile strings, keys and numbers. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e308, -1, 0, 2 ** 53 + 1)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** How a body is sent; a deep one is built when sent, so that a failure report stays readable. */
export type BodyPlan =
  | { kind: 'mutated'; field: string; value: unknown }
  | { kind: 'extra-key'; key: string; value: unknown; inside: string | null }
  | { kind: 'deep'; field: string; levels: number; open: '[' | '{"a":' }
  | { kind: 'random'; value: unknown }
  | { kind: 'garbage'; bytes: number[] };

export interface BodyToSend {
  plan: BodyPlan;
  contentType: string;
  utf16: boolean;
}

export function bodyArbitrary(route: Route): fc.Arbitrary<BodyToSend> {
  const base = route.skeleton ?? {};
  const fields = Object.keys(base).length > 0 ? Object.keys(base) : ['x'];
  const objects = Object.keys(base).filter((k) => typeof base[k] === 'object' && !Array.isArray(base[k]));
  const plan: fc.Arbitrary<BodyPlan> = fc.oneof(
    fc.record({ kind: fc.constant('mutated' as const), field: fc.constantFrom(...fields), value: hostileJson }),
    fc.record({
      kind: fc.constant('extra-key' as const),
      key: hostileKey,
      value: hostileJson,
      inside: objects.length > 0 ? fc.option(fc.constantFrom(...objects)) : fc.constant(null),
    }),
    fc.record({
      kind: fc.constant('deep' as const),
      field: fc.constantFrom(...fields),
      levels: fc.oneof(fc.integer({ min: 30, max: 40 }), fc.integer({ min: 1_000, max: 60_000 })),
      open: fc.constantFrom('[' as const, '{"a":' as const),
    }),
    fc.record({ kind: fc.constant('random' as const), value: hostileJson }),
    fc.record({
      kind: fc.constant('garbage' as const),
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }),
    }),
  );
  return fc.record({
    plan,
    contentType: fc.constantFrom('application/json', 'application/merge-patch+json', 'text/plain'),
    utf16: fc.boolean(),
  });
}

const DEEP = '"\u0001deep\u0001"';

/** The bytes and content type of a planned body (UTF-16LE, with its charset, when asked). */
export function renderBody(route: Route, body: BodyToSend): { bytes: Buffer; contentType: string } {
  const base = structuredClone(route.skeleton ?? {});
  const p = body.plan;
  let text: string;
  switch (p.kind) {
    case 'mutated':
      text = JSON.stringify({ ...base, [p.field]: p.value });
      break;
    case 'extra-key': {
      const target = p.inside ? (base[p.inside] as Record<string, unknown>) : base;
      Object.defineProperty(target, p.key, { value: p.value, enumerable: true, configurable: true, writable: true });
      text = JSON.stringify(base);
      break;
    }
    case 'deep': {
      const close = p.open === '[' ? ']' : '}';
      const deep = p.open.repeat(p.levels) + (p.open === '[' ? '' : '1') + close.repeat(p.levels);
      text = JSON.stringify({ ...base, [p.field]: DEEP }).replace(JSON.stringify(DEEP), deep);
      break;
    }
    case 'random':
      text = JSON.stringify(p.value) ?? 'null';
      break;
    case 'garbage':
      return { bytes: Buffer.from(p.bytes), contentType: body.contentType };
  }
  if (!body.utf16) return { bytes: Buffer.from(text, 'utf8'), contentType: body.contentType };
  return { bytes: Buffer.from(text, 'utf16le'), contentType: `${body.contentType}; charset=utf-16le` };
}

/** Percent-encoded arbitrary bytes, or a hostile string encoded as UTF-8 where it can be. */
const queryText = fc.oneof(
  fc
    .array(fc.integer({ min: 0, max: 255 }), { maxLength: 24 })
    .map((b) => b.map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')),
  // A URL carries UTF-8 only: a lone surrogate cannot reach the server in a query, so it is sent as U+FFFD.
  hostileString.filter((s) => s.length < 2_000).map((s) => encodeURIComponent(s.replace(/\p{Cs}/gu, '\ufffd'))),
);

export function queryArbitrary(route: Route): fc.Arbitrary<string> {
  const key = fc.oneof(
    route.queryParams.length > 0 ? fc.constantFrom(...route.queryParams) : fc.constant('limit'),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'status[]', 'limit[a]'),
    queryText,
  );
  return fc
    .array(fc.tuple(key, queryText), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
}

export function pathArbitrary(route: Route, ids: KnownIds): fc.Arbitrary<string> {
  const id = fc.oneof(fc.constantFrom(ids.accountId, ids.articleId, ids.postId), fc.uuid(), queryText);
  return fc
    .array(id, { minLength: route.pathParams.length, maxLength: route.pathParams.length })
    .map((values) => route.pathParams.reduce((p, name, i) => p.replace(`{${name}}`, values[i] || 'x'), route.path));
}

/** An Idempotency-Key of any characters an HTTP client can send (Node refuses the others itself). */
export const headerValue = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
    .map((c) => String.fromCharCode(c)),
  maxLength: 300,
});
