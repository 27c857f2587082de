import { ConfigError, loadConfig } from './config';

describe('webhook configuration', () => {
  it('has defaults that retry for more than a day, and no public URL', () => {
    const c = loadConfig({});
    expect(c.publicUrl).toBeUndefined();
    expect(c.webhooksTimeoutMs).toBe(10_000);
    expect(c.webhooksRetryBaseMs).toBe(5_000);
  });

  it('takes the public URL without its trailing slashes, and refuses one that is not http(s)', () => {
    expect(loadConfig({ CRIER_PUBLIC_URL: 'https://crier.example.org//' }).publicUrl).toBe('https://crier.example.org');
    expect(() => loadConfig({ CRIER_PUBLIC_URL: 'ftp://crier.example.org' })).toThrow(ConfigError);
    expect(() => loadConfig({ CRIER_WEBHOOKS_TIMEOUT_MS: '5' })).toThrow(/CRIER_WEBHOOKS_TIMEOUT_MS/);
  });
});
