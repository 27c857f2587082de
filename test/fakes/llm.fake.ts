import { FakeReply, FakeRequest, FakeServer, Fault } from './fake-server';

/**
 * An OpenAI-compatible chat endpoint (`POST /v1/chat/completions`, `GET /v1/models`), enough for Crier's
 * summarizer: bearer-key check with OpenAI's 401 shape, request validation with its 400 shape, and answers from
 * `answer` (a fixed text by default, or a function of the request). Faults come from FakeServer: `failNext` with
 * a status for errors, `delayMs` for timeouts, `drop` for a lost connection.
 */

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
}

export interface LlmFakeOptions {
  apiKey?: string;
  model?: string;
}

export const DEFAULT_LLM_KEY = 'sk-fake-0123456789abcdefghijklmnopqrstuv';
export const FAKE_SUMMARY =
  'The council passed the budget after a night of debate. Transport gets more money from May.';
export const COMPLETIONS = 'POST /v1/chat/completions';

/** OpenAI's error body. */
export function openAiError(
  status: number,
  message: string,
  type = 'invalid_request_error',
  code: string | null = null,
): Fault {
  return { status, body: { error: { message, type, param: null, code } } };
}

/** The character limit the summarizer put in its system prompt ("at most N characters"). */
export function requestedMaxChars(req: ChatRequest): number | null {
  const m = /at most (\d+) characters/.exec(req.messages.find((x) => x.role === 'system')?.content ?? '');
  return m ? Number(m[1]) : null;
}

export class LlmFake extends FakeServer {
  readonly apiKey: string;
  readonly model: string;
  /** What the model answers; tests replace it. */
  answer: (req: ChatRequest) => string = () => FAKE_SUMMARY;
  private nextId = 1;

  constructor(opts: LlmFakeOptions = {}) {
    super();
    this.apiKey = opts.apiKey ?? DEFAULT_LLM_KEY;
    this.model = opts.model ?? 'fake-summarizer-1';
    this.route('POST', '/v1/chat/completions', (req) => this.complete(req));
    this.route(
      'GET',
      '/v1/models',
      (req) =>
        this.authorized(req) ?? {
          status: 200,
          body: { object: 'list', data: [{ id: this.model, object: 'model', owned_by: 'crier-tests' }] },
        },
    );
  }

  static async start(opts: LlmFakeOptions = {}): Promise<LlmFake> {
    const fake = new LlmFake(opts);
    await fake.start();
    return fake;
  }

  /** The base URL to configure (`CRIER_LLM_BASE_URL`): OpenAI's convention includes the version. */
  get apiBaseUrl(): string {
    return `${this.baseUrl}/v1`;
  }

  /** Chat requests received, parsed. */
  get chats(): ChatRequest[] {
    return this.requestsTo(COMPLETIONS).map((r) => r.body as ChatRequest);
  }

  protected notFound(req: FakeRequest): FakeReply {
    return {
      status: 404,
      body: {
        error: {
          message: `Unknown request URL: ${req.method} ${req.path}.`,
          type: 'invalid_request_error',
          param: null,
          code: 'unknown_url',
        },
      },
    };
  }

  private authorized(req: FakeRequest): FakeReply | undefined {
    if (req.headers.authorization === `Bearer ${this.apiKey}`) return undefined;
    return {
      status: 401,
      body: {
        error: {
          message: 'Incorrect API key provided.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    };
  }

  private complete(req: FakeRequest): FakeReply {
    const denied = this.authorized(req);
    if (denied) return denied;
    const body = req.body as Partial<ChatRequest> | undefined;
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0) {
      return {
        status: 400,
        body: {
          error: {
            message: "'model' and 'messages' are required",
            type: 'invalid_request_error',
            param: null,
            code: null,
          },
        },
      };
    }
    if (body.model !== this.model) {
      return {
        status: 404,
        body: {
          error: {
            message: `The model '${body.model}' does not exist`,
            type: 'invalid_request_error',
            param: 'model',
            code: 'model_not_found',
          },
        },
      };
    }
    const content = this.answer(body as ChatRequest);
    return {
      status: 200,
      body: {
        id: `chatcmpl-${this.nextId++}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: this.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: 100,
          completion_tokens: Math.ceil(content.length / 4),
          total_tokens: 100 + Math.ceil(content.length / 4),
        },
      },
    };
  }
}
