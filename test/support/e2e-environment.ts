import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';
import { FAILED_FLAG } from './test-status';

/**
 * The e2e tests' Jest environment: Node's, plus a flag raised when a test or hook of the file fails, so the Crier
 * processes can print the end of their logs on the way out (CI shows only the runner's output).
 */
export default class E2EEnvironment extends TestEnvironment {
  handleTestEvent(event: Circus.Event): void {
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') this.global[FAILED_FLAG] = true;
  }
}
