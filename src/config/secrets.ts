import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSecretKey } from '../accounts/credential-cipher';
import { AppConfig, ConfigError } from './config';

export interface ResolvedSecrets {
  apiToken: string;
  secretKey: Buffer;
  /** CRIER_SECRET_KEY_PREVIOUS, when a rotation is under way: read with, never written with. */
  previousKeys: Buffer[];
  /** Where the key is kept when it was generated (no CRIER_SECRET_KEY): named in messages about the key. */
  keyFile: string | null;
  /** Set when a dev token was generated just now: the caller prints it once. */
  generatedToken: boolean;
  secretsFile: string;
}

/**
 * API token and encryption key: from the environment when set, else generated once and kept in
 * `<dataDir>/secrets.json` (mode 0600) so that restarts can still decrypt what they stored.
 */
export function resolveSecrets(config: AppConfig): ResolvedSecrets {
  const file = path.resolve(config.dataDir, 'secrets.json');
  let stored: { apiToken?: string; secretKey?: string } = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;

  let generatedToken = false;
  let dirty = false;
  let apiToken = config.apiToken;
  if (!apiToken) {
    if (!stored.apiToken) {
      stored.apiToken = randomBytes(24).toString('base64url');
      generatedToken = true;
      dirty = true;
    }
    apiToken = stored.apiToken;
  }

  let keyText = config.secretKey;
  if (!keyText) {
    if (!stored.secretKey) {
      stored.secretKey = randomBytes(32).toString('base64');
      dirty = true;
    }
    keyText = stored.secretKey;
  }
  const secretKey = parseSecretKey(keyText);
  const previous = config.secretKeyPrevious === undefined ? undefined : parseSecretKey(config.secretKeyPrevious);
  const problems = [
    ...(secretKey ? [] : ['CRIER_SECRET_KEY must be 32 bytes, given as 64 hex characters or base64']),
    ...(previous === null ? ['CRIER_SECRET_KEY_PREVIOUS must be 32 bytes, given as 64 hex characters or base64'] : []),
  ];
  if (!secretKey || problems.length > 0) throw new ConfigError(problems);

  if (dirty) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return {
    apiToken,
    secretKey,
    previousKeys: previous ? [previous] : [],
    keyFile: config.secretKey ? null : file,
    generatedToken,
    secretsFile: file,
  };
}
