import { loadConfig } from './config';

describe('database pool size', () => {
  it('is 10 connections per process by default, whatever the role', () => {
    expect(loadConfig({}).dbPoolSize).toBe(10);
    expect(loadConfig({ CRIER_ROLE: 'worker' }).dbPoolSize).toBe(10);
  });

  it('takes 1-200 and names the variable otherwise', () => {
    expect(loadConfig({ CRIER_DB_POOL_SIZE: '25' }).dbPoolSize).toBe(25);
    expect(() => loadConfig({ CRIER_DB_POOL_SIZE: '0' })).toThrow(/CRIER_DB_POOL_SIZE/);
    expect(() => loadConfig({ CRIER_DB_POOL_SIZE: '201' })).toThrow(/CRIER_DB_POOL_SIZE/);
    expect(() => loadConfig({ CRIER_DB_POOL_SIZE: 'ten' })).toThrow(/CRIER_DB_POOL_SIZE/);
  });
});
