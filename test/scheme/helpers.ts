import { expect } from 'vitest';

/** Runs `action` and returns what it throws; fails the test when it returns normally. */
export function thrownBy(action: () => unknown): Error & { code?: string } {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error & { code?: string };
  }
  expect.fail('expected an error, but the call returned normally');
}
