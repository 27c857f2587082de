import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { checkKeyAtStart, runRekey } from './accounts/secret-key.command';
import { AppModule } from './app.module';
import { bearerAuth } from './common/auth.middleware';
import { unavailableDependency } from './common/errors';
import { HttpErrorFilter } from './common/http-exception.filter';
import { hostileInputGuard, refuseDeepJson } from './common/hostile-input';
import { createLogger, PinoNestLogger, redact } from './common/logger';
import { validationPipe } from './common/validation';
import { ConfigError, loadConfig } from './config/config';
import { applyConfigFileAtStart, runConfigCommand } from './config-file/config-file.command';
import { resolveSecrets } from './config/secrets';
import { DASHBOARD_PATH, mountDashboard, QUEUES_PATH } from './dashboard/dashboard';
import { openDatabase } from './database/database';
import { ADAPTERS, checkRegistry } from './platforms/platform.registry';
import { openQueueBackend, QueueBackend } from './queue/queue-backend';

const BODY_LIMIT = '1mb';
/**
 * SIGTERM must end in exit 0 within 10 s (API.md), whatever the queue store and PostgreSQL are doing. In-flight
 * jobs get APP_CLOSE_MS to finish (QUEUE_DOWN_GRACE_MS when the queue store is down: they cannot complete in BullMQ
 * anyway, only record their outcome in PostgreSQL); then the queue connections are cut so that commands stuck on
 * them fail and the close settles (an unfinished job's lock expires and it runs again), and each later step is
 * bounded too.
 */
const APP_CLOSE_MS = 7_500;
const QUEUE_DOWN_GRACE_MS = 3_000;
const AFTER_DISCONNECT_MS = 500;
const DATABASE_CLOSE_MS = 500;
/** Last resort, should a bounded step above ever not return (a blocked event loop). */
const SHUTDOWN_DEADLINE_MS = 9_500;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

