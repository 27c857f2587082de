import { unavailableDependency } from '../common/errors';
import { postgresQueueBackend, queuePool } from './queue-backend';

describe('the PostgreSQL queue store', () => {
  it('a refused connection is the database being unavailable (503 like the database), also through /health ping', async () => {
    const pool = queuePool('postgres://crier@127.0.0.1:1/nothing', 1, () => undefined);
    const backend = postgresQueueBackend(pool, () => pool.end());
    try {
      const err = await backend.ping().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).not.toBeNull();
      expect(unavailableDependency(err)).toBe('database');
      expect(backend.kind).toBe('postgres');
    } finally {
      await backend.close();
    }
  });
});
