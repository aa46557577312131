// Shared by the emulator tests: the error a promise rejects with.
import * as assert from 'uvu/assert';

/**
 * The error `p` rejects with (fails the test when it resolves). `any`: the SDK's errors carry
 * service-specific fields ($metadata, name, Code ...) the tests read without declaring each.
 */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, any>;
  }
  throw new assert.Assertion({ message: 'expected a rejection', generated: true, operator: 'rejects', expects: 'error', actual: 'resolved' });
}
