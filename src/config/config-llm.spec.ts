import { ConfigError, loadConfig } from './config';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

describe('LLM configuration', () => {
  it('is off unless a base URL and a model are given', () => {
    expect(loadConfig({}).llm).toBeNull();
    expect(loadConfig({ CRIER_LLM_BASE_URL: 'http://127.0.0.1:11434/v1', CRIER_LLM_MODEL: 'llama3' }).llm).toEqual({
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'llama3',
      apiKey: undefined,
      timeoutMs: 10_000,
    });
  });

  it('takes a key and a timeout', () => {
    const llm = loadConfig({
      CRIER_LLM_BASE_URL: 'https://api.example.com/v1',
      CRIER_LLM_MODEL: 'm',
      CRIER_LLM_API_KEY: 'sk-secret-123',
      CRIER_LLM_TIMEOUT_MS: '2500',
    }).llm;
    expect(llm).toMatchObject({ apiKey: 'sk-secret-123', timeoutMs: 2500 });
  });

  it('lists every problem, never showing the key', () => {
    const found = problems({
      CRIER_LLM_BASE_URL: 'ftp://x',
      CRIER_LLM_API_KEY: 'sk-secret-123',
      CRIER_LLM_TIMEOUT_MS: '5',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CRIER_LLM_BASE_URL must be a URL starting with http:\/\/ or https:\/\//),
        'CRIER_LLM_MODEL is required when CRIER_LLM_BASE_URL is set',
        'CRIER_LLM_TIMEOUT_MS must be at least 100',
      ]),
    );
    expect(found.join('\n')).not.toContain('sk-secret-123');
    expect(problems({ CRIER_LLM_BASE_URL: 'https://user:pw@api.example.com/v1', CRIER_LLM_MODEL: 'm' })).toEqual([
      'CRIER_LLM_BASE_URL must not contain a user or password',
    ]);
    expect(problems({ CRIER_LLM_API_KEY: 'sk-secret-123' })).toEqual([
      'CRIER_LLM_API_KEY is set but CRIER_LLM_BASE_URL is not',
    ]);
  });
});
