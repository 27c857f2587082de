import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { AppModule } from './app.module';
import { bearerAuth } from './common/auth.middleware';
import { HttpErrorFilter } from './common/http-exception.filter';
import { createLogger, PinoNestLogger } from './common/logger';
import { validationPipe } from './common/validation';
import { ConfigError, loadConfig } from './config/config';
import { resolveSecrets } from './config/secrets';
import { DASHBOARD_PATH, mountDashboard } from './dashboard/dashboard';
import { openDatabase } from './database/database';
import { checkRegistry } from './platforms/platform.registry';
import { assertRedisReachable, createRedis } from './queue/redis';

const BODY_LIMIT = '1mb';
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  let secrets;
  try {
    config = loadConfig(process.env);
    secrets = resolveSecrets(config);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  checkRegistry();

  try {
    await assertRedisReachable(config.redisUrl);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const redis = createRedis(config.redisUrl, `crier-${config.role}`);
  redis.on('error', (e) => logger.warn({ err: e.message }, 'redis connection problem'));

  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ config, db: database.db, redis, secretKey: secrets.secretKey }),
    { bodyParser: false, logger: new PinoNestLogger(logger) },
  );
  const api = config.role !== 'worker';
  if (api) {
    // Before routing, so unknown /api paths answer 401, and before body parsing, so strangers cannot make us read.
    app.use('/api', bearerAuth(secrets.apiToken));
    app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
    // Any other content type is read (to enforce the same 1 MiB limit) and then refused by validation.
    app.use(express.raw({ limit: BODY_LIMIT, type: () => true }));
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

  await app.listen(config.port, config.host);
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const where = api
    ? `API ${base}/api/v1 · docs ${base}/docs · dashboard ${base}${DASHBOARD_PATH} · health ${base}/health`
    : `health ${base}/health`;
  logger.info({ role: config.role, database: database.kind }, `Crier is up (${config.role}): ${where}`);
  if (api) {
    process.stdout.write(
      `\nCrier is up (${config.role}, ${database.kind} database)\n  ${where.split(' · ').join('\n  ')}\n`,
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
    try {
      await app.close();
      await database.close();
      redis.disconnect();
    } finally {
      clearTimeout(deadline);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e: Error) => {
  process.stderr.write(`Crier failed to start: ${e.message}\n`);
  process.exit(1);
});
