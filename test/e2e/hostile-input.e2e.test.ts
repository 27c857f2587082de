import { connect } from 'node:net';
import fc from 'fast-check';
import { CrierProcess } from '../support/crier-process';
import { E2EStack, inSeconds } from '../support/e2e-stack';
import {
  bodyArbitrary,
  headerValue,
  KnownIds,
  pathArbitrary,
  queryArbitrary,
  renderBody,
  Route,
  routesOf,
} from '../support/hostile-requests';

jest.setTimeout(60_000);

/** Fixed, so that a failure reproduces (fast-check prints seed and path); CRIER_FUZZ_SEED explores others. */
const SEED = Number(process.env.CRIER_FUZZ_SEED ?? 20_261_208);
/** Generated requests per route (about 2,800 in all); CRIER_FUZZ_RUNS raises it for a longer hunt. */
const RUNS_PER_ROUTE = Number(process.env.CRIER_FUZZ_RUNS ?? 120);

/** Deep nesting, prototype keys, NUL, lone surrogates and oversize strings: a 400 naming the field, not a 500. */
describe('hostile input on the HTTP API', () => {
  let stack: E2EStack;
  let crier: CrierProcess;
  let ids: KnownIds;

  beforeAll(async () => {
    stack = await E2EStack.create();
    // The API role: nothing is published, so the generated posts that pass validation stay scheduled.
    crier = await stack.start('api', { CRIER_LOG_LEVEL: 'warn' });
    const api = crier.api();
    const account = await api
      .post('/api/v1/accounts')
      .send({
        platform: 'telegram',
        name: 'Channel',
        credentials: { botToken: '1:abc' },
        settings: { chatId: '1', apiBaseUrl: 'http://127.0.0.1:9' },
      })
      .expect(201);
    const article = await api
      .post('/api/v1/articles')
      .send({ url: 'https://news.example/a', title: 'A title', text: 'Some text.' })
      .expect(201);
    const post = await api
      .post('/api/v1/posts')
      .send({ text: 'hello', accountIds: [account.body.id], scheduledAt: inSeconds(86_400) })
      .expect(201);
    ids = { accountId: account.body.id, articleId: article.body.id, postId: post.body.id };
  });

  afterAll(async () => {
    await stack?.close();
  });

  const send = async (method: string, path: string, body?: Buffer | string, contentType = 'application/json') => {
    const res = await fetch(`${crier.url}${path}`, {
      method: method.toUpperCase(),
      headers: { Authorization: `Bearer ${stack.secrets.apiToken}`, 'Content-Type': contentType },
      body,
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: asserted on below where it matters
    }
    return { status: res.status, text, json: json as { statusCode?: number; message?: string } | null };
  };

  /** Rows in every table a request can write. */
  const rowCounts = async () =>
    (
      await stack.db.query(
        `SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM articles) AS articles,
                (SELECT count(*) FROM posts) AS posts, (SELECT count(*) FROM deliveries) AS deliveries,
                (SELECT count(*) FROM feeds) AS feeds, (SELECT count(*) FROM idempotency_keys) AS keys`,
      )
    ).rows[0];

  const deep = (levels: number, open: string, close: string, inner = '') =>
    open.repeat(levels) + inner + close.repeat(levels);

  describe('the requests that answered 500 (or were silently accepted) refuse with 400 and write nothing', () => {
    const account = () => ({ platform: 'telegram', name: 'x', settings: { chatId: '1' } });
    /** `{account}` in a path or field stands for the id of the account made in beforeAll. */
    interface Case {
      what: string;
      route: string;
      body: () => string | Buffer;
      field: string;
      contentType?: string;
    }
    const cases: Case[] = [
      {
        what: 'arrays 20,000 deep',
        route: 'POST /api/v1/accounts',
        body: () => `{"platform":"telegram","credentials":${deep(20_000, '[', ']')}}`,
        field: 'credentials[0][0][0]… is nested deeper than 32 levels',
      },
      {
        what: 'objects 50,000 deep',
        route: 'POST /api/v1/accounts',
        body: () => `{"name":"x","settings":${deep(50_000, '{"a":', '}', '1')}}`,
        field: 'settings.a.a.a… is nested deeper',
      },
      {
        what: 'objects 20,000 deep',
        route: 'POST /api/v1/posts',
        body: () => `{"text":"hi","overrides":${deep(20_000, '{"a":', '}', '1')}}`,
        field: 'overrides.a.a.a… is nested deeper',
      },
      {
        what: 'arrays 50,000 deep',
        route: 'POST /api/v1/posts',
        body: () => `{"text":"hi","accountIds":${deep(50_000, '[', ']')}}`,
        field: 'accountIds[0][0][0]… is nested deeper',
      },
      {
        what: 'arrays 40,000 deep in UTF-16 (checked after parsing)',
        route: 'POST /api/v1/accounts',
        body: () => Buffer.from(`{"credentials":${deep(40_000, '[', ']')}}`, 'utf16le'),
        field: 'credentials[0][0][0]… is nested deeper',
        contentType: 'application/json; charset=utf-16le',
      },
      {
        what: 'constructor in credentials (82 bytes)',
        route: 'POST /api/v1/accounts',
        body: () => '{"platform":"telegram","name":"x","credentials":{"constructor":{"botToken":"1:"}}}',
        field: 'credentials.constructor is a reserved name',
      },
      {
        what: 'constructor in overrides',
        route: 'POST /api/v1/posts',
        body: () => `{"text":"hi","accountIds":["{account}"],"overrides":{"constructor":{"text":"x"}}}`,
        field: 'overrides.constructor is a reserved name',
      },
      {
        what: '__proto__ in an override',
        route: 'POST /api/v1/posts',
        body: () => `{"text":"hi","accountIds":["{account}"],"overrides":{"{account}":{"text":"a","__proto__":{}}}}`,
        field: 'overrides.{account}.__proto__ is a reserved name',
      },
      {
        what: 'prototype in new credentials',
        route: 'PATCH /api/v1/accounts/{account}',
        body: () => '{"credentials":{"prototype":"x"}}',
        field: 'credentials.prototype is a reserved name',
      },
      {
        what: 'NUL in an account name',
        route: 'POST /api/v1/accounts',
        body: () => JSON.stringify({ ...account(), name: 'News\u0000room', credentials: { botToken: '1:a' } }),
        field: 'name must not contain NUL',
      },
      {
        what: 'NUL in an article title',
        route: 'POST /api/v1/articles',
        body: () => JSON.stringify({ url: 'https://news.example/nul', title: 'A\u0000B', text: 't' }),
        field: 'title must not contain NUL',
      },
      {
        what: 'NUL in a previewed article title',
        route: 'POST /api/v1/previews',
        body: () => JSON.stringify({ article: { url: 'https://news.example/p', title: '\u0000' }, platforms: ['x'] }),
        field: 'article.title must not contain NUL',
      },
      {
        what: 'NUL in a post text',
        route: 'POST /api/v1/posts',
        body: () => JSON.stringify({ text: 'a\u0000b', accountIds: ['{account}'] }),
        field: 'text must not contain NUL',
      },
      {
        what: 'a lone surrogate in a post text',
        route: 'POST /api/v1/posts',
        body: () => JSON.stringify({ text: 'half \ud83d a smile', accountIds: ['{account}'] }),
        field: 'text must not contain unpaired surrogates',
      },
      {
        what: 'a 10,002-character token',
        route: 'POST /api/v1/accounts',
        body: () => JSON.stringify({ ...account(), credentials: { botToken: `1:${'a'.repeat(10_000)}` } }),
        field: 'credentials.botToken is longer than 10000 characters',
      },
      {
        what: 'null for an optional field (was a TypeError)',
        route: 'POST /api/v1/posts',
        body: () => '{"text":"hi","accountIds":["{account}"],"scheduledAt":null}',
        field: 'scheduledAt must not be null',
      },
      {
        what: 'NUL in a query',
        route: 'GET /api/v1/posts?cursor=%00',
        body: () => '',
        field: 'cursor must not contain NUL',
      },
      {
        what: 'constructor in a query',
        route: 'GET /api/v1/posts?constructor=1',
        body: () => '',
        field: 'constructor is a reserved name',
      },
    ];

    it.each(cases)('$route: $what', async ({ route, body, field, contentType }) => {
      const withId = (s: string) => s.replaceAll('{account}', ids.accountId);
      const [method, path] = withId(route).split(' ');
      const raw = body();
      const before = await rowCounts();
      const accountBefore = (await crier.api().get(`/api/v1/accounts/${ids.accountId}`).expect(200)).body;
      const res = await send(
        method,
        path,
        method === 'GET' ? undefined : typeof raw === 'string' ? withId(raw) : raw,
        contentType,
      );
      expect(res.json).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.stringContaining(withId(field)),
      });
      expect(await rowCounts()).toEqual(before);
      expect((await crier.api().get(`/api/v1/accounts/${ids.accountId}`).expect(200)).body).toEqual(accountBefore);
    });

    it('leaves NUL in a header to Node, which refuses it before Crier reads it', async () => {
      const { port } = new URL(crier.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let data = '';
        socket.on('data', (b) => (data += b.toString('latin1')));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.end(
          `POST /api/v1/posts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${stack.secrets.apiToken}\r\n` +
            'Idempotency-Key: a\u0000b\r\nContent-Length: 2\r\n\r\n{}',
          'latin1',
        );
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    });
  });

  it('answers thousands of generated bad requests to every route without a 5xx, and /health still answers', async () => {
    const doc = await fetch(`${crier.url}/docs-json`, {
      headers: { Authorization: `Bearer ${stack.secrets.apiToken}` },
    });
    const routes: Route[] = routesOf(await doc.json(), ids);
    expect(routes.length).toBeGreaterThanOrEqual(20);
    for (const route of routes) {
      const request = fc.record({
        path: pathArbitrary(route, ids),
        query: queryArbitrary(route),
        body: bodyArbitrary(route),
        idempotencyKey: fc.option(headerValue),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const { bytes, contentType } = renderBody(route, r.body);
          const res = await fetch(`${crier.url}${r.path}${r.query ? `?${r.query}` : ''}`, {
            method: route.method.toUpperCase(),
            headers: {
              Authorization: `Bearer ${stack.secrets.apiToken}`,
              'Content-Type': contentType,
              ...(r.idempotencyKey !== null ? { 'Idempotency-Key': r.idempotencyKey } : {}),
            },
            body: route.method === 'get' ? undefined : bytes,
          });
          const text = await res.text();
          if (res.status >= 500) throw new Error(`${route.method} ${r.path} answered ${res.status}: ${text}`);
          if (res.status >= 400) expect(JSON.parse(text)).toMatchObject({ statusCode: res.status });
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE },
      );
      expect((await fetch(`${crier.url}/health`)).status).toBe(200);
    }
    expect(crier.child.exitCode).toBeNull();
  }, 180_000);
});
