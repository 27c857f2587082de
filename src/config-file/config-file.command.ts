import { existsSync, readFileSync, statSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config';
import { checkConfig, DeclaredConfig, PathProblem } from './config-file.check';
import { MAX_FILE_BYTES, parseConfigText, pathText, Problem, problemText } from './config-file.parse';
import { ConfigFileService } from './config-file.service';

/** Used when CRIER_CONFIG is unset and this file exists (relative to the working directory). */
export const DEFAULT_CONFIG_FILE = 'config/crier.yaml';

/** The file to apply: CRIER_CONFIG, else the default when it exists, else none. */
export function configFilePath(config: Pick<AppConfig, 'configFile'>): string | null {
  if (config.configFile) return config.configFile;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null;
}

export interface LoadedConfig {
  file: string;
  config: DeclaredConfig | null;
  /** Every problem, each with its path in the file and its line. */
  problems: Problem[];
}

/** Reads, parses and checks a config file (API rules, environment references); touches nothing else. */
export function loadConfigFile(file: string, env: Record<string, string | undefined>): LoadedConfig {
  let text: string;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw new Error('is larger than 1 MiB');
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'does not exist' : code ? `cannot be read (${code})` : (e as Error).message;
    return { file, config: null, problems: [{ path: '(file)', message }] };
  }
  const parsed = parseConfigText(text);
  if (parsed.problems.length > 0) return { file, config: null, problems: parsed.problems };
  const checked = checkConfig(parsed.data, env);
  return { file, config: checked.config, problems: withLines(checked.problems, parsed.lineOf) };
}

/** Problems in the order of the file's lines (the file as a whole first). */
export function withLines(problems: PathProblem[], lineOf: (path: PathProblem['path']) => number | undefined) {
  const out = problems.map((p) => ({ path: pathText(p.path), message: p.message, line: lineOf(p.path) }));
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function problemsText(loaded: LoadedConfig): string {
  const n = loaded.problems.length;
  return [
    `${loaded.file}: ${n} problem${n === 1 ? '' : 's'}:`,
    ...loaded.problems.map((p) => `  ${problemText(p)}`),
  ].join('\n');
}

function summary(c: DeclaredConfig): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const platforms = [...new Set(c.accounts.map((a) => a.platform))].join(', ');
  return [
    count(c.accounts.length, 'account') + (platforms ? ` (${platforms})` : ''),
    count(c.feeds.length, 'feed'),
    count(Object.keys(c.templates).length, 'template'),
    count(c.pauses.length, 'pause'),
    count(c.webhooks.length, 'webhook'),
    `prune: ${c.prune}`,
  ].join(', ');
}

/**
 * `node dist/main.js config check [file]` (`npm run config:check`): checks the file (default: CRIER_CONFIG, else
 * config/crier.yaml) with the API's rules, reading the `${NAME}` references from this environment. No database,
 * no network, nothing written. Exit 0 with a summary, 1 listing every problem, 2 for a wrong command line.
 */
export function runConfigCommand(config: AppConfig, env: Record<string, string | undefined>, args: string[]): number {
  const [sub, file, ...rest] = args;
  if (sub !== 'check' || rest.length > 0 || file?.startsWith('-')) {
    process.stderr.write('usage: node dist/main.js config check [file]   (npm run config:check -- [file])\n');
    return 2;
  }
  const path = file ?? configFilePath(config);
  if (!path) {
    process.stderr.write(
      `config check: no file given, CRIER_CONFIG is unset and ${DEFAULT_CONFIG_FILE} does not exist\n`,
    );
    return 2;
  }
  const loaded = loadConfigFile(path, env);
  if (!loaded.config) {
    process.stderr.write(`${problemsText(loaded)}\n`);
    return 1;
  }
  process.stdout.write(`${path}: OK: ${summary(loaded.config)}\n`);
  return 0;
}

/**
 * At start (API role, before serving): checks the file first, then applies it. Null when there is no file or it
 * applied; else the message to print before exiting (every problem, with its path and line).
 */
export async function applyConfigFileAtStart(
  app: INestApplicationContext,
  config: AppConfig,
  env: Record<string, string | undefined>,
  logger: Logger,
): Promise<string | null> {
  const path = configFilePath(config);
  if (!path) return null;
  const loaded = loadConfigFile(path, env);
  const refuse = (l: LoadedConfig) =>
    `Crier will not start: the config file (CRIER_CONFIG) ${problemsText(l)}\n` +
    'Fix it, then start again (npm run config:check checks it without starting).';
  if (!loaded.config) return refuse(loaded);
  const report = await app.get(ConfigFileService).apply(loaded.config);
  if (report.problems.length > 0) {
    const lineOf = parseConfigText(readFileSync(path, 'utf8')).lineOf;
    return refuse({ ...loaded, problems: withLines(report.problems, lineOf) });
  }
  logger.info(
    { file: path, changed: report.changes.length, unchanged: report.unchanged },
    `config file ${path} applied: ${summary(loaded.config)}; ${report.changes.length} change(s)`,
  );
  return null;
}
