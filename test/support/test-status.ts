/** The global the e2e environment (e2e-environment.ts) raises when a test or hook of the file fails. */
export const FAILED_FLAG = '__crierTestFailed';

/** True once a test or hook of the current file has failed (always false outside the e2e environment). */
export function aTestFailed(): boolean {
  return (globalThis as Record<string, unknown>)[FAILED_FLAG] === true;
}
