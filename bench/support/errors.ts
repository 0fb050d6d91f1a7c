import { TagkeeperError } from '../../src/errors.js';

/** A flag or environment variable of `npm run bench` is invalid. */
export class BenchOptionsError extends TagkeeperError {
  override readonly name = 'BenchOptionsError';
  readonly code = 'BENCH_OPTIONS_INVALID';
}

/** A benchmark scenario found the registry in a state it did not prepare, such as a wrong digest. */
export class BenchSetupError extends TagkeeperError {
  override readonly name = 'BenchSetupError';
  readonly code = 'BENCH_SETUP_FAILED';
}