async function main(): Promise<void> {
  let config;
  let secrets;
  try {
    config = loadConfig(process.env);
    // `node dist/main.js config check [file]` (npm run config:check): the file alone; no secrets, database or Redis.
    if (process.argv[2] === 'config') process.exit(runConfigCommand(config, process.env, process.argv.slice(3)));
    secrets = resolveSecrets(config);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  // `node dist/main.js rekey` (npm run rekey): a one-off command on the database, then exit; no server, no queues.
  if (process.argv[2] === 'rekey') process.exit(await runRekey(config, secrets, process.argv.slice(3)));
  const logger = createLogger(config.logLevel);
  checkRegistry();

  // A database restart or a queue store outage is weather, not a bug: an error it leaves unhandled must not take the
  // process down (Node's default for both of these), it is logged and the pools and clients reconnect.
  process.on('unhandledRejection', (reason) => {
    const dependency = unavailableDependency(reason);
    const err = redact(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
    if (dependency) logger.warn({ dependency, err }, 'unhandled rejection from an unavailable dependency (ignored)');
    else logger.error({ err }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (e) => {
    const dependency = unavailableDependency(e);
    if (dependency) {
      logger.warn({ dependency, err: redact(e.message) }, 'uncaught error from an unavailable dependency (ignored)');
      return;
    }
    // Anything else may have left the process in a state nobody planned for: exit, and let the supervisor restart.
    logger.fatal({ err: redact(e.stack ?? e.message) }, 'uncaught exception; exiting');
    process.exit(1);
  });

  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    applicationName: `crier-${config.role}`,
    poolSize: config.dbPoolSize,
    onConnectionError: (e) => logger.warn({ err: redact(e.message) }, 'database connection lost; the pool reconnects'),
    dataDirLock: {
      onWait: (message) => logger.warn(message),
      // Another process may now be on the same files: stopping at once is the only safe thing left to do.
      onLost: (e) => {
        logger.fatal({ err: e.message }, 'lost the lock on the embedded database directory; exiting');
        process.exit(1);
      },
    },
  });
  // A key that is not the database's would fail on every stored credential: refuse to start, and say what to do.
  const keyProblem = await checkKeyAtStart(database.db, secrets, logger);
  if (keyProblem) {
    process.stderr.write(`${keyProblem}\n`);
    await database.close();
    process.exit(1);
  }
  const api = config.role !== 'worker';
  // Never a silent switch: the backend follows CRIER_QUEUE (else whether REDIS_URL is set) and is printed here.
  let queue: QueueBackend;
  try {
    queue = await openQueueBackend({
      config,
      database,
      workers: config.role === 'api' ? 0 : ADAPTERS.length,
      log: logger,
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    await database.close().catch(() => undefined);
    process.exit(1);
  }
  logger.info({ queue: queue.kind }, `queue backend: ${queue.kind}`);

  const { secretKey, previousKeys } = secrets;
  const infrastructure = { config, db: database.db, queue, secretKey, previousKeys };
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(infrastructure), {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
  });
  if (api) {
    // Before routing, so unknown /api paths answer 401, and before body parsing, so strangers cannot make us read.
    app.use('/api', bearerAuth(secrets.apiToken));
    app.use(
      express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'], verify: refuseDeepJson }),
    );
    // Any other content type is read (to enforce the same 1 MiB limit) and then refused by validation.
    app.use(express.raw({ limit: BODY_LIMIT, type: () => true }));
    // Deep nesting, prototype keys, NUL and oversize strings in a body or query: 400 before any validation runs.
    app.use(hostileInputGuard());
    mountDashboard(app, secrets.apiToken);
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Crier')
        .setDescription('Schedule articles to every social channel. Every /api route needs the bearer token.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json' });
  }
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new HttpErrorFilter());
  app.disable('x-powered-by');

  if (api) {
    // The config file (CRIER_CONFIG) is applied before anything is served: a bad one stops the start, listing
    // every problem with its path and line, as a bad environment does.
    const refusal = await applyConfigFileAtStart(app, config, process.env, logger);
    if (refusal) {
      process.stderr.write(`${refusal}\n`);
      await app.close();
      await queue.close();
      await database.close();
      process.exit(1);
    }
  }
  await app.listen(config.port, config.host);
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const where = api
    ? `API ${base}/api/v1 · docs ${base}/docs · dashboard ${base}${DASHBOARD_PATH} · queues ${base}${QUEUES_PATH} · health ${base}/health`
    : `health ${base}/health`;
  logger.info(
    { role: config.role, database: database.kind, queue: queue.kind },
    `Crier is up (${config.role}): ${where}`,
  );
  if (api) {
    process.stdout.write(
      `\nCrier is up (${config.role}, ${database.kind} database, ${queue.kind} queues)\n  ${where.split(' · ').join('\n  ')}\n`,
    );
  }
  if (secrets.generatedToken) {
    // Printed once, when generated, on the terminal only (not through the logger); kept in the data dir.
    process.stdout.write(`\nGenerated API token (also saved in ${secrets.secretsFile}):\n  ${secrets.apiToken}\n\n`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: finishing in-flight jobs, then exiting`);
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    let closed = false;
    const closing = app.close().then(
      () => (closed = true),
      (e: Error) => {
        logger.warn({ err: redact(e.message) }, 'error while closing the application');
        closed = true;
      },
    );
    const started = Date.now();
    let queueDownSince: number | undefined;
    while (!closed) {
      await Promise.race([closing, sleep(100)]);
      const now = Date.now();
      if (!queue.connected()) queueDownSince ??= now;
      else queueDownSince = undefined;
      if (now - started >= APP_CLOSE_MS || (queueDownSince && now - queueDownSince >= QUEUE_DOWN_GRACE_MS)) break;
    }
    if (!closed) {
      logger.warn(
        'shutdown: in-flight work did not finish in time; cutting the queue connections so stuck commands fail',
      );
      queue.disconnect();
      await Promise.race([closing, sleep(AFTER_DISCONNECT_MS)]);
    }
    // The queue store before the database: the embedded one lives in it.
    await Promise.race([queue.close().catch(() => undefined), sleep(DATABASE_CLOSE_MS)]);
    await Promise.race([
      database.close().catch((e: Error) => logger.warn({ err: redact(e.message) }, 'error closing the database')),
      sleep(DATABASE_CLOSE_MS),
    ]);
    clearTimeout(deadline);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e: Error) => {
  process.stderr.write(`Crier failed to start: ${e.message}\n`);
  process.exit(1);
});
