import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { resolveSecrets } from './secrets';

describe('resolveSecrets: the encryption keys', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(path.join(tmpdir(), 'crier-secrets-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const resolve = (env: Record<string, string>) => resolveSecrets(loadConfig({ CRIER_DATA_DIR: dataDir, ...env }));

  it('reads CRIER_SECRET_KEY_PREVIOUS as the key to read with during a rotation', () => {
    const [key, previous] = [randomBytes(32), randomBytes(32)];
    const s = resolve({
      CRIER_SECRET_KEY: key.toString('hex'),
      CRIER_SECRET_KEY_PREVIOUS: previous.toString('base64'),
    });
    expect(s.secretKey.equals(key)).toBe(true);
    expect(s.previousKeys.map((k) => k.toString('hex'))).toEqual([previous.toString('hex')]);
    expect(s.keyFile).toBeNull();
  });

  it('names the generated key file when no key is set, and keeps the key across calls', () => {
    const first = resolve({});
    expect(first.keyFile).toBe(path.resolve(dataDir, 'secrets.json'));
    expect(first.previousKeys).toEqual([]);
    expect(resolve({}).secretKey.equals(first.secretKey)).toBe(true);
  });

  it('refuses a malformed previous key, naming the variable and not its value', () => {
    let error: unknown;
    try {
      resolve({ CRIER_SECRET_KEY: randomBytes(32).toString('hex'), CRIER_SECRET_KEY_PREVIOUS: 'not-a-key-at-all' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('CRIER_SECRET_KEY_PREVIOUS must be 32 bytes');
    expect((error as Error).message).not.toContain('not-a-key-at-all');
  });
});
