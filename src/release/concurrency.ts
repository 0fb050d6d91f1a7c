/** Default number of registry requests a release or resolve keeps in flight at once. */
export const DEFAULT_CONCURRENCY = 8;

/**
 * Maps `items` through `fn` with at most `limit` calls in flight, and returns
 * the results in input order. After the first rejection no new call starts;
 * the calls already running are awaited, then the first error is thrown.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;

  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
        }
      }
    }
  };

  const workers = Array.from({ length: Math.min(limit, items.length) }, () => worker());
  await Promise.all(workers);
  if (failed) {
    throw firstError;
  }
  return results;
}

/**
 * A counting semaphore shared by several callers, so that concurrent work
 * started from different places (one resolve per reference) stays within one
 * bound.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
    }
  }

  /** Runs `fn` once a slot is free and releases the slot when it settles. */
  async run<R>(fn: () => Promise<R>): Promise<R> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await fn();
    } finally {
      const wake = this.waiting.shift();
      if (wake) {
        // The slot passes straight to the next waiter, so `active` stays the same.
        wake();
      } else {
        this.active -= 1;
      }
    }
  }
}
