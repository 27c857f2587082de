import { z } from 'zod';

/**
 * The whole configuration, read once at boot from the environment. This file is the only reader of
 * process.env (see loadConfig's caller in main.ts); everything else receives an AppConfig.
 */
export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];
/** Where BullMQ keeps the queues: Redis, or PostgreSQL (DATABASE_URL's database, else the embedded PGlite). */
export const QUEUE_KINDS = ['redis', 'postgres'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];
/** Redis when CRIER_QUEUE=redis is given without REDIS_URL: the local server, as before REDIS_URL became optional. */
const LOCAL_REDIS = 'redis://127.0.0.1:6379';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { message: `must be at least ${min}` })
        .max(max, { message: `must be at most ${max}` }),
    );

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` },
  );

const envSchema = z.object({
  CRIER_ROLE: z.enum(ROLES, { message: 'must be all, api or worker' }).default('all'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  CRIER_QUEUE: z.enum(QUEUE_KINDS, { message: 'must be redis or postgres' }).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  CRIER_DATA_DIR: z.string().min(1).default('./data'),
  CRIER_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits, dots, dashes or underscores' })
    .default('crier'),
  CRIER_API_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  CRIER_SECRET_KEY: z.string().optional(),
  CRIER_SECRET_KEY_PREVIOUS: z.string().optional(),
  CRIER_FEEDS_POLL_SECONDS: int(1, 86400).default(300),
  CRIER_FEEDS_ALLOW_PRIVATE: bool.default(false),
  CRIER_PLATFORMS_ALLOW_PRIVATE: bool.default(false),
  CRIER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CRIER_MAX_ATTEMPTS: int(1, 50).default(5),
  CRIER_RETRY_BASE_MS: int(10, 3_600_000).default(30_000),
  CRIER_RETRY_MAX_MS: int(10, 86_400_000).default(3_600_000),
  CRIER_SWEEP_SECONDS: int(1, 3600).default(60),
  CRIER_RETENTION_DAYS: int(1, 3650).default(30),
  CRIER_IDEMPOTENCY_RETENTION_HOURS: int(1, 8760).default(24),
  CRIER_HTTP_TIMEOUT_MS: int(100, 600_000).default(30_000),
  CRIER_WORKER_CONCURRENCY: int(1, 100).default(4),
  CRIER_JOB_LOCK_MS: int(1000, 600_000).default(30_000),
  CRIER_DB_POOL_SIZE: int(1, 200).default(10),
  CRIER_LLM_BASE_URL: url(['http:', 'https:'])
    .refine((v) => URL.canParse(v) && !new URL(v).username && !new URL(v).password, {
      message: 'must not contain a user or password',
    })
    .optional(),
  CRIER_LLM_MODEL: z.string().max(200, { message: 'must be at most 200 characters' }).optional(),
  CRIER_LLM_API_KEY: z.string().max(4096, { message: 'must be at most 4096 characters' }).optional(),
  CRIER_LLM_TIMEOUT_MS: int(100, 120_000).default(10_000),
  CRIER_PUBLIC_URL: url(['http:', 'https:']).optional(),
  CRIER_WEBHOOKS_TIMEOUT_MS: int(100, 120_000).default(10_000),
  CRIER_WEBHOOKS_RETRY_BASE_MS: int(1, 600_000).default(5_000),
  CRIER_CONFIG: z.string().max(4096, { message: 'must be at most 4096 characters' }).optional(),
});

export interface AppConfig {
  role: Role;
  port: number;
  host: string;
  /** CRIER_QUEUE, else `redis` when REDIS_URL is set and `postgres` when it is not; printed at start, in /health. */
  queue: QueueKind;
  /** Set when `queue` is `redis`. */
  redisUrl: string | undefined;
  databaseUrl: string | undefined;
  dataDir: string;
  queuePrefix: string;
  /** Secret: never log. Resolved by the bootstrap (generated in dev when unset). */
  apiToken: string | undefined;
  /** Secret: never log. Raw text as given; parsed by CredentialCipher. */
  secretKey: string | undefined;
  /** Secret: never log. The old key during a rotation: read with, never written with (README, "The encryption key"). */
  secretKeyPrevious: string | undefined;
  feedsPollSeconds: number;
  feedsAllowPrivate: boolean;
  /** Whether platform API calls (an account's apiBaseUrl) may reach loopback, private or link-local addresses. */
  platformsAllowPrivate: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  sweepSeconds: number;
  /** Attempts of deliveries finished this long ago, and feed items gone from their feed this long, are deleted. */
  retentionDays: number;
  /** Idempotency keys older than this are deleted (a retry with the key then makes a new post). */
  idempotencyRetentionHours: number;
  httpTimeoutMs: number;
  workerConcurrency: number;
  jobLockMs: number;
  /** Connections of Crier's own PostgreSQL pool in this process (the queue store's pool is apart: queuePool). */
  dbPoolSize: number;
  /** OpenAI-compatible summarizer; null when not configured. `apiKey` is a secret: never log. */
  llm: { baseUrl: string; model: string; apiKey: string | undefined; timeoutMs: number } | null;
  /** Where people reach this Crier (e.g. https://crier.example.org): webhook payloads link to the dashboard there. */
  publicUrl: string | undefined;
  /** A webhook receiver must answer within this long. */
  webhooksTimeoutMs: number;
  /** The unit of the webhook retry schedule (src/webhooks/webhook-retry.ts): 5 s gives about 31 hours in all. */
  webhooksRetryBaseMs: number;
  /** CRIER_CONFIG as given: the config file the API role applies at start (src/config-file/); unset: the default. */
  configFile: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment and lists every bad variable at once. Values of secrets never appear in messages. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') cleaned[key] = v;
  }
  const parsed = envSchema.safeParse(cleaned);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`);
  problems.push(...llmProblems(cleaned));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  // Never switched silently: the choice follows from what is set, and main prints it at start.
  const queue: QueueKind = e.CRIER_QUEUE ?? (e.REDIS_URL ? 'redis' : 'postgres');
  return {
    role: e.CRIER_ROLE,
    port: e.PORT,
    host: e.HOST,
    queue,
    redisUrl: queue === 'redis' ? (e.REDIS_URL ?? LOCAL_REDIS) : undefined,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.CRIER_DATA_DIR,
    queuePrefix: e.CRIER_QUEUE_PREFIX,
    apiToken: e.CRIER_API_TOKEN,
    secretKey: e.CRIER_SECRET_KEY,
    secretKeyPrevious: e.CRIER_SECRET_KEY_PREVIOUS,
    feedsPollSeconds: e.CRIER_FEEDS_POLL_SECONDS,
    feedsAllowPrivate: e.CRIER_FEEDS_ALLOW_PRIVATE,
    platformsAllowPrivate: e.CRIER_PLATFORMS_ALLOW_PRIVATE,
    logLevel: e.CRIER_LOG_LEVEL,
    maxAttempts: e.CRIER_MAX_ATTEMPTS,
    retryBaseMs: e.CRIER_RETRY_BASE_MS,
    retryMaxMs: e.CRIER_RETRY_MAX_MS,
    sweepSeconds: e.CRIER_SWEEP_SECONDS,
    retentionDays: e.CRIER_RETENTION_DAYS,
    idempotencyRetentionHours: e.CRIER_IDEMPOTENCY_RETENTION_HOURS,
    httpTimeoutMs: e.CRIER_HTTP_TIMEOUT_MS,
    workerConcurrency: e.CRIER_WORKER_CONCURRENCY,
    jobLockMs: e.CRIER_JOB_LOCK_MS,
    dbPoolSize: e.CRIER_DB_POOL_SIZE,
    llm:
      e.CRIER_LLM_BASE_URL && e.CRIER_LLM_MODEL
        ? {
            baseUrl: e.CRIER_LLM_BASE_URL,
            model: e.CRIER_LLM_MODEL,
            apiKey: e.CRIER_LLM_API_KEY,
            timeoutMs: e.CRIER_LLM_TIMEOUT_MS,
          }
        : null,
    configFile: e.CRIER_CONFIG,
    publicUrl: e.CRIER_PUBLIC_URL === undefined ? undefined : withoutTrailingSlashes(e.CRIER_PUBLIC_URL),
    webhooksTimeoutMs: e.CRIER_WEBHOOKS_TIMEOUT_MS,
    webhooksRetryBaseMs: e.CRIER_WEBHOOKS_RETRY_BASE_MS,
  };
}

function withoutTrailingSlashes(v: string): string {
  let end = v.length;
  while (end > 0 && v[end - 1] === '/') end--;
  return v.slice(0, end);
}

/** The LLM variables go together: a base URL needs a model, and a model or key without a base URL is a mistake. */
function llmProblems(env: Record<string, string>): string[] {
  const has = (k: string) => env[k] !== undefined;
  if (has('CRIER_LLM_BASE_URL'))
    return has('CRIER_LLM_MODEL') ? [] : ['CRIER_LLM_MODEL is required when CRIER_LLM_BASE_URL is set'];
  return ['CRIER_LLM_MODEL', 'CRIER_LLM_API_KEY'].filter(has).map((k) => `${k} is set but CRIER_LLM_BASE_URL is not`);
}

export const APP_CONFIG = Symbol('APP_CONFIG');
